"""Shared plumbing for the simulators: a small WSGI layer, knobs, control endpoints, a server.

Simulators are plain WSGI apps that know nothing of Django, so tests, benchmarks and the
demo exercise our real HTTP clients against them. Every simulator has the same control
endpoints under /_sim/ (health, config, reset, stats, calls, connections, advance_clock),
which never sleep, fail or count as API calls, so test set-up can never be disturbed by the
faults it injects.

The server speaks HTTP/1.1 and keeps connections alive, as the real APIs' servers do, so a
client's connection pool is exercised as in production (`/_sim/connections` counts them).
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

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
    504: "Gateway Timeout",
}

# Knobs every simulator has; subclasses add theirs in `default_knobs`.
BASE_KNOBS: dict[str, Any] = {"latency_ms": 0, "fail_next": 0, "fail_status": 500}


class BadRequest(ValueError):
    """Raised by handlers (or request parsing) to answer 400 without a traceback."""


@dataclass
class Request:
    """What a handler needs from the WSGI environ, parsed once, plus the route's path params."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    host_url: str
    params: dict[str, str] = field(default_factory=dict)
    # Handlers put facts here (ids sent, batch size...) and they land in the call log.
    notes: dict[str, Any] = field(default_factory=dict)
    _form: dict[str, str] | None = field(default=None, repr=False)

    @classmethod
    def from_environ(cls, environ: Environ) -> Request:
        """Build a request from a WSGI environ (reads the whole body)."""
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
        """First value of a query-string parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """The `application/x-www-form-urlencoded` body (first value of each field)."""
        if self._form is None:
            text = self.body.decode("utf-8", "replace")
            self._form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        return self._form

    def json(self) -> Any:
        """The JSON body (None when empty); malformed JSON is the client's fault: 400."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise BadRequest(f"Body is not valid JSON: {exc}") from exc

    def header(self, name: str, default: str = "") -> str:
        """A request header, case-insensitively."""
        return self.headers.get(name.lower(), default)


@dataclass
class Response:
    """A status, a JSON-able body (or raw bytes) and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        """The bytes to send."""
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    """Shorthand for a JSON response; header names with dashes go in via `**{...}`."""
    return Response(status=status, body=body, headers=dict(headers))


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    """One router entry; `control` routes skip latency, faults and counting."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    control: bool
    kind: str


def _kind_of(handler: Handler, pattern: str) -> str:
    """A readable default name for a route in stats and the call log."""
    name = getattr(handler, "__name__", "")
    return name.strip("_") if name and name != "<lambda>" else pattern


