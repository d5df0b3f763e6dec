"""Prepared statements: compiled once per database, run on the driver, with the same values in
and out as the ORM, the same exceptions, and the session's transaction rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyapp.db import core_transaction
from studyapp.models import ReviewKind, ReviewLog
from studyapp.prepared import Prepared
from tests.factories import make_card, make_deck, make_paper, make_user

_LOG = Prepared(
    insert(ReviewLog).returning(ReviewLog.id),
    columns=(
        "user_id",
        "card_id",
        "reviewed_at",
        "reviewed_on",
        "grade",
        "kind",
        "repetitions_before",
        "ease_before",
        "interval_before",
        "repetitions_after",
        "ease_after",
        "interval_after",
        "due_after",
    ),
)
_READ = Prepared(
    select(ReviewLog.reviewed_at, ReviewLog.reviewed_on, ReviewLog.kind, ReviewLog.ease_after)
    .where(ReviewLog.id == bindparam("log_id"))
    .limit(1)
)
_REGRADE = Prepared(
    update(ReviewLog).where(ReviewLog.id == bindparam("log_id")), columns=("grade",)
)
SEOUL_NOON = datetime(2024, 2, 8, 3, 0, tzinfo=UTC)


@pytest.fixture
def owner(session: Session) -> tuple[int, int]:
    user = make_user(session)
    card = make_card(session, make_paper(session, make_deck(session, owner=user)))
    session.commit()
    return user.id, card.id


def log_row(user_card: tuple[int, int], **changes: object) -> dict[str, object]:
    user_id, card_id = user_card
    values: dict[str, object] = {
        "user_id": user_id,
        "card_id": card_id,
        "reviewed_at": SEOUL_NOON,
        "reviewed_on": date(2024, 2, 8),
        "grade": 4,
        "kind": ReviewKind.REVIEW,
        "repetitions_before": 2,
        "ease_before": 2.5,
        "interval_before": 6,
        "repetitions_after": 3,
        "ease_after": 2.5,
        "interval_after": 15,
        "due_after": date(2024, 2, 23),
    }
    return {**values, **changes}


def test_values_go_in_and_come_out_as_the_orm_has_them(
    session: Session, owner: tuple[int, int]
) -> None:
    with core_transaction(session, write=True) as connection:
        log_id = _LOG.scalar(connection, **log_row(owner))
    with core_transaction(session, write=False) as connection:
        read = _READ.first(connection, log_id=log_id)
    assert read == (SEOUL_NOON, date(2024, 2, 8), ReviewKind.REVIEW, 2.5)
    with session.begin():
        stored = session.get_one(ReviewLog, log_id)
        assert stored.lapses_before == 0  # not given: the column's default
        assert (stored.reviewed_at, stored.reviewed_on, stored.kind, stored.due_after) == (
            SEOUL_NOON,
            date(2024, 2, 8),
            ReviewKind.REVIEW,
            date(2024, 2, 23),
        )


def test_run_counts_changed_rows_and_a_missing_row_is_none(
    session: Session, owner: tuple[int, int]
) -> None:
    with core_transaction(session, write=True) as connection:
        log_id = _LOG.scalar(connection, **log_row(owner))
        assert _REGRADE.run(connection, log_id=log_id, grade=5) == 1
        assert _REGRADE.run(connection, log_id=log_id + 1000, grade=5) == 0
        assert _READ.first(connection, log_id=log_id + 1000) is None


def test_driver_errors_are_sqlalchemys_and_roll_the_transaction_back(
    session: Session, owner: tuple[int, int]
) -> None:
    with pytest.raises(IntegrityError):
        with core_transaction(session, write=True) as connection:
            _LOG.scalar(connection, **log_row(owner))
            _LOG.scalar(connection, **log_row(owner, grade=9))  # breaks CHECK grade 0-5
    with core_transaction(session, write=False) as connection:
        assert _READ.first(connection, log_id=1) is None
        assert not session.in_transaction()


def test_a_core_transaction_refuses_to_nest_in_the_sessions(session: Session) -> None:
    with session.begin():
        with pytest.raises(RuntimeError, match="outside any transaction"):
            with core_transaction(session, write=False):
                pass
