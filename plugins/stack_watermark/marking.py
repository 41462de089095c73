"""Where the mark goes and how it is drawn: only the bottom-right corner box changes."""

from __future__ import annotations

from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
from qgis.PyQt.QtGui import QImage, QPainter

MARGIN = 4  # pixels between the mark and the image's right and bottom edges
# QPainter draws on these without converting the image; others (indexed and monochrome
# PNGs) are converted to ARGB32 first, which keeps every other pixel's colour.
PAINTABLE = (
    QImage.Format.Format_RGB32,
    QImage.Format.Format_ARGB32,
    QImage.Format.Format_ARGB32_Premultiplied,
)
# What GetMap answers in, as Content-Type media type → Qt image format.
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG"}
JPEG_QUALITY = 90  # re-encoding loses a little; high quality keeps that loss small


def mark_box(image: QSize, stamp: QSize) -> QRect | None:
    """The corner box the mark fills, or None when the image is too small to hold it."""
    if image.width() < stamp.width() + 2 * MARGIN or image.height() < stamp.height() + 2 * MARGIN:
        return None
    return QRect(
        image.width() - stamp.width() - MARGIN,
        image.height() - stamp.height() - MARGIN,
        stamp.width(),
        stamp.height(),
    )


def qt_format(content_type: str) -> str | None:
    """The Qt format for a Content-Type ("image/png; mode=8bit" → "PNG"), None for others."""
    return FORMATS.get(content_type.split(";")[0].strip().lower())


def mark_encoded(data: bytes, qt_image_format: str, stamp: QImage) -> bytes | None:
    """The image with the mark, in the same format; None when it is left unmarked."""
    image = QImage.fromData(QByteArray(data), qt_image_format)
    if image.isNull():
        raise ValueError(f"the GetMap answer is not a readable {qt_image_format} image")
    box = mark_box(image.size(), stamp.size())
    if box is None:
        return None
    if image.format() not in PAINTABLE:
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.drawImage(box.topLeft(), stamp)
    painter.end()
    return encode(image, qt_image_format)


def encode(image: QImage, qt_image_format: str) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    quality = JPEG_QUALITY if qt_image_format == "JPEG" else -1
    if not image.save(buffer, qt_image_format, quality):
        raise ValueError(f"Qt could not encode the marked image as {qt_image_format}")
    buffer.close()
    return bytes(data)
