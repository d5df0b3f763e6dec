"""The production set-up as the README deploys it (``deploy/serve.py``: nginx in front of
gunicorn's threaded workers), started for real on 127.0.0.1: it keeps answering while slow
clients hold hundreds of connections, believes X-Forwarded-Proto only from the proxies it was
told of, and its workers count login attempts together in Redis.

SQLite only (the server set-up is what is tested, not the database); the Redis test needs
the Redis on 127.0.0.1:6379 that the test machines run.
"""

from __future__ import annotations

import re
import sys
import uuid
from pathlib import Path

import pytest

from tests.crash_support import kill_group, spawn
from tests.production_support import (
    GUNICORN_CONF,
    SERVE,
    Browser,
    SlowClients,
    fetch,
    free_port,
    gunicorn,
    migrated_database,
    probe_health,
    production,
)

PASSWORD = "correct horse"
#: A Redis database of this test's own (the other tests use 0, and only with unique keys).
REDIS = "redis://127.0.0.1:6379/13"


def test_slow_clients_do_not_stop_the_site(tmp_path: Path) -> None:
    database = migrated_database(tmp_path)
    with production(database, tmp_path) as server:
        # 200 connections that each send half a request header and then a byte a second,
        # held 20 s (reopened whenever the server drops one), while /healthz is asked every
        # half second.
        with SlowClients(server.port, count=200, seconds=20.0, pace=1.0) as attack:
            answers = probe_health(server.port, every=0.5, timeout=1.0, until=attack.running)
        late = [a for a in answers if not isinstance(a, float) or a >= 1.0]
        assert len(answers) >= 30, answers
        assert late == [], f"{len(late)} of {len(answers)} health checks failed: {late[:5]}"
        # The attack really held its connections open: all 200 nearly all the time (nginx
        # drops each after 10 s of header, and the attacker reconnects at once).
        assert attack.connected >= 200 and attack.held(0.95) >= 0.9, attack.samples
        # And the site still answers once it is over.
        assert fetch(server.port, "GET", "/healthz", timeout=1.0).status == 200


def _is_secure(browser: Browser) -> bool:
    answer = browser.request("GET", "/login")
    assert answer.status == 200
    cookies = answer.cookies()
    assert cookies, "the login page sets the session cookie"
    return all("; secure" in cookie.lower() for cookie in cookies)


@pytest.mark.parametrize("proxies", [0, 1])
def test_forwarded_proto_is_believed_only_from_trusted_proxies(
    tmp_path: Path, proxies: int
) -> None:
    database = migrated_database(tmp_path, STUDYAPP_TRUSTED_PROXIES=str(proxies))
    forwarded = {"X_Forwarded_Proto": "https"}
    # gunicorn with the production settings, reached directly from 127.0.0.1 (gunicorn's own
    # default would believe the header from there)...
    with gunicorn(database, tmp_path, "-c", str(GUNICORN_CONF)) as server:
        assert _is_secure(Browser(server.port, **forwarded)) is bool(proxies)
        assert not _is_secure(Browser(server.port))
    # ...and the whole front door: nginx adds its own hop, which the app counts.
    with production(database, tmp_path) as server:
        assert _is_secure(Browser(server.port, **forwarded)) is bool(proxies)
        assert not _is_secure(Browser(server.port))


def test_workers_share_login_limits_through_redis(tmp_path: Path) -> None:
    limit = 3
    database = migrated_database(
        tmp_path,
        RATELIMIT_STORAGE_URI=REDIS,
        STUDYAPP_TRUSTED_PROXIES="1",
        STUDYAPP_LOGIN_RATE_LIMIT=f"{limit} per hour",
        STUDYAPP_LOGIN_ADDRESS_RATE_LIMIT="1000 per hour",
        STUDYAPP_LOGIN_ACCOUNT_RATE_LIMIT="1000 per hour",
    )
    email = f"{uuid.uuid4().hex}@example.com"
    with production(database, tmp_path, "--workers", "2") as server:
        owner = Browser(server.port, X_Forwarded_For="198.51.100.7")
        registered = owner.post_form(
            "/register",
            "/register",
            {"email": email, "password": PASSWORD, "confirm": PASSWORD, "timezone": "UTC"},
        )
        assert registered.status == 303
        owner.post_form("/logout", "/", {})
        # Guessers at several addresses each fail until refused; the access log says which
        # worker answered each try. One whose failures were answered by both workers, so that
        # neither worker alone had seen the limit, shows the count is shared.
        shared = None
        for n in range(12):
            guesser = Browser(server.port, X_Forwarded_For=f"203.0.113.{n}")
            statuses = []
            for attempt in range(limit + 1):
                answer = guesser.post_form(
                    f"/login?try={n}-{attempt}",
                    "/login",
                    {"email": email, "password": "wrong password"},
                )
                statuses.append(answer.status)
            assert statuses == [422] * limit + [429], statuses
            workers = _workers(server.log_text(), n, limit)
            if len(set(workers)) == 2:
                shared = workers
                break
        assert shared is not None, "every guesser's failures were answered by one worker"
        # The guesser is refused with the right password too; the owner elsewhere gets in.
        right = {"email": email, "password": PASSWORD}
        assert guesser.post_form("/login", "/login", right).status == 429
        assert owner.post_form("/login", "/login", right).status == 303


def _workers(log: str, n: int, limit: int) -> list[str]:
    """The worker that answered each failed try of guesser ``n``, from gunicorn's access
    log (``worker=<pid>``)."""
    found = []
    for attempt in range(limit):
        match = re.search(rf'"POST /login\?try={n}-{attempt} [^"]*" 422 .* worker=<(\d+)>', log)
        assert match is not None, f"try {n}-{attempt} is not in the access log:\n{log}"
        found.append(match.group(1))
    return found


def test_several_workers_counting_apart_refuse_to_start(tmp_path: Path) -> None:
    # With limits counted in each worker's memory, four workers would allow four times the
    # guesses: the production set-up will not start them without a shared store.
    database = migrated_database(tmp_path)
    log = tmp_path / "refused.log"
    process = spawn(
        [sys.executable, str(SERVE), "--bind", f"127.0.0.1:{free_port()}", "--workers", "2"],
        database,
        log,
    )
    try:
        assert process.wait(timeout=60) != 0
    finally:
        kill_group(process)
    assert "RATELIMIT_STORAGE_URI" in log.read_text()
