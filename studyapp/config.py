"""Settings: defaults, overridden by the environment, overridden by a test's config."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["DEFAULTS", "load_config"]

#: Every setting the app reads, with its default. README's "Configuration" lists each of them,
#: and a test keeps the two in step.
DEFAULTS: dict[str, Any] = {
    # Where the data lives; empty means SQLite at instance/studyapp.db.
    "DATABASE_URL": "",
    # Signs session cookies; empty means a random key kept in instance/secret_key. Sessions
    # are ended on the server (login_sessions), never by changing it.
    "SECRET_KEY": "",
    # Languages the interface speaks, and the one used when nothing else decides.
    "LANGUAGES": ("en", "ko"),
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    # How long a SQLite connection waits for another writer before giving up, in ms.
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # FULL: every commit reaches the disk before it is acknowledged (survives a power cut).
    # NORMAL: survives a crashed or killed process, not a power cut; several times the
    # answers per second when many people study at once (see README, "Performance").
    "SQLITE_SYNCHRONOUS": "FULL",
    # The largest summary document accepted, from a file or an upload, in bytes.
    "MAX_DOCUMENT_BYTES": 5 * 1024 * 1024,
    # Documents up to this size (bytes of UTF-8 text) are previewed and saved during the
    # request; larger ones by the job worker, with a progress bar (README, "Performance").
    "INLINE_IMPORT_BYTES": 128 * 1024,
    # The sites `studyapp import URL` and the import form may fetch from: host names,
    # comma-separated; "*.example.org" allows its subdomains. A host that resolves to a
    # loopback, private or other internal address is refused unless it is listed as an IP
    # address or as localhost (a mirror on the same machine).
    "FETCH_ALLOWED_HOSTS": "raw.githubusercontent.com",
    # The longest a fetch may take, connecting and reading the whole document, in seconds.
    "FETCH_TIMEOUT_SECONDS": 20,
    # The largest Anki package (.apkg, .colpkg) the Export page takes for import, in bytes.
    # Media are never imported: a package exported from Anki without them is much smaller.
    "MAX_ANKI_PACKAGE_BYTES": 100 * 1024 * 1024,
    # The largest request body anywhere else (a login, an answer, a card edit), in bytes;
    # larger ones get 413. The import form allows twice MAX_DOCUMENT_BYTES.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # Where the job queue keeps its work: empty puts it beside the database (a SQLite file
    # next to a SQLite database, huey's tables in a PostgreSQL one); redis://host:6379/0 for
    # several hosts. `studyapp worker` runs the jobs (make run starts one).
    "QUEUE_URL": "",
    # Where the "daily_papers_ko" preset of /follows finds a day's digest: a URL template
    # with {yyyy} {mm} {dd} (or {date}, YYYY-MM-DD). Its host must be on FETCH_ALLOWED_HOSTS.
    "DAILY_PAPERS_KO_URL": (
        "https://raw.githubusercontent.com/l-yohai/daily_papers_ko/main/paper_logs/"
        "{yyyy}/{mm}/{dd}.md"
    ),
    # The built-in library's deck files (TOML), loaded by `make run` and `studyapp decks load`.
    "DECKS_DIR": str(Path(__file__).resolve().parent.parent / "decks"),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # How many days a login session lasts without any request: without "keep me logged in"
    # (the browser also forgets it when it closes), and with it.
    "LOGIN_IDLE_DAYS": 7,
    "REMEMBER_DAYS": 30,
    # A form's CSRF token lasts as long as its session (the review page stays open for hours;
    # htmx keeps sending the token of the page it loaded first).
    "WTF_CSRF_TIME_LIMIT": None,
    # How many reverse proxies in front of the app to believe about the client's address and
    # scheme (X-Forwarded-For/-Proto); 0 when browsers reach the app directly. Over
    # HTTPS every cookie is marked Secure.
    "TRUSTED_PROXIES": 0,
    # Where rate limits count: memory:// (each worker process on its own), or a shared
    # store such as redis://127.0.0.1:6379 so that all workers count together.
    "RATELIMIT_STORAGE_URI": "memory://",
    # Failed logins allowed per account from one client address, and per client address
    # whatever the accounts, in Flask-Limiter's notation; past them that address gets 429.
    "LOGIN_RATE_LIMIT": "5 per minute;20 per hour",
    "LOGIN_ADDRESS_RATE_LIMIT": "30 per minute;200 per hour",
    # An account's failed logins from every address together never lock it (anyone can type
    # its email): past this many, an address that failed on it lately gets only one failure
    # per LOGIN_SLOWED_RATE_LIMIT, and an address with no failure on it still gets its try.
    "LOGIN_ACCOUNT_RATE_LIMIT": "10 per minute;50 per hour",
    "LOGIN_SLOWED_RATE_LIMIT": "1 per 10 minutes",
    # Registrations per client address.
    "REGISTER_RATE_LIMIT": "20 per hour",
}

#: Settings read from the environment under their own name, as well as with STUDYAPP_ prefix.
_PLAIN_ENV = ("DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI")


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from the defaults, the environment and ``test_config``."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        for name in _PLAIN_ENV:
            if os.environ.get(name):
                app.config[name] = os.environ[name]
        app.config.from_prefixed_env("STUDYAPP")
    else:
        app.config.from_mapping(test_config)

    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'studyapp.db'}"
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    _check_allowlist(app.config)


def _check_allowlist(config: Mapping[str, Any]) -> None:
    """Refuse to start (``ValueError``) on an allowlist entry that cannot be read, rather than
    fail each fetch later."""
    from studyapp.services.fetching import FetchSettings

    try:
        FetchSettings.from_config(config)
    except ValueError as error:
        listed = config["FETCH_ALLOWED_HOSTS"]
        raise ValueError(
            f"FETCH_ALLOWED_HOSTS = {listed!r} cannot be read ({error}): list host names "
            "or addresses, each with :port when it is not the scheme's default"
        ) from None


def _instance_secret(path: Path) -> str:
    """A random key made once per instance folder and shared by every worker that uses it."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        # O_EXCL: when two workers start together, one writes and the other reads its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key
