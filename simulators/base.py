"""Shared plumbing for the simulators: a small WSGI layer, knobs, control endpoints, a server.

Simulators are plain WSGI apps that know nothing of Django. Tests, benchmarks and the
demo talk to them over real HTTP. Every simulator has the same control endpoints
under /_sim/ (health, config, reset, stats), which never sleep, fail or count.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    host_url: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Environ) -> Request:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return cls(
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO") or "/",
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            host_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        return {
            k: v[0]
            for k, v in parse_qs(
                self.body.decode("utf-8", "replace"), keep_blank_values=True
            ).items()
        }

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(status=status, body=body, headers=dict(headers))


Handler = Callable[[Request], Response]


class Simulator:
    """Base of every simulator: routes, knobs, counters, control endpoints and fault injection."""

    name = "simulator"
    default_knobs: dict[str, Any] = {}

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.offset = 0.0
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        self.knobs: dict[str, Any] = {}
        self.counters: dict[str, int] = {}
        self.reset_state()
        self.route("GET", r"/_sim/health", lambda r: json_response({"ok": True}), control=True)
        self.route("POST", r"/_sim/config", self._config, control=True)
        self.route("GET", r"/_sim/config", lambda r: json_response(self.knobs), control=True)
        self.route("POST", r"/_sim/reset", self._reset, control=True)
        self.route("GET", r"/_sim/stats", lambda r: json_response(self.stats()), control=True)
        self.route("POST", r"/_sim/advance_clock", self._advance, control=True)
        self.setup_routes()

    # --- to override -----------------------------------------------------------------------
    def setup_routes(self) -> None:
        """Register the API routes."""

    def reset_data(self) -> None:
        """Clear the simulated data."""

    def fault_response(self, request: Request) -> Response:
        return json_response({"error": "Simulated server error"}, 500)

    # --- plumbing --------------------------------------------------------------------------
    def now(self) -> float:
        """The simulator's clock: real monotonic time plus whatever tests advanced it by."""
        return self.clock() + self.offset

    def reset_state(self) -> None:
        with self.lock:
            self.knobs = {"latency_ms": 0, "fail_next": 0, "fail_status": 500, **self.default_knobs}
            self.counters = {}
            self.offset = 0.0
            self.reset_data()

    def configure(self, **knobs: Any) -> None:
        unknown = sorted(set(knobs) - set(self.knobs))
        if unknown:
            raise ValueError(f"Unknown knob(s): {', '.join(unknown)}")
        with self.lock:
            self.knobs.update(knobs)

    def count(self, key: str, amount: int = 1) -> None:
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + amount

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return dict(self.counters)

    def route(self, method: str, pattern: str, handler: Handler, *, control: bool = False) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler, control))

    def _config(self, request: Request) -> Response:
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError("Send a JSON object of knobs.")
            self.configure(**body)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response(self.knobs)

    def _reset(self, request: Request) -> Response:
        self.reset_state()
        return json_response({"ok": True})

    def _advance(self, request: Request) -> Response:
        seconds = float((request.json() or {}).get("seconds", 0))
        with self.lock:
            self.offset += seconds
        return json_response({"advanced": seconds})

    def take_fault(self) -> bool:
        with self.lock:
            if self.knobs.get("fail_next", 0) > 0:
                self.knobs["fail_next"] -= 1
                return True
        return False

    def dispatch(self, request: Request) -> Response:
        allowed = False
        for method, pattern, handler, control in self._routes:
            match = pattern.match(request.path)
            if not match:
                continue
            allowed = True
            if method != request.method:
                continue
            request.params = match.groupdict()
            if not control:
                self.count("requests")
                latency = self.knobs.get("latency_ms") or 0
                if latency:
                    time.sleep(latency / 1000)
                if self.take_fault():
                    return self.fault_response(request)
            return handler(request)
        if allowed:
            return json_response({"error": "Method not allowed"}, 405)
        return json_response({"error": f"No route for {request.path}"}, 404)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.dispatch(request)
        except Exception as exc:  # a simulator bug must show as a 500, not a dropped connection
            response = json_response(
                {"error": f"Simulator error: {type(exc).__name__}: {exc}"}, 500
            )
        payload = response.encoded()
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(payload)))]
        headers += list(response.headers.items())
        start_response(f"{response.status} {STATUS_TEXT.get(response.status, 'Status')}", headers)
        return [payload]


def random_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(8)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


class SimulatorServer:
    """Serve a simulator on 127.0.0.1 in a daemon thread (port 0 picks a free port)."""

    def __init__(self, app: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.server = make_server(
            host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name=f"{self.app.name}-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
