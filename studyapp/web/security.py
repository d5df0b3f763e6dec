"""What every response promises the browser, and how many login attempts an address gets.

- Headers: a Content-Security-Policy that allows only this site's own files (no inline script
  or style, no frames, forms posting only here), ``nosniff``, no referrer sent to other sites,
  and pages kept out of the browser's cache.
- Cookies: ``Secure`` whenever the request came over HTTPS, also through a reverse proxy that
  says so (``TRUSTED_PROXIES``), so a deployment needs no extra setting for them.
- Rate limits: failed logins per address and per account and address (an account's failures
  from everywhere only slow further guesses, see ``auth``), registrations per address
  (Flask-Limiter; in memory per worker, or shared through Redis by ``RATELIMIT_STORAGE_URI``).
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

__all__ = ["CONTENT_SECURITY_POLICY", "init_app"]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Older browsers that do not know frame-ancestors.
    "X-Frame-Options": "DENY",
    # Links to arXiv carry no address of ours (they also say rel="noreferrer").
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: What a year of HTTPS-only means to a browser; sent only over HTTPS.
_HSTS = "max-age=31536000"

_LIMIT_SETTINGS = (
    "LOGIN_RATE_LIMIT",
    "LOGIN_ADDRESS_RATE_LIMIT",
    "LOGIN_ACCOUNT_RATE_LIMIT",
    "LOGIN_SLOWED_RATE_LIMIT",
    "REGISTER_RATE_LIMIT",
)
_REDIS_TIMEOUTS: dict[str, str | int] = {"socket_connect_timeout": 1, "socket_timeout": 1}


def init_app(app: Flask) -> Limiter:
    """Install the headers, secure cookies and the rate limiter; return the limiter.

    Refuses to start (``ValueError``) when a rate limit setting cannot be read: a typo must
    not quietly switch a limit off.
    """
    for name in _LIMIT_SETTINGS:
        value = app.config[name]
        try:
            if not isinstance(value, str) or not parse_many(value):
                raise ValueError(value)
        except ValueError:
            raise ValueError(
                f"{name} = {value!r} is not a rate limit such as '5 per minute;20 per hour'"
            ) from None
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # The proxy's X-Forwarded-For and -Proto say who asked and over what, but only the
        # last ``proxies`` hops are believed: anything before them could be made up.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )
    app.session_interface = _SessionInterface()
    app.after_request(_security_headers)
    redis = str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss"))
    return Limiter(
        key_func=_client_address,
        app=app,
        headers_enabled=True,
        strategy="moving-window",
        key_prefix="studyapp",
        # A Redis that does not answer must not hang or fail logins: each worker counts on
        # its own until it is back.
        storage_options=_REDIS_TIMEOUTS if redis else {},
        in_memory_fallback_enabled=True,
    )


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; over HTTPS every cookie of the response is Secure.

    The session is saved after every ``after_request`` hook, so cookies set by those hooks
    (Flask-Login's "keep me logged in") are there to mark too.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        super().save_session(app, session, response)
        if has_request_context() and request.is_secure:
            cookies = response.headers.getlist("Set-Cookie")
            if not all(_is_secure(cookie) for cookie in cookies):
                response.headers.setlist(
                    "Set-Cookie", [c if _is_secure(c) else f"{c}; Secure" for c in cookies]
                )


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _security_headers(response: Response) -> Response:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", _HSTS)
    if request.endpoint != "static":
        # Pages hold someone's cards and progress: after logging out on a shared computer,
        # the back button must not bring them back from the browser's cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";")[1:])
