"""Everything one account holds, as one JSON document: "download all my data".

The document is an object with a ``format`` key naming the shape and a ``version`` saying which
version of it; a change that removes or renames a key, or changes what a value means, gets a
new version (adding a key does not). Version 1::

    {
      "format": "paper-flashcards/account-data",
      "version": 1,
      "exported_at": "2026-11-23T09:30:00Z",      # every time is UTC, ISO 8601
      "account": {"email", "display_name", "created_at"},
      "settings": {"locale",                      # "ko", "en" or null: follow the browser
                   "timezone",                    # IANA name; "today" starts at its midnight
                   "new_cards_per_day", "reviews_per_day",
                   "four_grade_buttons",          # false: the six SM-2 grades 0-5
                   "bury_siblings",               # a paper's other card waits until tomorrow
                   "scheduler",                   # "sm2" or "fsrs"
                   "desired_retention", "maximum_interval",
                   "fsrs_parameters",             # FSRS's 21 fitted, or null: its defaults
                   "fsrs_fitted_at"},             # when they were applied, or null
      "decks": [                                  # the decks of one's own, whole
        {"id", "slug", "name", "description", "created_at",
         "papers": [
           {"id", "identity", "arxiv_id", "title", "url", "authors": [str],
            "published_on",                       # a date ("2024-02-06") or null
            "lang", "method", "created_at", "updated_at",
            "topics": [slug],
            "texts": [{"lang", "title", "sentences": [str]}],
            "cards": [
              {"id", "guid",                      # the guid is the Anki note's
               "kind",                            # "method_idea" or "headline_number"
               "lang", "number_value", "number_unit", "created_at", "updated_at",
               "texts": [{"lang", "front", "back", "source_sentence",
                          "edited_at"}]}]}]}],   # edited_at: null unless edited by hand
      "library_decks": [                          # shared decks added to one's cards
        {"id", "slug", "name", "added_at"}],
      "review_states": [                          # one per card studied: its schedule
        {"card_id", "card_guid", "deck_id",
         "repetitions", "ease", "interval_days",  # SM-2's memory
         "due_on",                                # null: a new card, never answered
         "lapses", "last_reviewed_at",
         "redrill_on",                            # asked again that day (SM-2: a grade < 4;
                                                  # FSRS: a learning step)
         "suspended", "created_at",
         "scheduler",                             # "sm2" or "fsrs": which keeps the card
         "stability", "difficulty",               # FSRS's memory, null until FSRS keeps it
         "phase",                                 # FSRS: 1 learning, 2 review, 3 relearning
         "step", "due_at"}],                      # FSRS's learning step and exact due time
      "review_log": [                             # every answer, oldest first
        {"id", "card_id", "card_guid", "reviewed_at",
         "reviewed_on",                           # the local date of the answer
         "grade",                                 # SM-2's 0-5, or FSRS's 1-4 (Again-Easy)
         "kind",                                  # "learn", "review" or "redrill"
         "repetitions_before", "ease_before", "interval_before", "due_before",
         "repetitions_after", "ease_after", "interval_after", "due_after",
         "lapses_before", "last_reviewed_before", "redrill_before",
         "duration_ms",                           # how long the card was looked at, or null
         "scheduler",                             # which answered: "sm2" or "fsrs"
         "memory_before", "memory_after"}],       # FSRS's memory around it, or null
      "quizzes": [                                # quiz history; quizzes never touch the above
        {"id", "title", "lang", "seed", "created_at",
         "missed_due_at",                         # when its missed cards were made due
         "questions": [
           {"position", "card_id", "card_guid", "kind", "prompt", "context",
            "options": [str],                     # empty for a typed answer
            "correct_index", "answer", "given", "correct", "answered_at"}]}],
      "follows": [                                # followed series (/follows)
        {"id", "deck_id",
         "source",                                # "daily_papers_ko" or a URL template
         "run_at",                                # "09:00", in the account's time zone
         "min_votes", "topics": [slug], "max_new", "start_on", "paused", "created_at",
         "last_fetched_at", "last_imported_on", "next_run_at", "papers_added",
         "last_error", "last_error_at"}]
    }

``card_id`` and ``deck_id`` name cards and decks of the file (one's own decks) or of the shared
library (``library_decks``); ``card_guid`` names the card wherever it lives. Lists are in the
order of their ids. Nothing else is left out but the password's hash and internal counters
(a review state's version).
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from studyapp.models import (
    Card,
    Deck,
    Paper,
    PaperTopic,
    Quiz,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    Topic,
    User,
    UserDeck,
    utcnow,
)
from studyapp.services.accounts import AccountNotFound
from studyapp.services.follow_views import FOLLOW_DATA, follows_data

__all__ = ["FORMAT", "VERSION", "account_data", "account_data_json"]

FORMAT = "paper-flashcards/account-data"
VERSION = 1

#: The columns each part of the document holds, in order (see the module's docstring).
SETTINGS = (
    "locale",
    "timezone",
    "new_cards_per_day",
    "reviews_per_day",
    "four_grade_buttons",
    "bury_siblings",
    "scheduler",
    "desired_retention",
    "maximum_interval",
    "fsrs_parameters",
    "fsrs_fitted_at",
)
ACCOUNT = ("email", "display_name", "created_at")
DECK = ("id", "slug", "name", "description", "created_at")
PAPER = (
    "id",
    "identity",
    "arxiv_id",
    "title",
    "url",
    "authors",
    "published_on",
    "lang",
    "method",
    "created_at",
    "updated_at",
)
PAPER_TEXT = ("lang", "title", "sentences")
CARD = ("id", "guid", "kind", "lang", "number_value", "number_unit", "created_at", "updated_at")
CARD_TEXT = ("lang", "front", "back", "source_sentence", "edited_at")
REVIEW_STATE = (
    "card_id",
    "repetitions",
    "ease",
    "interval_days",
    "due_on",
    "lapses",
    "last_reviewed_at",
    "redrill_on",
    "suspended",
    "created_at",
    "scheduler",
    "stability",
    "difficulty",
    "phase",
    "step",
    "due_at",
)
REVIEW_LOG = (
    "id",
    "card_id",
    "reviewed_at",
    "reviewed_on",
    "grade",
    "kind",
    "repetitions_before",
    "ease_before",
    "interval_before",
    "due_before",
    "repetitions_after",
    "ease_after",
    "interval_after",
    "due_after",
    "lapses_before",
    "last_reviewed_before",
    "redrill_before",
    "duration_ms",
    "scheduler",
    "memory_before",
    "memory_after",
)
QUIZ = ("id", "title", "lang", "seed", "created_at", "missed_due_at")
QUIZ_QUESTION = (
    "position",
    "card_id",
    "kind",
    "prompt",
    "context",
    "options",
    "correct_index",
    "answer",
    "given",
    "correct",
    "answered_at",
)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):  # a follow's time of day
        return value.isoformat("minutes")
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, enum.Enum):  # a card's or an answer's kind
        return value.value
    return value


def _pick(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(row, name)) for name in names}


def account_data(session: Session, user_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the account holds, as the document described above (:class:`AccountNotFound`
    when there is no such account). Read in one transaction, so the parts agree."""
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise AccountNotFound()
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": _value(now or utcnow()),
            "account": _pick(user, ACCOUNT),
            "settings": _pick(user, SETTINGS),
            "decks": _own_decks(session, user_id),
            "library_decks": _library_decks(session, user_id),
        }
        guids = _card_guids(session, user_id)
        document["review_states"] = _review_states(session, user_id, guids)
        document["review_log"] = _review_log(session, user_id, guids)
        document["quizzes"] = _quizzes(session, user_id, guids)
        document["follows"] = [_pick(row, FOLLOW_DATA) for row in follows_data(session, user_id)]
    return document


