"""A TCP server on 127.0.0.1 that accepts connections and never answers, or drips its answer.

For deadline tests of any HTTP client (the arXiv session, the openai client):
- `SilentServer()` reads each request and then says nothing until the client gives up;
- `SilentServer(drip=b"<feed>", every=5.0)` sends an HTTP 200 header at once, then one byte of
  the body every `every` seconds (a per-read timeout never fires: only a total deadline helps).
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Self


class SilentServer:
    def __init__(self, *, drip: bytes | None = None, every: float = 1.0):
        self.drip = drip
        self.every = every
        self.connections = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._hold, args=(connection,), daemon=True).start()

    def _hold(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(0.2)
            try:
                connection.recv(65536)  # the request (enough of it)
                if self.drip is not None:
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\n"
                        + f"Content-Length: {len(self.drip)}\r\n\r\n".encode()
                    )
                for byte in self.drip or b"":
                    if self._stop.wait(self.every):
                        return
                    connection.sendall(bytes([byte]))
                while not self._stop.wait(0.2):
                    pass  # never answers: the client has to give up
            except OSError:
                return