def _knob_type_ok(default: Any, value: Any) -> bool:
    """Loose type check so a typo in /_sim/config is a 400, not a 500 on the next request."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int | float):
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
    if isinstance(default, list):
        return isinstance(value, list)
    if isinstance(default, dict):
        return value is None or isinstance(value, dict)
    return True


class Simulator:
    """Base of every simulator: routes, knobs, counters, call log, control endpoints, faults.

    Subclasses set `name` and `default_knobs`, and override `setup_routes`, `reset_data`,
    `fault_response` and `error_response` to speak their API's dialect.
    """

    name = "simulator"
    default_knobs: dict[str, Any] = {}

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.lock = threading.RLock()
        self.clock = clock  # swap for a fake in tests to fast-forward rate-limit windows
        self.offset = 0.0
        self._routes: list[Route] = []
        self.knobs: dict[str, Any] = {}
        self.counters: dict[str, int] = {}
        self.served_by_kind: dict[str, int] = {}
        self.calls: list[dict[str, Any]] = []
        self.reset_state()
        self.route("GET", r"/_sim/health", lambda r: json_response({"ok": True}), control=True)
        self.route("POST", r"/_sim/config", self._config, control=True)
        self.route("GET", r"/_sim/config", self._show_config, control=True)
        self.route("POST", r"/_sim/reset", self._reset, control=True)
        self.route("GET", r"/_sim/stats", lambda r: json_response(self.stats()), control=True)
        self.route("GET", r"/_sim/calls", self._calls, control=True)
        self.route("POST", r"/_sim/advance_clock", self._advance, control=True)
        self.route("GET", r"/_sim/connections", self._connections, control=True)
        self.setup_routes()

    # --- to override -----------------------------------------------------------------------
    def setup_routes(self) -> None:
        """Register the API routes (and any extra /_sim/ control routes)."""

    def reset_data(self) -> None:
        """Clear the simulated data; runs in the constructor and on every reset."""

    def fault_response(self, request: Request) -> Response:
        """The injected 5xx for `fail_next`, in the API's own error shape."""
        return json_response({"error": "Simulated server error"}, self.fail_status())

    def error_response(self, status: int, message: str) -> Response:
        """Plumbing errors on API paths (404, 405, bad JSON, bugs) in the API's error shape."""
        return json_response({"error": message}, status)

    # --- knobs, clock, counters ------------------------------------------------------------
    def now(self) -> float:
        """The simulator's clock: `clock()` plus whatever tests advanced it by."""
        return self.clock() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the simulator clock forward without sleeping."""
        with self.lock:
            self.offset += seconds

    def reset_state(self) -> None:
        """Back to defaults: knobs, counters, call log, clock offset and data."""
        with self.lock:
            self.knobs = copy.deepcopy({**BASE_KNOBS, **self.default_knobs})
            self.counters = {}
            self.served_by_kind = {}
            self.calls = []
            self.connections_opened = 0
            self.offset = 0.0
            self.reset_data()

    def configure(self, **knobs: Any) -> None:
        """Merge knobs; unknown names or wrong types raise ValueError (a 400 over HTTP)."""
        unknown = sorted(set(knobs) - set(self.knobs))
        if unknown:
            raise ValueError(f"Unknown knob(s): {', '.join(unknown)}")
        defaults = {**BASE_KNOBS, **self.default_knobs}
        wrong = sorted(k for k, v in knobs.items() if not _knob_type_ok(defaults.get(k), v))
        if wrong:
            raise ValueError(f"Wrong type for knob(s): {', '.join(wrong)}")
        with self.lock:
            self.knobs.update(copy.deepcopy(knobs))

    def fail_status(self) -> int:
        """The status injected faults answer with (knob `fail_status`, default 500)."""
        return int(self.knobs.get("fail_status") or 500)

    def count(self, key: str, amount: int = 1) -> None:
        """Bump a named counter shown by /_sim/stats."""
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + amount

    def stats(self) -> dict[str, Any]:
        """Request counts: `requests_served` (API requests), `by_kind`, plus named counters."""
        with self.lock:
            return {
                "requests_served": 0,
                **self.counters,
                "by_kind": dict(self.served_by_kind),
            }

    def connection_opened(self) -> None:
        """Count a TCP connection the server accepted (`/_sim/connections`): kept-alive
        connections serve many requests, as a real API's servers do."""
        with self.lock:
            self.connections_opened += 1

    def record_call(self, request: Request, kind: str, status: int) -> None:
        """Append one API call to the log tests use to count HTTP calls exactly."""
        entry = {"method": request.method, "path": request.path, "kind": kind, "status": status}
        with self.lock:
            self.calls.append({**entry, **request.notes})

    def take_fault(self) -> bool:
        """Consume one `fail_next`; True means answer this request with `fault_response`."""
        with self.lock:
            if int(self.knobs.get("fail_next") or 0) > 0:
                self.knobs["fail_next"] = int(self.knobs["fail_next"]) - 1
                return True
        return False

    # --- control endpoints -----------------------------------------------------------------
    def _config(self, request: Request) -> Response:
        try:
            body = request.json()
            if not isinstance(body, dict):
                raise ValueError("Send a JSON object of knobs.")
            self.configure(**body)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return self._show_config(request)

    def _show_config(self, request: Request) -> Response:
        with self.lock:
            return json_response(copy.deepcopy(self.knobs))

    def _reset(self, request: Request) -> Response:
        self.reset_state()
        return json_response({"ok": True})

    def _calls(self, request: Request) -> Response:
        with self.lock:
            return json_response({"calls": list(self.calls), "count": len(self.calls)})

    def _connections(self, request: Request) -> Response:
        with self.lock:
            return json_response({"opened": self.connections_opened})

    def _advance(self, request: Request) -> Response:
        body = request.json() or {}
        try:
            seconds = float(body.get("seconds", 0)) if isinstance(body, dict) else float("nan")
        except (TypeError, ValueError):
            seconds = float("nan")
        if seconds != seconds or seconds < 0:  # NaN or negative: time only moves forward
            return json_response({"error": 'Send {"seconds": <non-negative number>}.'}, 400)
        self.advance(seconds)
        return json_response({"advanced": seconds})

    # --- routing ---------------------------------------------------------------------------
    def route(
        self,
        method: str,
        pattern: str,
        handler: Handler,
        *,
        control: bool = False,
        kind: str | None = None,
    ) -> None:
        """Register `handler` for `method` and a full-path regex (named groups → params)."""
        compiled = re.compile(f"^{pattern}$")
        self._routes.append(
            Route(method.upper(), compiled, handler, control, kind or _kind_of(handler, pattern))
        )

    def _match(self, request: Request) -> Route | Response:
        path_matched = False
        for entry in self._routes:
            match = entry.pattern.match(request.path)
            if not match:
                continue
            path_matched = True
            if entry.method == request.method:
                request.params = match.groupdict()
                return entry
        if path_matched:
            return self.error_response(405, f"Method {request.method} not allowed here")
        return self.error_response(404, f"No route for {request.method} {request.path}")

    def dispatch(self, request: Request) -> Response:
        """Route one request, applying latency, fault injection and counting to API routes."""
        found = self._match(request)
        if isinstance(found, Response):
            return found
        if found.control:
            try:
                return found.handler(request)
            except BadRequest as exc:
                return json_response({"error": str(exc)}, 400)
        with self.lock:
            self.counters["requests_served"] = self.counters.get("requests_served", 0) + 1
            self.served_by_kind[found.kind] = self.served_by_kind.get(found.kind, 0) + 1
        latency = float(self.knobs.get("latency_ms") or 0)
        if latency > 0:
            time.sleep(latency / 1000)
        if self.take_fault():
            response = self.fault_response(request)
            request.notes.setdefault("target", found.kind)
            self.record_call(request, "fault", response.status)
            return response
        try:
            response = found.handler(request)
        except BadRequest as exc:
            response = self.error_response(400, str(exc))
        self.record_call(request, found.kind, response.status)
        return response

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI entry point."""
        request = Request.from_environ(environ)
        try:
            response = self.dispatch(request)
        except Exception as exc:  # a simulator bug must show as a 500, not a dropped connection
            response = self.error_response(500, f"Simulator error: {type(exc).__name__}: {exc}")
        payload = response.encoded()
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(payload)))]
        headers += list(response.headers.items())
        start_response(f"{response.status} {STATUS_TEXT.get(response.status, 'Status')}", headers)
        return [payload]


def random_id(prefix: str = "") -> str:
    """An unguessable id (handles, trace ids), so tests cannot depend on its value."""
    return prefix + secrets.token_hex(8)


# How long an idle kept-alive connection stays open (nginx closes after 75 s, Apache 5 s).
KEEP_ALIVE_SECONDS = 30.0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    """One thread per connection, so concurrent clients (and slow `latency_ms`) don't queue.

    It remembers its open connections so that `stop` can end the kept-alive ones: a stopped
    server must stop answering, as a real API that went down does.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.connections: set[socket.socket] = set()
        self.stopping = False
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.connections.add(request)
        app = self.get_app()
        if isinstance(app, Simulator):
            app.connection_opened()
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self.connections.discard(request)

    def end_connections(self) -> None:
        """Stop reading from every open connection: an idle one closes now, and a request
        being served still gets its answer, then the connection closes."""
        self.stopping = True
        with self._connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            # The plain socket's shutdown: a TLS socket's own would drop its TLS state, and
            # the answer being written would go out unencrypted.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(connection, socket.SHUT_RD)