def account_data_json(session: Session, user_id: int, *, now: datetime | None = None) -> bytes:
    """:func:`account_data` as UTF-8 JSON, Korean text as itself, indented for reading."""
    document = account_data(session, user_id, now=now)
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _own_decks(session: Session, user_id: int) -> list[dict[str, Any]]:
    decks = session.scalars(
        select(Deck)
        .where(Deck.owned_by(user_id))
        .order_by(Deck.id)
        .options(
            selectinload(Deck.papers).selectinload(Paper.texts),
            selectinload(Deck.papers).selectinload(Paper.cards).selectinload(Card.texts),
        )
    ).all()
    paper_ids = [paper.id for deck in decks for paper in deck.papers]
    topics: defaultdict[int, list[str]] = defaultdict(list)
    if paper_ids:
        for paper_id, slug in session.execute(
            select(PaperTopic.paper_id, Topic.slug)
            .join(Topic, Topic.id == PaperTopic.topic_id)
            .where(PaperTopic.paper_id.in_(paper_ids))
            .order_by(PaperTopic.paper_id, Topic.slug)
        ):
            topics[paper_id].append(slug)
    return [
        {
            **_pick(deck, DECK),
            "papers": [
                {
                    **_pick(paper, PAPER),
                    "topics": topics[paper.id],
                    "texts": [
                        _pick(text, PAPER_TEXT) for text in sorted(paper.texts, key=_by_lang)
                    ],
                    "cards": [
                        {
                            **_pick(card, CARD),
                            "texts": [
                                _pick(text, CARD_TEXT) for text in sorted(card.texts, key=_by_lang)
                            ],
                        }
                        for card in sorted(paper.cards, key=_by_id)
                    ],
                }
                for paper in sorted(deck.papers, key=_by_id)
            ],
        }
        for deck in decks
    ]


