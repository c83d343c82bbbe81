"""Static files: each URL carries a digest of the file's content, so browsers may keep it long.

`url_for('static', filename=…)` adds `?v=<digest>`; a changed file gets a new address, hence
SEND_FILE_MAX_AGE_DEFAULT can be a year in production without anyone seeing stale CSS or JS.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask

_digests: dict[tuple[str, int, int], str] = {}


def digest(path: Path) -> str | None:
    """The first 12 hex digits of the file's SHA-256 (cached by size and modification time)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _digests:
        _digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _digests[key]


def init_app(app: Flask) -> None:
    static = Path(app.static_folder)

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = digest(static / values["filename"])
            if version is not None:
                values["v"] = version
