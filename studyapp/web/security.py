"""What every response promises the browser, and how many login attempts an address gets.

- Headers: a Content-Security-Policy that allows only this site's own files (no inline script
  or style, no frames, forms posting only here), ``nosniff``, no referrer sent to other sites,
  and pages kept out of the browser's cache.
- Cookies: ``Secure`` whenever the request came over HTTPS, also through a reverse proxy that
  says so (``TRUSTED_PROXIES``), so a deployment needs no extra setting for them.
- Rate limits: failed logins per account and per address, registrations per address
  (Flask-Limiter; in memory per worker, or shared through Redis by ``RATELIMIT_STORAGE_URI``).
"""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
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


def init_app(app: Flask) -> Limiter:
    """Install the headers, secure cookies and the rate limiter; return the limiter.

    Call before any extension that sets cookies (Flask-Login), so that the cookie hook runs
    after theirs: Flask runs ``after_request`` functions last-registered first.
    """
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # The proxy's X-Forwarded-For/-Proto/-Host say who asked and over what, but only the
        # last ``proxies`` hops are believed: anything before them could be made up.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.session_interface = _SessionInterface()
    app.after_request(_secure_cookies)
    app.after_request(_security_headers)
    return Limiter(
        key_func=_client_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        strategy="moving-window",
        key_prefix="studyapp",
    )


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the cookie marked Secure over HTTPS (the session
    cookie is set after every ``after_request`` hook, so it needs telling here)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


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


def _secure_cookies(response: Response) -> Response:
    # Every other cookie set over HTTPS ("keep me logged in") is marked Secure too, so the
    # browser never sends it over plain HTTP where it could be read.
    if not request.is_secure:
        return response
    cookies = response.headers.getlist("Set-Cookie")
    if cookies and not all(_is_secure(cookie) for cookie in cookies):
        response.headers.remove("Set-Cookie")
        for cookie in cookies:
            response.headers.add(
                "Set-Cookie", cookie if _is_secure(cookie) else f"{cookie}; Secure"
            )
    return response


def _is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";")[1:])
