"""CSV exports that open safely in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response


def safe_cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_download(header: list[str], rows: Iterable[Iterable[object]], filename: str) -> Response:
    """A CSV file to download: semicolons (French spreadsheets), and a BOM so that they read
    the accents as UTF-8. Cells from people's text must go through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
