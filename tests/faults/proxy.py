"""A loopback TCP proxy that can be frozen (sockets open, no byte forwarded) and thawed."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from typing import Self


class FreezableProxy:
    """Forwards 127.0.0.1:<port> to `target`; `freeze()` makes the far side look hung.

    Frozen, it keeps accepting connections and keeps every socket open but reads nothing,
    so the client's bytes sit in kernel buffers and no answer ever comes: what a stopped
    server or a black-holed network looks like. `close()` makes the port refuse connections.
    """

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self._thawed = threading.Event()
        self._thawed.set()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", port), reuse_port=False)
        self.port = self._listener.getsockname()[1]
        self._closed = False

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def freeze(self) -> None:
        self._thawed.clear()

    def thaw(self) -> None:
        self._thawed.set()

    def close(self) -> None:
        """Refuses new connections and resets the open ones."""
        self._closed = True
        self._thawed.set()
        with self._lock:
            sockets, self._sockets = [self._listener, *self._sockets], []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        self._thawed.wait()
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            if self._closed:
                client.close()
                upstream.close()
                return
            self._sockets += [client, upstream]
        for src, dst in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while not self._closed:
                self._thawed.wait()
                readable, _, _ = select.select([src], [], [], 0.1)
                if not readable:
                    continue
                self._thawed.wait()  # frozen after select: leave the bytes in the buffer
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
        except (OSError, ValueError):
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])
