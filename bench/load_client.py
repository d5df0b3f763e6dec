"""The readers of the HTTP load benchmark (``bench/http_load.py``): a lean HTTP client with its
own cookies, and the loop that logs in and answers cards at a steady pace."""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

__all__ = ["PASSWORD", "READER_PROCESSES", "Client", "Share", "reader_process", "start_readers"]

PASSWORD = "load-test-password"
_FORM = re.compile(r'action="(/review/\d+/answer)"')
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')
_FIELDS = ("csrf_token", "version", "shown_at")


def _fields(page: str) -> dict[str, str]:
    """The hidden fields the answer form sends (the CSRF token, the card's version...)."""
    found = {}
    for tag in _INPUT.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get("name") in _FIELDS:
            found[attributes["name"]] = attributes.get("value", "")
    return found


class Client:
    """One reader: its cookies, and one short HTTP/1.1 exchange per request (gunicorn's sync
    workers close every connection). Written on asyncio streams with no HTTP library, so that
    50 readers cost the machine little beside the server they measure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    async def request(
        self, method: str, path: str, form: dict[str, str] | None = None, *, htmx: bool = False
    ) -> tuple[int, str]:
        body = urlencode(form).encode() if form is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Connection: close",
            f"Content-Length: {len(body)}",
        ]
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if htmx:
            lines.append("HX-Request: true")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            status_line, *headers = head.rstrip("\r\n").split("\r\n")
            length = None
            for header in headers:
                name, _, value = header.partition(":")
                if name.lower() == "set-cookie":
                    key, _, rest = value.strip().partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
                elif name.lower() == "content-length":
                    length = int(value)
            # Read the body and hang up at once, as a browser would, rather than wait for
            # the server's close: gunicorn's worker waits for ours before its next request.
            content = await (reader.read() if length is None else reader.readexactly(length))
        finally:
            writer.close()
        return int(status_line.split(" ", 2)[1]), content.decode("utf-8")

    async def log_in(self, email: str) -> str:
        """Sign in through the form; the first review card's HTML."""
        _status, page = await self.request("GET", "/login")
        token = _fields(page).get("csrf_token")
        assert token, "the login form has a CSRF token"
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        status, _page = await self.request("POST", "/login", form)
        assert status == 303, f"login answered {status}"
        status, page = await self.request("GET", "/review")
        assert status == 200, f"/review answered {status}"
        return page


def _answer_form(page: str) -> tuple[str, dict[str, str]] | None:
    action = _FORM.search(page)
    if action is None:
        return None
    return action.group(1), _fields(page)


#: Processes the readers are spread over: one busy event loop would answer the server late
#: (and gunicorn's worker waits for the client to hang up before taking its next request).
READER_PROCESSES = 4


@dataclass
class Share:
    """What one process of readers saw."""

    latencies: list[float] = field(default_factory=list)
    #: Every answer sent: when (``time.monotonic()``, the same clock in every process), its
    #: latency in ms and the HTTP status (0: no answer, the connection failed).
    timeline: list[tuple[float, float, int]] = field(default_factory=list)
    acknowledged: int = 0
    errors: list[str] = field(default_factory=list)
    cpu_s: float = 0.0


async def _read(
    port: int, indexes: range, clients: int, seconds: float, pace_s: float, start: Any
) -> Share:
    """Some of the readers: log in, wait for everyone, then answer until the time is up."""
    share = Share()
    readers = {n: Client(port) for n in indexes}
    pages = dict(
        zip(
            indexes,
            await asyncio.gather(*(readers[n].log_in(f"reader{n}@example.com") for n in indexes)),
            strict=True,
        )
    )
    await asyncio.get_running_loop().run_in_executor(None, start.wait)
    began, cpu_before = time.perf_counter(), sum(os.times()[:2])

    async def reader(index: int) -> None:
        client, page = readers[index], pages[index]
        deadline = began + seconds
        next_at = began + pace_s * index / clients
        while (now := time.perf_counter()) < deadline:
            if next_at > now:
                await asyncio.sleep(min(next_at - now, deadline - now))
                continue
            found = _answer_form(page)
            if found is None:
                share.errors.append("no card left to answer")
                return
            action, fields = found
            started, sent_at = time.perf_counter(), time.monotonic()
            try:
                status, body = await client.request(
                    "POST", action, {**fields, "grade": "4"}, htmx=True
                )
            except OSError as error:
                share.errors.append(f"{type(error).__name__}: {error}")
                share.timeline.append((sent_at, (time.perf_counter() - started) * 1000, 0))
                next_at = time.perf_counter() + pace_s
                continue
            share.latencies.append((time.perf_counter() - started) * 1000)
            share.timeline.append((sent_at, share.latencies[-1], status))
            if status == 200:
                share.acknowledged += 1
                page = body
            else:
                share.errors.append(f"HTTP {status}")
            next_at = max(next_at + pace_s, started)

    await asyncio.gather(*(reader(n) for n in indexes))
    share.cpu_s = sum(os.times()[:2]) - cpu_before
    return share


def reader_process(
    port: int, indexes: range, clients: int, seconds: float, pace_s: float, start: Any, out: Any
) -> None:
    out.put(asyncio.run(_read(port, indexes, clients, seconds, pace_s, start)))


def start_readers(
    context: Any,
    port: int,
    clients: int,
    seconds: float,
    pace_s: float,
    start: Any,
    out: Any,
) -> list[Any]:
    """``clients`` readers spread over ``READER_PROCESSES`` processes of ``context``, started:
    each signs in, waits at the barrier ``start`` (one party per process, and one for the
    caller), answers for ``seconds`` and puts its :class:`Share` on ``out``."""
    processes = min(READER_PROCESSES, clients)
    spawned = [
        context.Process(
            target=reader_process,
            args=(port, range(p, clients, processes), clients, seconds, pace_s, start, out),
        )
        for p in range(processes)
    ]
    for process in spawned:
        process.start()
    return spawned
