"""A local TCP port in front of a server that refuses every connection until it is opened, as a
PostgreSQL server that is restarting does, and then forwards each connection to the server."""

from __future__ import annotations

import contextlib
import socket
import threading


class RefusingPort:
    """Bound but not listening, the port refuses connections (the client gets "connection
    refused"); ``open()`` starts listening and forwarding to (host, port)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stopped = threading.Event()
        self._sockets: list[socket.socket] = []

    def open(self) -> None:
        self._server.listen(32)
        self._server.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        self._stopped.set()
        for sock in [self._server, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> RefusingPort:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copies bytes from source to sink until source ends, then ends sink's writing side."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
