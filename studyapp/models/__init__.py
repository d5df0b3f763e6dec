"""The database tables, as typed SQLAlchemy 2 models.

Content: a :class:`Deck` (in the shared library when it has no owner, else one user's) holds
:class:`Paper` rows; a paper has up to one :class:`Card` of each :class:`CardKind`. Text lives
in per-language rows (:class:`PaperText`, :class:`CardText`) so one card can carry its Korean
and English wording while having one schedule and one GUID.

Study: one :class:`ReviewState` per user and card, an append-only :class:`ReviewLog`, and quizzes.

Logins: one :class:`LoginSession` per signed-in browser (not study data: backups leave it out).

Jobs: one :class:`Job` per piece of background work, with its progress and outcome; an
:class:`AnkiUpload` per Anki package waiting for the user's go-ahead.

Fetches: one :class:`FetchedDocument` per URL a user (or the shared library) imported from, with
the validators that make the next fetch conditional.

Follows: a :class:`Follow` per followed series, a :class:`FollowDay` per day it fetched.

The tables live in modules by idea — :mod:`.base`, :mod:`.content`, :mod:`.study`,
:mod:`.logins`, :mod:`.jobs`, :mod:`.fetched` and :mod:`.follows` — and are all imported
here, so that ``Base.metadata`` knows every table.
"""

from __future__ import annotations

from studyapp.identity import CardKind
from studyapp.models.base import Base, UTCDateTime, utcnow
from studyapp.models.content import (
    Card,
    CardText,
    Deck,
    Paper,
    PaperText,
    PaperTopic,
    Topic,
    User,
    UserDeck,
)
from studyapp.models.fetched import FetchedDocument
from studyapp.models.follows import DayOutcome, Follow, FollowDay
from studyapp.models.jobs import AnkiUpload, Job
from studyapp.models.logins import LoginSession
from studyapp.models.study import (
    Quiz,
    QuizQuestion,
    ReviewKind,
    ReviewLog,
    ReviewState,
    recalled,
)

__all__ = [
    "AnkiUpload",
    "Base",
    "Card",
    "CardKind",
    "CardText",
    "DayOutcome",
    "Deck",
    "FetchedDocument",
    "Follow",
    "FollowDay",
    "Job",
    "LoginSession",
    "Paper",
    "PaperText",
    "PaperTopic",
    "Quiz",
    "QuizQuestion",
    "ReviewKind",
    "ReviewLog",
    "ReviewState",
    "Topic",
    "User",
    "UTCDateTime",
    "UserDeck",
    "recalled",
    "utcnow",
]
