"""Event pictures: checked by content (not by name), resized, re-encoded, stored under a name of
ours in UPLOAD_ROOT/events — never at a path a user chose."""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps

from conciergerie.events.service import EventError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1200
ACCEPTED = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # checked before decoding: a small file can hold a huge picture


def store_image(stream, *, folder: Path) -> str:
    """Store an uploaded picture as a JPEG of at most 1200 px; the file name to keep."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise EventError(_("Image trop lourde : 5 Mo au plus."), field="image")
    try:
        with Image.open(BytesIO(data), formats=sorted(ACCEPTED)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise EventError(_("Image trop grande : 40 mégapixels au plus."), field="image")
            probe.verify()
        with Image.open(BytesIO(data), formats=sorted(ACCEPTED)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            picture = image.convert("RGB")
    except EventError:
        raise
    except Exception as error:  # not one of our formats, or damaged: Pillow raises many kinds
        raise EventError(
            _("Ce fichier n'est pas une image JPEG, PNG ou WebP lisible."), field="image"
        ) from error
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.jpg"
    picture.save(folder / name, "JPEG", quality=85, optimize=True)
    return name