def _by_id(row: Any) -> int:
    return int(row.id)


def _by_lang(row: Any) -> str:
    return str(row.lang)


def _library_decks(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Deck.id, Deck.slug, Deck.name, UserDeck.added_at)
        .join(UserDeck, UserDeck.deck_id == Deck.id)
        .where(UserDeck.user_id == user_id)
        .order_by(Deck.id)
    )
    return [_pick(row, ("id", "slug", "name", "added_at")) for row in rows]


def _card_guids(session: Session, user_id: int) -> dict[int, tuple[str, int]]:
    """Each card the user's states, log and quizzes name: its GUID and its deck."""
    named: list[ColumnElement[bool]] = [
        Card.id.in_(select(ReviewState.card_id).where(ReviewState.user_id == user_id)),
        Card.id.in_(select(ReviewLog.card_id).where(ReviewLog.user_id == user_id)),
        Card.id.in_(
            select(QuizQuestion.card_id)
            .join(Quiz, Quiz.id == QuizQuestion.quiz_id)
            .where(Quiz.user_id == user_id)
        ),
    ]
    found: dict[int, tuple[str, int]] = {}
    for condition in named:
        for card_id, guid, deck_id in session.execute(
            select(Card.id, Card.guid, Paper.deck_id)
            .join(Paper, Paper.id == Card.paper_id)
            .where(condition)
        ):
            found[card_id] = (guid, deck_id)
    return found


def _review_states(
    session: Session, user_id: int, guids: dict[int, tuple[str, int]]
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(*(getattr(ReviewState, name) for name in REVIEW_STATE))
        .where(ReviewState.user_id == user_id)
        .order_by(ReviewState.id)
    )
    states = []
    for row in rows:
        picked = _pick(row, REVIEW_STATE)
        guid, deck_id = guids[row.card_id]
        states.append({"card_id": row.card_id, "card_guid": guid, "deck_id": deck_id, **picked})
    return states


def _review_log(
    session: Session, user_id: int, guids: dict[int, tuple[str, int]]
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(*(getattr(ReviewLog, name) for name in REVIEW_LOG))
        .where(ReviewLog.user_id == user_id)
        .order_by(ReviewLog.id)
    )
    return [
        {"id": row.id, "card_id": row.card_id, "card_guid": guids[row.card_id][0]}
        | _pick(row, REVIEW_LOG)
        for row in rows
    ]


def _quizzes(
    session: Session, user_id: int, guids: dict[int, tuple[str, int]]
) -> list[dict[str, Any]]:
    quizzes = session.scalars(
        select(Quiz)
        .where(Quiz.user_id == user_id)
        .order_by(Quiz.id)
        .options(selectinload(Quiz.questions))
    ).all()
    return [
        {
            **_pick(quiz, QUIZ),
            "questions": [
                {
                    "position": question.position,
                    "card_id": question.card_id,
                    "card_guid": guids[question.card_id][0],
                }
                | _pick(question, QUIZ_QUESTION)
                for question in quiz.questions
            ],
        }
        for quiz in quizzes
    ]
