"""Which URLs the fetcher may reach, and the connections it makes to them.

A URL is vetted before anything is sent: its scheme and shape, its host and port against the
allowlist (before any DNS lookup; a host listed without a port allows only the scheme's default
port), then every address the host resolves to. The connection then goes to
the vetted address itself, so that a second lookup (DNS rebinding) cannot swap in another one;
the Host header, TLS's server name and the certificate check keep using the host's name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from studyapp.services.fetch_errors import BadAddress, FetchFailed, HostNotAllowed, PrivateAddress

__all__ = [
    "MAX_URL_LENGTH",
    "Target",
    "allowed_host",
    "connection",
    "internal",
    "normalize_host",
    "split_entry",
    "vet",
]

#: Longer URLs are refused (and no summary's address comes close).
MAX_URL_LENGTH = 2000
_DEFAULT_PORTS = {"http": 80, "https": 443}
_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Target:
    """A vetted URL: where to connect (``addresses``, tried in turn, and ``port``) and what
    to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    path: str


def normalize_host(host: str) -> str:
    """A host name as the allowlist compares it: lower case, no trailing dot, IDNA-encoded; an
    IP address in its one standard spelling."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    return host.encode("idna").decode("ascii")


def split_entry(entry: str) -> tuple[str, int | None]:
    """An allowlist entry's host and port: ``host:port`` (``[v6]:port`` for an IPv6 address)
    gives both, a bare host gives no port. Raises ValueError for a port that is not one."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise ValueError(f"not host:port: {entry!r}")
        return host, _port(rest[1:], entry)
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, _port(port, entry)
    return entry, None  # a host name, or a bare IPv6 address


def _port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"not a port: {entry!r}")
    return int(text)


def _matches(
    host: str, port: int | None, scheme: str, allowed: Iterable[str], *, exact: bool
) -> bool:
    """Whether an entry of ``allowed`` names ``host`` (``exact``: as such, not through a
    ``*.domain`` entry) at ``port`` (None: the scheme's default): an entry without a port
    allows only the scheme's default port."""
    wanted = _DEFAULT_PORTS[scheme] if port is None else port
    for entry in allowed:
        name, listed = split_entry(entry)
        if wanted != (_DEFAULT_PORTS[scheme] if listed is None else listed):
            continue
        if name == host or (not exact and name.startswith("*.") and host.endswith(name[1:])):
            return True
    return False


def allowed_host(
    host: str, allowed: Iterable[str], *, port: int | None = None, scheme: str = "https"
) -> bool:
    """Whether ``host`` (normalised) at ``port`` is listed, or is a subdomain of a
    ``*.domain`` entry. An entry without a port allows only the ``scheme``'s default port (80
    for http, 443 for https); any other port must be listed with it (``host:port``)."""
    return _matches(host, port, scheme, allowed, exact=False)


def _exempt(host: str, port: int, scheme: str, allowed: Iterable[str]) -> bool:
    """An IP literal or ``localhost`` listed as such (at this port): the administrator allowed
    that very place (a local mirror), so its address is not held against it."""
    if not _matches(host, port, scheme, allowed, exact=True):
        return False
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _place(host: str, port: int, scheme: str) -> str:
    """``host``, with ``:port`` when it is not the scheme's default: as an allowlist entry
    would name it."""
    if port == _DEFAULT_PORTS[scheme]:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def internal(address: _IPAddress) -> bool:
    """Whether ``address`` is anything but a public one, including public-looking IPv6
    spellings of internal IPv4 addresses (mapped, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        embedded += list(address.teredo or ())
        if any(inner is not None and internal(inner) for inner in embedded):
            return True
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def _parse(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH:
        raise BadAddress(url[:80] + "…", reason=f"longer than {MAX_URL_LENGTH} characters")
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise BadAddress(url, reason="spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise BadAddress(url, reason=str(error)) from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise BadAddress(url, reason="only http and https addresses")
    if "@" in parts.netloc:
        raise BadAddress(url, reason="a user name or password in the address")
    if not parts.hostname:
        raise BadAddress(url, reason="no host")
    return parts


def vet(url: str, *, allowed: frozenset[str]) -> Target:
    """Check ``url`` and resolve its host; raise :class:`BadAddress`,
    :class:`HostNotAllowed`, :class:`PrivateAddress` or (DNS) :class:`FetchFailed`."""
    parts = _parse(url)
    scheme = parts.scheme.lower()
    try:
        host = normalize_host(parts.hostname or "")
    except UnicodeError:
        raise BadAddress(url, reason="a host name that cannot be encoded") from None
    port = parts.port or _DEFAULT_PORTS[scheme]
    if not allowed_host(host, allowed, port=port, scheme=scheme):
        raise HostNotAllowed(url, host=_place(host, port, scheme))
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(url, reason=f"cannot resolve {host}: {error}") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in found))
    if not addresses:
        raise FetchFailed(url, reason=f"cannot resolve {host}")
    if not _exempt(host, port, scheme, allowed):
        for address in addresses:
            if internal(ipaddress.ip_address(address)):
                raise PrivateAddress(url, host=host, address=address)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port, addresses=addresses, path=path)


def _open(addresses: tuple[str, ...], port: int, timeout: float | None) -> socket.socket:
    """A socket connected to the first of ``addresses`` that answers (never a name, which
    would be looked up again)."""
    problem: OSError = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except TimeoutError:
            raise
        except OSError as error:
            problem = error
    raise problem


class _PinnedHTTP(http.client.HTTPConnection):
    """Plain HTTP to the vetted addresses, naming the host in the request."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.addresses = target.addresses

    def connect(self) -> None:
        self.sock = _open(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the vetted addresses; the TLS server name and certificate are the host's."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self.addresses = target.addresses
        self.tls = context

    def connect(self) -> None:
        raw = _open(self.addresses, self.port, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def connection(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    """An unopened connection to ``target``'s vetted address."""
    if target.scheme == "https":
        return _PinnedHTTPS(target, timeout, ssl.create_default_context())
    return _PinnedHTTP(target, timeout)
