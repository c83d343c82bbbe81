"""The QR code printed on an item's label."""

from __future__ import annotations

import segno


def label_qr(code: str) -> segno.QRCode:
    """A full QR code, never a Micro QR (which `segno.make` picks for a code this short): the
    phones' cameras, and the decoder the desk's pages use (qr-scanner), read only full codes."""
    return segno.make_qr(code, error="m")
