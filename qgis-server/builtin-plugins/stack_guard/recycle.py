"""Ends a worker gracefully after QGIS_WORKER_MAX_REQUESTS requests (0: never), as Apache's
FcgidMaxRequestsPerProcess does; QGIS has no such setting. The worker sends itself SIGUSR1
once a response is complete: libfcgi then accepts no further request, the process exits, and
multiwatch starts a fresh one (which preloads its projects). Memory a worker only ever
gains is given back this way, and no request fails.

multiwatch counts a worker that exits within 10 s of its start as a failed start and gives
up after QGIS_WORKER_RETRIES of them: a worker is recycled only once it has also lived
MIN_LIFETIME_S, however fast it reaches the count.
"""

import os
import signal
import time

from qgis.server import QgsServerFilter, QgsServerInterface

MIN_LIFETIME_S = 15.0


class Recycler(QgsServerFilter):
    def __init__(self, server_iface: QgsServerInterface, max_requests: int) -> None:
        super().__init__(server_iface)
        self.max_requests = max_requests
        self.served = 0
        self.started = time.monotonic()

    def responseComplete(self) -> None:  # noqa: N802
        self.served += 1
        if self.served >= self.max_requests and time.monotonic() - self.started >= MIN_LIFETIME_S:
            os.kill(os.getpid(), signal.SIGUSR1)
