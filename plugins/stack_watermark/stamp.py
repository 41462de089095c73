"""The mark: an image file or a text label, rendered once at worker start."""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QRect, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

# The mark never grows beyond this, whatever the text or image: a map keeps its content.
MAX_WIDTH, MAX_HEIGHT = 320, 96
PADDING = 3
FONT_PIXELS = 12


def image_stamp(path: Path) -> QImage | None:
    """The image file, scaled down to the size limit; None if Qt cannot read it."""
    image = QImage(str(path))
    if image.isNull():
        return None
    if image.width() > MAX_WIDTH or image.height() > MAX_HEIGHT:
        image = image.scaled(
            MAX_WIDTH,
            MAX_HEIGHT,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def text_stamp(text: str) -> QImage:
    """Dark text on a translucent white box, legible on any map; elided to the size limit."""
    font = QFont("DejaVu Sans")  # the image's only font (fonts-dejavu-core)
    font.setPixelSize(FONT_PIXELS)
    metrics = QFontMetrics(font)
    text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, MAX_WIDTH - 2 * PADDING)
    width = min(MAX_WIDTH, metrics.horizontalAdvance(text) + 2 * PADDING)
    height = min(MAX_HEIGHT, metrics.height() + 2 * PADDING)
    stamp = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    stamp.fill(QColor(255, 255, 255, 170))
    painter = QPainter(stamp)
    painter.setFont(font)
    painter.setPen(QColor(30, 30, 30))
    painter.drawText(QRect(0, 0, width, height), int(Qt.AlignmentFlag.AlignCenter), text)
    painter.end()
    return stamp
