"""Event pictures: checked by content (not by name), resized, re-encoded, stored under a name of
ours in UPLOAD_ROOT/events — never at a path a user chose.

The form reads the picture (`read_image`, a form error when it is not one we take); the view
stores it (`save_image`) only once the event it belongs to was accepted, so that a refused form
leaves no file behind."""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path
from typing import IO

from flask_babel import gettext as _
from PIL import Image, ImageOps

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1200
ACCEPTED = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # checked before decoding: a small file can hold a huge picture


class UnreadableImage(ValueError):
    """The upload is not a picture we take; the message says why."""


def read_image(stream: IO[bytes]) -> Image.Image:
    """An uploaded picture, upright and at most 1200 px, in RGB. Raises UnreadableImage."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UnreadableImage(_("Image trop lourde : 5 Mo au plus."))
    try:
        with Image.open(BytesIO(data), formats=sorted(ACCEPTED)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise UnreadableImage(_("Image trop grande : 40 mégapixels au plus."))
            probe.verify()
        with Image.open(BytesIO(data), formats=sorted(ACCEPTED)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            return image.convert("RGB")
    except UnreadableImage:
        raise
    except Exception as error:  # not one of our formats, or damaged: Pillow raises many kinds
        raise UnreadableImage(
            _("Ce fichier n'est pas une image JPEG, PNG ou WebP lisible.")
        ) from error


def new_image_name() -> str:
    """A file name of ours for a picture to store."""
    return f"{uuid.uuid4().hex}.jpg"


def save_image(picture: Image.Image, *, folder: Path, name: str) -> None:
    """Store a picture read by `read_image` as a JPEG named `name` (from `new_image_name`)."""
    folder.mkdir(parents=True, exist_ok=True)
    picture.save(folder / name, "JPEG", quality=85, optimize=True)
