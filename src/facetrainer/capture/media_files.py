"""Checks on image and video files before they are measured.

OpenCV decodes what it can and stays quiet about the rest: a JPEG cut in half comes back as
a full-size image whose lower half is grey, a PNG renamed ``.mp4`` opens as a "video" of
one or no frames, and a truncated AVI simply ends early. Measures taken on such input look
plausible and are wrong, so every file is checked first and refused with a message naming
the file and what is wrong with it.

Limits (a face photo or a clinic video is far below them; a hostile file is not):

- images up to ``MAX_IMAGE_PIXELS`` (50 megapixels, e.g. 8660 × 5773) and
  ``MAX_IMAGE_FILE_BYTES``; a 20000 × 20000 PNG would need 1.2 GB just for its pixels;
- videos up to ``MAX_VIDEO_FILE_BYTES``.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

MAX_IMAGE_PIXELS = 50_000_000
MAX_IMAGE_FILE_BYTES = 200 * 1024**2
MAX_VIDEO_FILE_BYTES = 16 * 1024**3
# a video is called truncated when fewer frames decode than its container announces,
# allowing this many for containers that round their frame count up
FRAME_COUNT_SLACK = 1

# magic numbers of still-image formats (a renamed photo must not pass as a video)
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


class MediaFileError(RuntimeError):
    """An image or video file cannot be measured; the message names the file and why."""


def _size_bytes(path: Path, what: str, limit: int) -> int:
    if not path.is_file():
        raise MediaFileError(f"{what} file not found: {path}")
    size = path.stat().st_size
    if size == 0:
        raise MediaFileError(f"{what} file is empty (0 bytes): {path}")
    if size > limit:
        raise MediaFileError(
            f"{what} file {path} is {size / 1024**2:.0f} MiB: larger than the "
            f"{limit / 1024**2:.0f} MiB FaceTrainer reads (allowed 1 byte to {limit} bytes)"
        )
    return size


def image_signature(path: Path) -> str | None:
    """The still-image format a file's first bytes announce ("PNG", "JPEG", …), or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return None
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    for magic, name in _IMAGE_SIGNATURES:
        if head.startswith(magic):
            return name
    return None


def check_image_file(path: str | Path) -> tuple[int, int]:
    """Check an image before decoding it; return its (width, height) in pixels.

    Raises
    ------
    MediaFileError
        Missing, empty or too large a file; more than ``MAX_IMAGE_PIXELS`` pixels (checked
        from the header, before any pixel is decoded); a file that is truncated or damaged.
    """
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    _size_bytes(p, "image", MAX_IMAGE_FILE_BYTES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as im:
                width, height = im.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise MediaFileError(
                        f"image {p} is {width} × {height} px ({width * height / 1e6:.0f} "
                        f"megapixels): larger than FaceTrainer reads (allowed up to "
                        f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels)"
                    )
                im.load()  # decodes everything: a cut file raises here
    except MediaFileError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own, larger limit: header only
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f" ({int(pixels.group(1)) / 1e6:.0f} megapixels)" if pixels else ""
        raise MediaFileError(
            f"image {p} is too large{size}: larger than FaceTrainer reads (allowed up to "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels)"
        ) from None
    except UnidentifiedImageError:
        raise MediaFileError(f"cannot read image file (not an image or corrupt): {p}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaFileError(f"image file {p} is truncated or damaged: {exc}") from None
    return width, height


def check_video_file(path: str | Path) -> None:
    """Refuse a missing, empty or oversized video file and a still image posing as a video."""
    p = Path(path)
    _size_bytes(p, "video", MAX_VIDEO_FILE_BYTES)
    kind = image_signature(p)
    if kind is not None:
        raise MediaFileError(
            f"{p} is a {kind} image, not a video (rename it to its image extension to "
            "analyse it as a photo)"
        )


def check_frame_count(path: str | Path, decoded: int, announced: int) -> None:
    """Raise :class:`MediaFileError` when a video decoded no frame or fewer than announced.

    ``announced`` is the container's frame count (``CAP_PROP_FRAME_COUNT``; ≤ 0 when the
    container does not say, then only an empty video is refused).
    """
    if decoded == 0:
        raise MediaFileError(f"video file {path}: no frame could be decoded")
    if announced > 0 and decoded < announced - FRAME_COUNT_SLACK:
        raise MediaFileError(
            f"video file {path} is truncated or damaged: decoding ended after {decoded} of "
            f"the {announced} frames its container announces"
        )