class _ServerHandler(ServerHandler):
    """wsgiref's handler answering in HTTP/1.1, saying when the connection closes after."""

    http_version = "1.1"
    request_handler: _QuietHandler

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        if self.request_handler.close_connection:
            self.headers["Connection"] = "close"


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive, as the real APIs' servers: a client reuses its connections
    instead of opening one per request. No per-request log lines: they would drown test and
    benchmark output."""

    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_SECONDS
    # wsgiref writes the headers and the body apart; with Nagle's algorithm the body would
    # wait for the client's delayed ACK of the headers (40 ms on Linux) on a kept-alive
    # connection. Servers set TCP_NODELAY on such connections (nginx's `tcp_nodelay on`).
    disable_nagle_algorithm = True
    server: _ThreadingServer

    def handle(self) -> None:
        # wsgiref's handler serves one request per connection; http.server's loop serves
        # requests until either side asks to close.
        BaseHTTPRequestHandler.handle(self)

    def handle_one_request(self) -> None:
        """One request, as wsgiref serves it, answered with HTTP/1.1 framing."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except OSError:  # idle past KEEP_ALIVE_SECONDS, or reset by the client
            self.close_connection = True
            return
        # Empty: the client closed, or `stop` ended the connection. Stopping: Linux still
        # delivers what arrives after the read side was shut, but a stopped server answers no one.
        if not self.raw_requestline or self.server.stopping:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():  # an error was answered, and the connection closes
            return
        if self.headers.get("Transfer-Encoding"):
            # A chunked body is not read (only Content-Length is), so what follows it could
            # not be parsed as the next request.
            self.close_connection = True
        handler = _ServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_message(self, format: str, *args: Any) -> None:
        return


