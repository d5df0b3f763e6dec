"""Fetching a summary document over HTTP(S), safely enough for a server many people use.

Only http and https, only hosts on FETCH_ALLOWED_HOSTS, never an internal address (checked at
every redirect, and connected to exactly as checked), at most MAX_DOCUMENT_BYTES, and the whole
request within FETCH_TIMEOUT_SECONDS. The validators of a previous fetch (ETag, Last-Modified)
make the request conditional. Decoding the bytes is left to
:func:`studyapp.extract.documents.decode_document`.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urljoin

from studyapp.services.fetch_addresses import (
    Target,
    connection,
    normalize_host,
    split_entry,
    vet,
)
from studyapp.services.fetch_errors import (
    BadAddress,
    DocumentMissing,
    FetchError,
    FetchFailed,
    FetchTimeout,
    HostNotAllowed,
    PrivateAddress,
    TooLarge,
    fetch_problem,
)

__all__ = [
    "DEFAULT_ALLOWED_HOSTS",
    "MAX_REDIRECTS",
    "BadAddress",
    "DocumentMissing",
    "FetchError",
    "FetchFailed",
    "FetchSettings",
    "FetchTimeout",
    "Fetched",
    "HostNotAllowed",
    "PrivateAddress",
    "TooLarge",
    "fetch",
    "fetch_problem",
    "user_agent",
]

#: FETCH_ALLOWED_HOSTS when not set: where the Korean Daily Papers series' raw files are.
DEFAULT_ALLOWED_HOSTS = "raw.githubusercontent.com"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """What a fetch may do: where to (``allowed_hosts``), how much, and for how long."""

    allowed_hosts: frozenset[str]
    max_bytes: int
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FetchSettings:
        """The settings FETCH_ALLOWED_HOSTS (comma-separated, ``*.`` for subdomains, ``:port``
        for a port other than the scheme's default),
        MAX_DOCUMENT_BYTES and FETCH_TIMEOUT_SECONDS of an app's config."""
        listed = config.get("FETCH_ALLOWED_HOSTS", DEFAULT_ALLOWED_HOSTS)
        names = listed.split(",") if isinstance(listed, str) else list(listed)
        return cls(
            allowed_hosts=frozenset(_allowlist_entry(name) for name in names if name.strip()),
            max_bytes=int(config["MAX_DOCUMENT_BYTES"]),
            timeout=float(config.get("FETCH_TIMEOUT_SECONDS", 20)),
        )


def _allowlist_entry(name: str) -> str:
    """An entry of FETCH_ALLOWED_HOSTS normalised: ``host``, ``*.domain`` or either with
    ``:port`` (``[v6]:port`` for an IPv6 address)."""
    host, port = split_entry(name.strip())
    if host.startswith("*."):
        host = "*." + normalize_host(host[2:])
    else:
        host = normalize_host(host)
    if port is None:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched document (``body``), or word that it did not change (``not_modified``)."""

    url: str  # the final URL after redirects
    body: bytes | None  # None when not modified (304)
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


def user_agent() -> str:
    """How this app names itself to the sites it fetches from."""
    try:
        release = version("studyapp")
    except PackageNotFoundError:  # pragma: no cover (running from a source tree)
        release = "dev"
    return f"paper-flashcards/{release} (+import)"


class _Deadline:
    """The whole request's time limit. Past it, the socket in use is shut down, which wakes a
    read blocked on a server that sends a byte now and then (each one would restart a plain
    socket timeout)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.passed = threading.Event()
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        return max(self.ends - time.monotonic(), 0.001)

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            if self.passed.is_set():
                self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.passed.set()
            self._shut()

    def _shut(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def fetch(
    url: str,
    *,
    settings: FetchSettings,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET ``url`` under ``settings``, following up to :data:`MAX_REDIRECTS` redirects (each
    vetted again). With ``etag``/``last_modified`` (from an earlier fetch) the request is
    conditional, and a 304 answer gives ``Fetched(not_modified=True, body=None)``. Raises a
    :class:`FetchError` subclass saying what went wrong."""
    deadline = _Deadline(settings.timeout)
    try:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            target = vet(current, allowed=settings.allowed_hosts)
            result = _request(target, settings, deadline, etag, last_modified)
            if isinstance(result, Fetched):
                return result
            current = result
        raise FetchFailed(url, reason=f"more than {MAX_REDIRECTS} redirects")
    finally:
        deadline.cancel()


def _headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {
        "User-Agent": user_agent(),
        "Accept": "text/markdown, text/plain;q=0.9, text/*;q=0.8, */*;q=0.1",
        "Accept-Encoding": "identity",
        "Connection": "close",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _request(
    target: Target,
    settings: FetchSettings,
    deadline: _Deadline,
    etag: str | None,
    last_modified: str | None,
) -> Fetched | str:
    """One request: a :class:`Fetched`, or the URL a redirect points to."""
    conn = connection(target, timeout=deadline.left())
    response: http.client.HTTPResponse | None = None
    try:
        conn.connect()
        deadline.watch(conn.sock)
        conn.request("GET", target.path, headers=_headers(etag, last_modified))
        response = conn.getresponse()
        status = response.status
        if status in _REDIRECTS and response.getheader("Location"):
            return urljoin(target.url, response.getheader("Location", ""))
        if status == 304 and (etag or last_modified):
            return Fetched(
                url=target.url,
                body=None,
                etag=response.getheader("ETag") or etag,
                last_modified=response.getheader("Last-Modified") or last_modified,
                not_modified=True,
            )
        if status in (404, 410):
            raise DocumentMissing(target.url, status=status)
        if status not in (200, 203):
            raise FetchFailed(target.url, reason=f"HTTP {status} {response.reason}".strip())
        body = _read_body(target.url, response, settings.max_bytes, deadline)
        return Fetched(
            url=target.url,
            body=body,
            etag=response.getheader("ETag"),
            last_modified=response.getheader("Last-Modified"),
        )
    except (OSError, http.client.HTTPException) as error:
        if deadline.passed.is_set() or isinstance(error, TimeoutError):
            raise FetchTimeout(target.url, seconds=settings.timeout) from None
        raise FetchFailed(target.url, reason=_reason(error)) from None
    finally:
        deadline.watch(None)
        if response is not None:
            response.close()  # it holds the socket once the connection handed it over
        conn.close()


def _read_body(
    url: str, response: http.client.HTTPResponse, limit: int, deadline: _Deadline
) -> bytes:
    too_large = TooLarge(url, limit=limit / 1024 / 1024)
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise too_large
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = response.read1(_CHUNK)
        if deadline.passed.is_set():
            raise FetchTimeout(url, seconds=deadline.seconds)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise too_large
        parts.append(chunk)


def _reason(error: Exception) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, http.client.IncompleteRead):
        return "the connection closed before the whole document arrived"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]
