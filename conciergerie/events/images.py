"""Event pictures: checked by content (not by name), resized, re-encoded, stored under a name of
ours in UPLOAD_ROOT/events — never at a path a user chose."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from conciergerie.events.service import EventError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1200
ACCEPTED = {"JPEG", "PNG", "WEBP"}
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs


def store_image(stream, *, folder: Path) -> str:
    """Store an uploaded picture as a JPEG of at most 1200 px; the file name to keep."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise EventError(_("Image trop lourde : 5 Mo au plus."), field="image")
    try:
        from io import BytesIO

        with Image.open(BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        if kind not in ACCEPTED:
            raise EventError(_("Format refusé : JPEG, PNG ou WebP."), field="image")
        with Image.open(BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise EventError(_("Ce fichier n'est pas une image lisible."), field="image") from error
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.jpg"
    picture.save(folder / name, "JPEG", quality=85, optimize=True)
    return name