class SimulatorServer:
    """Serve a simulator over real HTTP, in a daemon thread (`start`) or the foreground.

    Port 0 picks a free port; `url` is then `http://127.0.0.1:<port>`. With `tls=(certfile,
    keyfile)` it serves HTTPS (`https://...`), and the app sees `wsgi.url_scheme` https, as an
    API that treats HTTP and HTTPS differently (WooCommerce's authentication) needs.
    """

    POLL_INTERVAL = 0.05  # how quickly `stop()` is noticed

    def __init__(
        self,
        app: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: tuple[str, str] | None = None,
    ) -> None:
        self.app = app
        self.server = make_server(
            host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.server.base_environ["HTTPS"] = "on"  # wsgiref derives url_scheme from it
            scheme = "https"
        self.host = host
        self.port: int = self.server.server_port
        self.url = f"{scheme}://{host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._serving = False
        self._closed = False

    def start(self) -> SimulatorServer:
        """Serve in a background daemon thread and return self."""
        if self._thread is None:
            self._serving = True
            self._thread = threading.Thread(
                target=self.server.serve_forever,
                kwargs={"poll_interval": self.POLL_INTERVAL},
                name=f"{self.app.name}-simulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice or without `start`."""
        if self._closed:
            return
        self._closed = True
        if self._serving:
            self.server.shutdown()
        self.server.server_close()
        self.server.end_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the `python -m simulators` mode)."""
        self._serving = True
        try:
            self.server.serve_forever(poll_interval=self.POLL_INTERVAL)
        finally:
            self._serving = False
            self.stop()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """Split a list into consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
