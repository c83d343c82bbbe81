"""CSV exports that open safely in a spreadsheet."""

from __future__ import annotations


def safe_cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
