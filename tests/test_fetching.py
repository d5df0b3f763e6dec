"""Fetching a document from a URL: only where allowed, never inside the network, within limits,
conditionally on a repeat, with errors a user can act on in both languages."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from studyapp.services.fetch_addresses import allowed_host, internal
from studyapp.services.fetching import (
    BadAddress,
    DocumentMissing,
    Fetched,
    FetchError,
    FetchFailed,
    FetchSettings,
    FetchTimeout,
    HostNotAllowed,
    PrivateAddress,
    TooLarge,
    fetch,
    fetch_problem,
)
from tests.http_fixtures import DigestServer, Trickle, running_server

DIGEST = (Path(__file__).parent / "data" / "digest_en.md").read_bytes()
KOREAN = (Path(__file__).parent / "data" / "digest_ko.md").read_bytes()
MARKDOWN = {"Content-Type": "text/markdown; charset=utf-8"}


def settings(
    *hosts: str, port: int | None = None, max_bytes: int = 1024 * 1024, timeout: float = 5
) -> FetchSettings:
    """Fetch settings allowing ``hosts`` (127.0.0.1 unless given), each at ``port`` when given
    (a test server's port is never the scheme's default)."""
    listed = hosts or ("127.0.0.1",)
    if port is not None:
        listed = tuple(f"{host}:{port}" for host in listed)
    return FetchSettings(allowed_hosts=frozenset(listed), max_bytes=max_bytes, timeout=timeout)


# ---- What is fetched, and how it is asked for -----------------------------------------------


def test_a_document_is_fetched_with_a_clear_user_agent(digest_server: DigestServer) -> None:
    digest_server.routes["/paper_logs/2025/03/14.md"] = (200, {**MARKDOWN, "ETag": '"v1"'}, DIGEST)
    url = digest_server.url("/paper_logs/2025/03/14.md")

    fetched = fetch(url, settings=settings(port=digest_server.port))

    assert fetched == Fetched(url=url, body=DIGEST, etag='"v1"', last_modified=None)
    [request] = digest_server.requests
    assert request.headers["user-agent"].startswith("paper-flashcards/")
    assert request.headers["user-agent"].endswith(" (+import)")
    assert "text/markdown" in request.headers["accept"]
    assert "if-none-match" not in request.headers and "if-modified-since" not in request.headers


def test_the_host_header_names_the_host_while_the_vetted_address_is_connected_to(
    digest_server: DigestServer,
) -> None:
    digest_server.routes["/d.md"] = (200, MARKDOWN, DIGEST)
    url = digest_server.url("/d.md", host="localhost")
    assert fetch(url, settings=settings("localhost", port=digest_server.port)).body == DIGEST
    assert digest_server.requests[0].headers["host"] == f"localhost:{digest_server.port}"


def test_https_checks_the_certificate_against_the_host_name(tmp_path: Path) -> None:
    """The connection goes to the vetted address, but TLS still checks the host's name and
    certificate: a certificate no authority signed is refused."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    with running_server(tls=tls) as server:
        server.routes["/d.md"] = (200, MARKDOWN, DIGEST)
        url = f"https://localhost:{server.port}/d.md"
        with pytest.raises(FetchFailed, match="CERTIFICATE_VERIFY_FAILED"):
            fetch(url, settings=settings("localhost", port=server.port))
        assert server.requests == []


# ---- Where a fetch may go --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://127.0.0.1/digest.md", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("http://reader@127.0.0.1/digest.md", "user name or password"),
        ("http://reader:secret@127.0.0.1/digest.md", "user name or password"),
        ("http:///digest.md", "no host"),
        ("https://", "no host"),
        ("http://127.0.0.1/" + "a" * 2000, "longer than 2000 characters"),
        ("http://127.0.0.1/a b.md", "spaces or control characters"),
        ("http://127.0.0.1:99999/", "out of range"),
    ],
)
def test_addresses_that_are_not_plain_http_urls_are_refused(
    digest_server: DigestServer, url: str, reason: str
) -> None:
    with pytest.raises(BadAddress) as refused:
        fetch(url, settings=settings(port=digest_server.port))
    assert refused.value.code == "fetch.bad_address"
    assert reason in str(refused.value)
    assert digest_server.requests == []


