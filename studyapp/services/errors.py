"""The errors services raise on purpose, each with the HTTP status it means.

The web app turns every one of them into its page in one place (``app.register_error_handler``
in :mod:`studyapp.web`); views catch one only to say something more specific. None of them is a
``LookupError`` or a ``ValueError``: a ``KeyError`` or an ``IndexError`` from a bug, or a
``ValueError`` from a failed conversion, must never pass for "no such row" or "bad input".
Those reach the 500 page and the log, where a bug belongs.
"""

from __future__ import annotations

__all__ = ["InvalidAnswer", "InvalidGrade", "NotFound", "QueueUnavailable", "ServiceError"]


class ServiceError(Exception):
    """A request the service refuses, for a reason the user can be told."""

    #: The HTTP status of the page the web app answers with.
    status = 400


class NotFound(ServiceError):
    """No such row for this user: it does not exist, or it is not theirs. The two are never
    told apart, so another user's ids reveal nothing."""

    status = 404


class InvalidGrade(ServiceError):
    """A grade the card's scheduler has no button for (SM-2's are 0–5, FSRS's 1–4)."""

    status = 400


class QueueUnavailable(ServiceError):
    """The job queue (its Redis or database) did not take the job: nothing was started."""

    status = 503


class InvalidAnswer(ServiceError):
    """A quiz answer that says nothing: empty, or a choice that is not one of the options."""

    status = 422
