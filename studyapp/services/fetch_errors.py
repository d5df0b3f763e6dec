"""What can go wrong fetching a document from a URL: one error class per thing a user or an
administrator can act on, each with a stable ``code``, an English message for the command line
(``str()``) and a sentence in the reader's language for the web (:func:`fetch_problem`)."""

from __future__ import annotations

from typing import ClassVar

from flask_babel import gettext as _

__all__ = [
    "BadAddress",
    "DocumentMissing",
    "FetchError",
    "FetchFailed",
    "FetchTimeout",
    "HostNotAllowed",
    "PrivateAddress",
    "TooLarge",
    "fetch_problem",
]


class FetchError(Exception):
    """A URL that could not be fetched. ``str()`` is one English line for the command line:
    the URL and what was wrong; ``code`` is short and stable (``fetch.not_allowed``) and
    ``params`` hold what :func:`fetch_problem` needs to say it in the reader's language."""

    code: ClassVar[str] = "fetch.failed"
    #: The English message, filled from ``params``.
    english: ClassVar[str] = "could not be fetched (%(reason)s). Try again later."

    def __init__(self, url: str, **params: object) -> None:
        self.url = url
        self.params = params
        super().__init__(f"{url}: {self.english % params}")


class BadAddress(FetchError):
    """Not an http(s) URL a server may fetch: another scheme, no host, a user name or password
    in it, unparsable, or too long."""

    code = "fetch.bad_address"
    english = "is not a web address this server can fetch (%(reason)s)."


class HostNotAllowed(FetchError):
    """The host is not on FETCH_ALLOWED_HOSTS; nothing was looked up or connected to."""

    code = "fetch.not_allowed"
    english = "%(host)s is not on FETCH_ALLOWED_HOSTS, the sites this server may fetch from."


class PrivateAddress(FetchError):
    """The host resolves to an internal address (loopback, private, link-local, reserved,
    multicast, unspecified): refused so that a server cannot be made to reach its own network."""

    code = "fetch.private_address"
    english = "%(host)s resolves to %(address)s, an internal address this server never fetches."


class DocumentMissing(FetchError):
    """The server says there is no such document (404 or 410)."""

    code = "fetch.missing"
    english = "the server has no such document (HTTP %(status)d)."


class TooLarge(FetchError):
    """The document is larger than MAX_DOCUMENT_BYTES; reading stopped there."""

    code = "fetch.too_large"
    english = "the document is larger than the limit of %(limit).1f MB."


class FetchTimeout(FetchError):
    """The server did not connect, or did not send the whole document, within
    FETCH_TIMEOUT_SECONDS."""

    code = "fetch.timeout"
    english = "the server did not send the document within %(seconds)g seconds."


class FetchFailed(FetchError):
    """Anything worth trying again later: the network, DNS, a server error, another HTTP
    status, too many redirects."""


def fetch_problem(error: FetchError) -> str:
    """What was wrong with a fetch and what to do, in the reader's language (call it while a
    request or an app context is active; nothing is translated at import time)."""
    params = error.params
    if isinstance(error, BadAddress):
        return str(
            _(
                "This is not a web address the server can fetch. Give a full address that starts "
                "with https:// (or http://), without a user name or password in it."
            )
        )
    if isinstance(error, HostNotAllowed):
        return str(
            _(
                "This address is not on the list of sites this server may fetch from. Ask the "
                "administrator to add %(host)s to FETCH_ALLOWED_HOSTS, or download the file and "
                "upload it.",
                host=params["host"],
            )
        )
    if isinstance(error, PrivateAddress):
        return str(
            _(
                "%(host)s points to an address inside a private network, which this server never "
                "fetches from. Download the file and upload it instead.",
                host=params["host"],
            )
        )
    if isinstance(error, DocumentMissing):
        return str(
            _(
                "The site has no document at this address. Check the address, or whether the "
                "document has been published yet."
            )
        )
    if isinstance(error, TooLarge):
        return str(
            _(
                "The document at this address is larger than %(limit).1f MB. Split it into smaller "
                "files and upload them.",
                limit=params["limit"],
            )
        )
    if isinstance(error, FetchTimeout):
        return str(
            _(
                "The site did not send the document within %(seconds)s seconds. Try again later, "
                "or download the file and upload it.",
                seconds=f"{params['seconds']:g}",
            )
        )
    return str(
        _(
            "The document could not be fetched (%(reason)s). Try again in a few minutes.",
            reason=params.get("reason", ""),
        )
    )