def test_a_host_off_the_allowlist_is_refused_before_any_lookup(
    digest_server: DigestServer,
) -> None:
    digest_server.routes["/d.md"] = (200, MARKDOWN, DIGEST)
    with pytest.raises(HostNotAllowed) as refused:
        fetch(digest_server.url("/d.md"), settings=settings("raw.githubusercontent.com"))
    assert refused.value.code == "fetch.not_allowed"
    assert digest_server.requests == []
    # A name that cannot resolve is refused as not allowed, not as a failed lookup: no lookup.
    with pytest.raises(HostNotAllowed):
        fetch("http://digest.invalid/d.md", settings=settings("raw.githubusercontent.com"))


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("raw.githubusercontent.com", True),
        ("RAW.GitHubUserContent.com.", True),
        ("a.mirror.example.org", True),
        ("b.a.mirror.example.org", True),
        ("mirror.example.org", False),
        ("evilmirror.example.org", False),
        ("githubusercontent.com", False),
        ("raw.githubusercontent.com.evil.org", False),
    ],
)
def test_the_allowlist_takes_names_and_subdomain_wildcards(host: str, allowed: bool) -> None:
    config = {
        "FETCH_ALLOWED_HOSTS": " raw.githubusercontent.com, *.Mirror.Example.org ,",
        "MAX_DOCUMENT_BYTES": 100,
    }
    chosen = FetchSettings.from_config(config)
    assert chosen.allowed_hosts == {"raw.githubusercontent.com", "*.mirror.example.org"}
    assert chosen.timeout == 20
    host = host.lower().rstrip(".")
    assert allowed_host(host, chosen.allowed_hosts) is allowed


@pytest.mark.parametrize(
    ("host", "port", "scheme", "allowed"),
    [
        ("example.org", None, "https", True),
        ("example.org", 443, "https", True),
        ("example.org", 80, "http", True),
        ("example.org", 443, "http", False),
        ("example.org", 8443, "https", False),
        ("example.org", 22, "http", False),
        ("mirror.example.org", 8443, "https", True),
        ("mirror.example.org", 443, "https", False),
        ("a.cdn.example.org", 443, "https", True),
        ("a.cdn.example.org", 8081, "http", False),
        ("b.cdn.example.org", 8080, "http", True),
        ("127.0.0.1", 8080, "http", True),
        ("127.0.0.1", 80, "http", False),
        ("127.0.0.1", 6379, "http", False),
        ("::1", 8080, "http", True),
        ("::1", 8081, "http", False),
    ],
)
def test_a_host_listed_without_a_port_allows_only_the_default_port(
    host: str, port: int | None, scheme: str, allowed: bool
) -> None:
    config = {
        "FETCH_ALLOWED_HOSTS": (
            "example.org, Mirror.Example.org:8443, *.cdn.example.org, *.cdn.example.org:8080,"
            " 127.0.0.1:8080, [::1]:8080"
        ),
        "MAX_DOCUMENT_BYTES": 100,
    }
    chosen = FetchSettings.from_config(config)
    assert "mirror.example.org:8443" in chosen.allowed_hosts
    assert "[::1]:8080" in chosen.allowed_hosts
    found = allowed_host(host, chosen.allowed_hosts, port=port, scheme=scheme)
    assert found is allowed


def test_another_port_of_an_allowed_host_is_refused_at_every_redirect(
    digest_server: DigestServer,
) -> None:
    digest_server.routes["/d.md"] = (200, MARKDOWN, DIGEST)
    place = f"127.0.0.1:{digest_server.port}"
    # Listed without a port, or with another one: refused before anything is sent.
    for listed in ("127.0.0.1", "127.0.0.1:1", "localhost"):
        with pytest.raises(HostNotAllowed) as refused:
            fetch(digest_server.url("/d.md"), settings=settings(listed))
        assert str(refused.value).endswith(
            f"{place} is not on FETCH_ALLOWED_HOSTS, the sites this server may fetch from."
        )
        assert refused.value.params["host"] == place
    assert digest_server.requests == []
    # Allowed at its port, a redirect to another port of the same host is refused.
    other = 1 if digest_server.port != 1 else 2
    digest_server.routes["/r.md"] = (302, {"Location": f"http://127.0.0.1:{other}/x"}, b"")
    with pytest.raises(HostNotAllowed) as refused:
        fetch(digest_server.url("/r.md"), settings=settings(place))
    assert refused.value.params["host"] == f"127.0.0.1:{other}"
    assert digest_server.paths() == ["/r.md"]
    assert fetch(digest_server.url("/d.md"), settings=settings(place)).body == DIGEST


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f.1",  # ... in hex, short form
        "127.1",
        "017700000001",  # ... in octal
    ],
)
def test_names_that_resolve_to_loopback_are_refused_even_when_allowed(
    digest_server: DigestServer, host: str
) -> None:
    """Only an IP address or localhost listed as such may be internal; any other allowed name
    that turns out to point inside is refused after the lookup, before connecting."""
    digest_server.routes["/d.md"] = (200, MARKDOWN, DIGEST)
    with pytest.raises(PrivateAddress) as refused:
        fetch(
            digest_server.url("/d.md", host=host), settings=settings(host, port=digest_server.port)
        )
    assert refused.value.code == "fetch.private_address"
    assert "127.0.0.1" in str(refused.value)
    assert digest_server.requests == []


