"""Limits on guessing passwords at the login form (Flask-Limiter, counted in its storage)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many

from studyapp.services import accounts

__all__ = ["throttled"]


def throttled(
    login: Callable[[], ResponseReturnValue], app: Flask, limiter: Limiter
) -> Callable[[], ResponseReturnValue]:
    """The ``login`` view behind its limits on guessing passwords.

    A refusal (429) always falls on the guesser, never on the account: anyone can type
    someone else's email, so a limit on the account alone would let them lock its owner out.

    - per address, whichever accounts it tries (``LOGIN_ADDRESS_RATE_LIMIT``);
    - per account and address (``LOGIN_RATE_LIMIT``): wrong guesses at one email from one
      address shut that address out of that account, and nobody else;
    - an account's failures from every address together (``LOGIN_ACCOUNT_RATE_LIMIT``) only
      slow the guessing down: while past it, each address gets one failure on this account
      per ``LOGIN_SLOWED_RATE_LIMIT`` window (its next try, right or wrong, is refused until
      the window passes), while an address with no failure on it still has its try. Guessers
      spread over many addresses get one guess per address per window; the owner logging in
      from home, with no failure there, gets in.

    Only failures count (a form answered 422); a login that works costs nothing. The counts
    live in the limiter's storage, so with Redis every worker shares them.
    """
    account_limits = _limits(app.config["LOGIN_ACCOUNT_RATE_LIMIT"])

    def under_attack() -> bool:
        key = _login_account()
        return not all(limiter.limiter.test(item, *_ACCOUNT_SCOPE, key) for item in account_limits)

    @wraps(login)
    def counted() -> ResponseReturnValue:
        response = current_app.make_response(login())
        if request.method == "POST" and _failed(response):
            key = _login_account()
            for item in account_limits:
                limiter.limiter.hit(item, *_ACCOUNT_SCOPE, key)
        return response

    # Checked outermost first; the failure is counted after the view answered.
    view = limiter.limit(
        app.config["LOGIN_SLOWED_RATE_LIMIT"],
        key_func=_login_slowed,
        methods=["POST"],
        deduct_when=_failed,
        # Only a login form posted at an account under attack reads that account's count.
        exempt_when=lambda: request.method != "POST" or not under_attack(),
    )(counted)
    view = limiter.limit(
        app.config["LOGIN_RATE_LIMIT"],
        key_func=_login_account_address,
        methods=["POST"],
        deduct_when=_failed,
    )(view)
    view = limiter.limit(
        app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"], deduct_when=_failed
    )(view)
    return view


#: Where an account's failures from every address are counted (beside Flask-Limiter's own
#: keys, with the same prefix).
_ACCOUNT_SCOPE = ("studyapp", "login-account")


def _limits(setting: str) -> list[RateLimitItem]:
    return list(parse_many(setting))


def _login_account() -> str:
    # A digest: the key is short and the same for "Me@Example.com " and "me@example.com",
    # whatever was sent as the email.
    email = accounts.normalize_email(request.form.get("email") or "")
    return "account:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()


def _login_account_address() -> str:
    return f"{_login_account()}:from:{request.remote_addr or 'unknown'}"


def _login_slowed() -> str:
    return f"slowed:{_login_account_address()}"


def _failed(response: Response) -> bool:
    # A wrong password (or a form without one) is answered 422; nothing else counts.
    return response.status_code == 422
