"""A report's photo checked and cleaned before it is stored: its size, its type read from the bytes
(not the name or the browser's word), the whole image decoded by Pillow – a file that only looks like
an image is refused – and encoded again from its pixels alone, so no EXIF (the camera, the time, the
GPS position of the person's home), XMP, IPTC or comment reaches the disk. The orientation EXIF asked
for is applied to the pixels first, so the photo still shows the right way up."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from regija.core.services import Refused

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PIXELS = 40_000_000  # a 40 MP photo; more is a decompression bomb, not a phone's photo


@dataclass(frozen=True)
class Clean:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def max_bytes() -> int:
    return int(getattr(settings, "REGIJA_FIXES_PHOTO_MAX_BYTES", 8 * 1024 * 1024))


def clean(data: bytes, field: str = "photos") -> Clean:
    """The photo without metadata, or Refused naming what is wrong with it."""
    if len(data) > max_bytes():
        raise Refused(
            _("A photo may have at most %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}, field=field
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            if kind not in FORMATS:
                raise Refused(_("A photo must be a JPEG, PNG or WebP image."), field=field)
            if probe.width * probe.height > MAX_PIXELS:
                raise Refused(_("The photo has too many pixels."), field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every pixel: a truncated or fake file fails here
            upright = ImageOps.exif_transpose(image)
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Refused(_("The file is not an image that can be read."), field=field) from None
    mode = "RGBA" if kind != "JPEG" and upright.mode in ("RGBA", "LA", "P") else "RGB"
    pixels = upright.convert(mode)
    bare = Image.new(mode, pixels.size)
    bare.paste(pixels)  # a new image: nothing of the original's info (exif, xmp, icc, comments) comes along
    out = io.BytesIO()
    if kind == "JPEG":
        bare.save(out, "JPEG", quality=88, optimize=True)
    else:
        bare.save(out, kind)
    content_type, extension = FORMATS[kind]
    return Clean(out.getvalue(), content_type, extension, bare.width, bare.height)