@pytest.mark.parametrize(
    ("address", "is_internal"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.10", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped
        ("::ffff:10.0.0.1", True),
        ("2002:7f00:1::", True),  # 6to4 around 127.0.0.1
        ("64:ff9b::7f00:1", True),  # NAT64 around 127.0.0.1
        ("185.199.108.133", False),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_every_kind_of_internal_address_is_told_apart_from_public_ones(
    address: str, is_internal: bool
) -> None:
    assert internal(ipaddress.ip_address(address)) is is_internal


# ---- Redirects -------------------------------------------------------------------------------


def test_redirects_are_followed_and_the_final_url_reported(digest_server: DigestServer) -> None:
    digest_server.routes["/latest"] = (302, {"Location": "/2025/03/14.md"}, b"")
    digest_server.routes["/2025/03/14.md"] = (200, MARKDOWN, DIGEST)
    fetched = fetch(digest_server.url("/latest"), settings=settings(port=digest_server.port))
    assert fetched.body == DIGEST
    assert fetched.url == digest_server.url("/2025/03/14.md")


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(
    digest_server: DigestServer,
) -> None:
    """localhost is allowed (listed as such); 127.0.0.1 is not, and a redirect does not
    make it so."""
    digest_server.routes["/a.md"] = (302, {"Location": digest_server.url("/secret")}, b"")
    digest_server.routes["/secret"] = (200, MARKDOWN, b"internal")
    with pytest.raises(HostNotAllowed):
        fetch(
            digest_server.url("/a.md", host="localhost"),
            settings=settings("localhost", port=digest_server.port),
        )
    # A redirect to an allowed name that points inside is refused after its lookup.
    inside = digest_server.url("/secret", host="2130706433")
    digest_server.routes["/b.md"] = (301, {"Location": inside}, b"")
    with pytest.raises(PrivateAddress):
        fetch(
            digest_server.url("/b.md", host="localhost"),
            settings=settings("localhost", "2130706433", port=digest_server.port),
        )
    digest_server.routes["/c.md"] = (307, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(BadAddress):
        fetch(digest_server.url("/c.md"), settings=settings(port=digest_server.port))
    assert "/secret" not in digest_server.paths()


def test_at_most_five_redirects_are_followed(digest_server: DigestServer) -> None:
    for hop in range(10):
        digest_server.routes[f"/{hop}"] = (302, {"Location": f"/{hop + 1}"}, b"")
    digest_server.routes["/10"] = (200, MARKDOWN, DIGEST)
    assert fetch(digest_server.url("/5"), settings=settings(port=digest_server.port)).body == DIGEST
    digest_server.requests.clear()
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        fetch(digest_server.url("/4"), settings=settings(port=digest_server.port))
    assert digest_server.paths() == ["/4", "/5", "/6", "/7", "/8", "/9"]


# ---- Limits ----------------------------------------------------------------------------------


def test_a_declared_length_over_the_limit_is_refused_before_reading(
    digest_server: DigestServer,
) -> None:
    digest_server.routes["/big.md"] = (200, MARKDOWN, DIGEST)
    with pytest.raises(TooLarge) as refused:
        fetch(
            digest_server.url("/big.md"),
            settings=settings(max_bytes=len(DIGEST) - 1, port=digest_server.port),
        )
    assert refused.value.code == "fetch.too_large"
    assert fetch(
        digest_server.url("/big.md"),
        settings=settings(max_bytes=len(DIGEST), port=digest_server.port),
    ).body


def test_an_undeclared_length_is_counted_while_reading(digest_server: DigestServer) -> None:
    digest_server.routes["/big.md"] = (200, {**MARKDOWN, "Content-Length": ""}, DIGEST * 50)
    with pytest.raises(TooLarge):
        fetch(
            digest_server.url("/big.md"),
            settings=settings(max_bytes=len(DIGEST), port=digest_server.port),
        )
    unlimited = settings(max_bytes=len(DIGEST) * 50, port=digest_server.port)
    assert fetch(digest_server.url("/big.md"), settings=unlimited).body == DIGEST * 50


def test_a_server_that_trickles_is_cut_off_at_the_deadline(digest_server: DigestServer) -> None:
    """Every byte comes well within any socket timeout; the whole document never would."""
    digest_server.routes["/slow.md"] = (200, MARKDOWN, Trickle(DIGEST, every=0.2))
    began = time.monotonic()
    with pytest.raises(FetchTimeout) as cut:
        fetch(digest_server.url("/slow.md"), settings=settings(timeout=1, port=digest_server.port))
    assert time.monotonic() - began < 2.5
    assert cut.value.code == "fetch.timeout"


def test_a_tls_handshake_that_trickles_is_cut_off_at_the_deadline() -> None:
    """The deadline holds from the first byte: a server that answers the TLS greeting with a
    record a byte at a time (each well within a socket timeout) is cut off too."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    done = threading.Event()

    def trickle() -> None:
        peer, _ = listener.accept()
        with peer:
            peer.recv(4096)  # the client's hello
            # A handshake record of 16 KB is announced, and sent a byte every 0.2 s.
            peer.sendall(b"\x16\x03\x03\x40\x00")
            while not done.wait(0.2):
                try:
                    peer.sendall(b"\x00")
                except OSError:
                    return

    server = threading.Thread(target=trickle, daemon=True)
    server.start()
    began = time.monotonic()
    try:
        with pytest.raises(FetchTimeout):
            fetch(f"https://127.0.0.1:{port}/d.md", settings=settings(timeout=1, port=port))
        assert time.monotonic() - began < 2.5
    finally:
        done.set()
        server.join(timeout=5)
        listener.close()


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (404, DocumentMissing, "fetch.missing"),
        (410, DocumentMissing, "fetch.missing"),
        (403, FetchFailed, "fetch.failed"),
        (500, FetchFailed, "fetch.failed"),
        (503, FetchFailed, "fetch.failed"),
    ],
)
def test_statuses_other_than_ok_are_named_errors(
    digest_server: DigestServer, status: int, error: type[FetchError], code: str
) -> None:
    digest_server.routes["/d.md"] = (status, MARKDOWN, b"no")
    with pytest.raises(error) as raised:
        fetch(digest_server.url("/d.md"), settings=settings(port=digest_server.port))
    assert raised.value.code == code


def test_a_server_that_is_not_there_is_a_failure_to_retry() -> None:
    with socket.socket() as closed:  # a free port that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(FetchFailed, match="connection refused"):
        fetch(f"http://127.0.0.1:{port}/d.md", settings=settings(port=port))


# ---- Conditional requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "header"),
    [("ETag", "if-none-match"), ("Last-Modified", "if-modified-since")],
)
def test_a_repeat_with_validators_is_conditional(
    digest_server: DigestServer, validator: str, header: str
) -> None:
    value = '"abc"' if validator == "ETag" else "Fri, 14 Mar 2025 06:00:00 GMT"
    digest_server.routes["/d.md"] = (200, {**MARKDOWN, validator: value}, DIGEST)
    first = fetch(digest_server.url("/d.md"), settings=settings(port=digest_server.port))
    again = fetch(
        digest_server.url("/d.md"),
        settings=settings(port=digest_server.port),
        etag=first.etag,
        last_modified=first.last_modified,
    )
    assert again.not_modified and again.body is None
    assert (again.etag or again.last_modified) == value
    assert digest_server.requests[1].headers[header] == value


# ---- Messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "english", "korean"),
    [
        (BadAddress("x", reason="no host"), "https://", "https://"),
        (HostNotAllowed("x", host="evil.example"), "add evil.example to FETCH_ALLOWED", "evil"),
        (PrivateAddress("x", host="h", address="10.0.0.1"), "private network", "내부"),
        (DocumentMissing("x", status=404), "no document at this address", "문서"),
        (TooLarge("x", limit=5.0), "larger than 5.0 MB", "5.0 MB"),
        (FetchTimeout("x", seconds=20.0), "within 20", "20"),
        (FetchFailed("x", reason="HTTP 503"), "HTTP 503", "HTTP 503"),
    ],
)
def test_every_fetch_error_has_a_sentence_in_both_languages(
    app: Flask, error: FetchError, english: str, korean: str
) -> None:
    with app.test_request_context():
        with force_locale("en"):
            said = fetch_problem(error)
        with force_locale("ko"):
            said_ko = fetch_problem(error)
    assert english in said
    assert korean in said_ko and said_ko != said
