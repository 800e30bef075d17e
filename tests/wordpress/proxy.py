"""A TCP proxy in front of the live app that the test can switch: up (forwards), down (the
port refuses connections, as a stopped app) or hung (accepts and never answers)."""

import socket
import threading
from contextlib import suppress


class SwitchableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.mode = "down"
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        self._switch("up")

    def hang(self) -> None:
        self._switch("hung")

    def down(self) -> None:
        self._switch("down")

    def _switch(self, mode: str) -> None:
        with self._lock:
            self.mode = mode
            for sock in self._open:
                with suppress(OSError):
                    sock.close()
            self._open.clear()
            if mode == "down":
                if self._listener is not None:
                    with suppress(OSError):  # wakes the thread blocked in accept()
                        self._listener.shutdown(socket.SHUT_RDWR)
                    with suppress(OSError):
                        self._listener.close()
                    self._listener = None
                return
            if self._listener is None:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", self.port))
                listener.listen(64)
                self._listener = listener
                threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._open.append(client)
                mode = self.mode
            if mode == "up":
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()
            # hung: keep the connection open and say nothing

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=60)
        except OSError:
            client.close()
            return
        with self._lock:
            self._open.append(upstream)

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            with suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)

    def close(self) -> None:
        self.down()


class Capture:
    """A server that records every request's path and Authorization header, answering 200."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        seen = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen.append((self.path, self.headers.get("Authorization"), body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status": "ok", "tenant": "Captured", "results": []}')

            do_GET = do_POST = _record

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
