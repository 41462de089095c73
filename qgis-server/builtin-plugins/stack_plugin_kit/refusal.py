"""An OGC exception report that a filter sets with handler.setServiceException()."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from qgis.PyQt.QtCore import QByteArray
from qgis.server import QgsServerException


class OgcRefusal(QgsServerException):
    """setServiceException() takes only a QgsServerException, whose own body is QGIS's
    <ServerException>: this one answers the OGC way, with a code and a locator."""

    def __init__(self, code: str, message: str, locator: str, status: int) -> None:
        super().__init__(message, status)
        self.report = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc">\n'
            f" <ServiceException code={quoteattr(code)} locator={quoteattr(locator)}>"
            f"{escape(message)}</ServiceException>\n"
            "</ServiceExceptionReport>\n"
        )

    def formatResponse(self):  # noqa: N802 (QGIS virtual)
        return QByteArray(self.report.encode()), "text/xml; charset=utf-8"
