"""A real HTTP server on 127.0.0.1 in the test process, serving digest files for the tests of
fetching, importing from a URL and following a series.

``tests/conftest.py`` imports the ``digest_server`` fixture, so every test can ask for it;
import :class:`DigestServer` (and :class:`Trickle`) from here for the types. Tests change
``digest_server.routes`` (path → (status, headers, body)) whenever they like, and
``digest_server.requests`` records every request with its headers. A route with an ``ETag``
or ``Last-Modified`` header answers a matching conditional request with 304, as a real static
file server does. A body may be a :class:`Trickle`, sent a byte at a time, to stand for a
server too slow to wait for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

__all__ = ["DigestServer", "Recorded", "Route", "Trickle", "digest_server"]


@dataclass(frozen=True, slots=True)
class Trickle:
    """A body sent one byte every ``every`` seconds (the server is slow, not the test)."""

    data: bytes
    every: float = 0.2


Route = tuple[int, dict[str, str], "bytes | Trickle"]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the server got: its path and its headers (names in lower case)."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class DigestServer:
    """The running server: where it is, what it serves, what it was asked."""

    host: str
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, *, host: str | None = None) -> str:
        """The URL of ``path`` on this server, by IP address or by another ``host`` name."""
        return f"http://{host or self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        """The paths asked for so far, in order."""
        return [request.path for request in self.requests]


def _not_modified(route_headers: dict[str, str], request_headers: dict[str, str]) -> bool:
    etag = route_headers.get("ETag")
    if etag is not None and "if-none-match" in request_headers:
        return request_headers["if-none-match"] == etag
    modified = route_headers.get("Last-Modified")
    return modified is not None and request_headers.get("if-modified-since") == modified


def _handler(server: DigestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            headers = {name.lower(): value for name, value in self.headers.items()}
            server.requests.append(Recorded("GET", self.path, headers))
            status, route_headers, body = server.routes.get(
                self.path, (404, {"Content-Type": "text/plain"}, b"no such file")
            )
            if status == 200 and _not_modified(route_headers, headers):
                status, body = 304, b""
            self.send_response(status)
            for name, value in route_headers.items():
                if name != "Content-Length":
                    self.send_header(name, value)
            length = route_headers.get("Content-Length")
            if length is None and isinstance(body, bytes):
                length = str(len(body))
            if length:  # "" leaves it out: the body ends when the connection closes
                self.send_header("Content-Length", length)
            self.end_headers()
            if isinstance(body, Trickle):
                for byte in body.data:
                    if server.stopping.wait(body.every):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            else:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the requests are in server.requests

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up early (a size or time limit) is what some tests want


@pytest.fixture
def digest_server() -> Iterator[DigestServer]:
    """A threading HTTP server on 127.0.0.1 (a free port), stopped after the test."""
    state = DigestServer(host="127.0.0.1", port=0)
    httpd = _Server(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()
