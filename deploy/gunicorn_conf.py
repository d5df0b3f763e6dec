"""gunicorn's settings for production: ``deploy/serve.py`` starts gunicorn with this file,
behind nginx. Read by gunicorn itself (``gunicorn -c deploy/gunicorn_conf.py``); command-line
options given after it (``--bind``, ``--workers``, ``--threads``) win.

Why these:

- ``gthread`` workers: a thread per request in flight, so a slow database answer holds one
  thread, not a whole worker process. gunicorn alone still cannot hold off slow clients (a
  thread reads a request header for as long as the client takes to send it): nginx in front
  reads every request whole before gunicorn sees it.
- One worker unless told otherwise: login attempts are counted in the worker's memory
  (``RATELIMIT_STORAGE_URI=memory://``), shared by its threads but not with other workers. More
  workers need a shared store (Redis), and gunicorn refuses to start without one.
- ``forwarded_allow_ips`` from ``STUDYAPP_TRUSTED_PROXIES``: gunicorn's own default believes
  ``X-Forwarded-Proto`` from 127.0.0.1 (and from any Unix-socket peer), whatever the app was
  told. With no trusted proxy, gunicorn believes nobody; with some, the app's ProxyFix decides
  by counting hops, and gunicorn reads only the one header the app reads.
"""

from __future__ import annotations

import json
import os
from typing import Any

wsgi_app = "studyapp:create_app()"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = 8
# A request that takes longer than this is killed with its worker (then restarted).
timeout = 30
graceful_timeout = 20
# nginx speaks HTTP/1.0 to gunicorn and closes each connection; this bounds anyone else.
keepalive = 5
accesslog = "-"
# The client address as nginx saw it, and which worker answered.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms worker=%(p)s'


def _trusted_proxies() -> int:
    # Read as the app reads it: JSON when it parses as JSON ("1"), else text.
    value = os.environ.get("STUDYAPP_TRUSTED_PROXIES", "0")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value
    return int(parsed)


secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
if _trusted_proxies():
    forwarded_allow_ips = "*"
    secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}


def _shared_limits() -> bool:
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get(
        "STUDYAPP_RATELIMIT_STORAGE_URI", "memory://"
    )
    return not storage.startswith("memory://")


def on_starting(server: Any) -> None:
    """Refuse several workers that would each count login attempts on their own (each would
    allow the whole limit: with four workers, four times the guesses)."""
    if server.cfg.workers > 1 and not _shared_limits():
        raise SystemExit(
            f"{server.cfg.workers} workers would each count login attempts apart: set "
            "RATELIMIT_STORAGE_URI to a shared store (redis://127.0.0.1:6379) or use one worker"
        )
