"""The schema's rules hold in the database itself, on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from studyapp.models import (
    Card,
    CardKind,
    CardText,
    Deck,
    Paper,
    ReviewKind,
    ReviewLog,
    ReviewState,
)
from tests.factories import make_card, make_deck, make_paper, make_state, make_user


def test_a_paper_is_stored_once_per_deck(session: Session) -> None:
    deck = make_deck(session)
    make_paper(session, deck, arxiv_id="2402.04291v1")
    with pytest.raises(IntegrityError):
        make_paper(session, deck, arxiv_id="2402.04291v2")


def test_the_same_paper_may_be_in_two_decks(session: Session) -> None:
    first, second = make_deck(session, slug="one"), make_deck(session, slug="two")
    make_paper(session, first)
    make_paper(session, second)
    session.commit()
    assert session.scalar(select(func.count(Paper.id))) == 2


def test_one_card_per_kind_per_paper(session: Session) -> None:
    paper = make_paper(session, make_deck(session))
    make_card(session, paper, CardKind.METHOD_IDEA)
    make_card(session, paper, CardKind.HEADLINE_NUMBER)
    with pytest.raises(IntegrityError):
        make_card(session, paper, CardKind.METHOD_IDEA)


def test_library_deck_slugs_are_unique(session: Session) -> None:
    make_deck(session, slug="daily-papers")
    with pytest.raises(IntegrityError):
        make_deck(session, slug="daily-papers")


def test_users_may_reuse_a_library_slug_but_not_their_own(session: Session) -> None:
    alice, bob = make_user(session, "alice@example.com"), make_user(session, "bob@example.com")
    make_deck(session, slug="notes")
    make_deck(session, owner=alice, slug="notes")
    make_deck(session, owner=bob, slug="notes")
    session.commit()
    with pytest.raises(IntegrityError):
        make_deck(session, owner=alice, slug="notes")


def test_headline_number_is_required_on_headline_cards_only(session: Session) -> None:
    paper = make_paper(session, make_deck(session))
    card = Card(paper=paper, kind=CardKind.HEADLINE_NUMBER, guid="g", lang="en")
    session.add(card)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    paper = make_paper(session, make_deck(session, slug="other"))
    card = Card(paper=paper, kind=CardKind.METHOD_IDEA, guid="g", lang="en", number_value=1.0)
    session.add(card)
    with pytest.raises(IntegrityError):
        session.flush()


def test_unknown_card_kind_is_refused(session: Session) -> None:
    paper = make_paper(session, make_deck(session))
    session.add(Card(paper=paper, kind="summary", guid="g", lang="en"))  # type: ignore[arg-type]
    with pytest.raises(StatementError):
        session.flush()


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(CardText(card_id=999_999, lang="en", front="f", back="b"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_deleting_a_deck_removes_its_papers_cards_and_schedules(session: Session) -> None:
    user = make_user(session)
    deck = make_deck(session)
    card = make_card(session, make_paper(session, deck))
    make_state(session, user, card)
    session.commit()

    session.delete(deck)
    session.commit()
    for table in (Paper, Card, CardText, ReviewState):
        assert session.scalar(select(func.count()).select_from(table)) == 0


def test_card_text_falls_back_to_the_cards_own_language(session: Session) -> None:
    card = make_card(session, make_paper(session, make_deck(session)))
    card.texts.append(CardText(lang="en", front="BiLLM", back="key idea"))
    session.commit()
    assert card.text("en").back == "key idea"
    assert card.text("ko").back == "핵심 아이디어"
    assert card.text("ja").back == "핵심 아이디어"


def test_timestamps_come_back_as_aware_utc(session: Session) -> None:
    user = make_user(session)
    seoul = timezone(timedelta(hours=9))
    state = make_state(session, user, make_card(session, make_paper(session, make_deck(session))))
    state.last_reviewed_at = datetime(2024, 2, 8, 9, 30, tzinfo=seoul)
    session.commit()
    session.expire_all()
    loaded = session.get(ReviewState, state.id)
    assert loaded is not None
    assert loaded.last_reviewed_at == datetime(2024, 2, 8, 0, 30, tzinfo=UTC)
    assert loaded.last_reviewed_at.tzinfo is UTC


def test_naive_timestamps_are_refused(session: Session) -> None:
    user = make_user(session)
    state = make_state(session, user, make_card(session, make_paper(session, make_deck(session))))
    state.last_reviewed_at = datetime(2024, 2, 8, 9, 30)
    with pytest.raises(StatementError, match="naive"):
        session.flush()


def test_a_stale_review_state_update_fails(app_session_pair: tuple[Session, Session]) -> None:
    first, second = app_session_pair
    user = make_user(first)
    state = make_state(first, user, make_card(first, make_paper(first, make_deck(first))))
    first.commit()

    # Two requests read the same state; each writes in a transaction of its own later on.
    mine = first.get(ReviewState, state.id)
    theirs = second.get(ReviewState, state.id)
    assert mine is not None and theirs is not None
    first.commit()
    second.commit()
    mine.repetitions = 1
    first.commit()
    assert mine.version == 2

    theirs.repetitions = 5
    with pytest.raises(StaleDataError):
        second.commit()


def test_review_state_defaults_are_a_new_card(session: Session) -> None:
    user = make_user(session)
    state = make_state(session, user, make_card(session, make_paper(session, make_deck(session))))
    session.commit()
    assert (state.repetitions, state.ease, state.interval_days, state.due_on) == (0, 2.5, 0, None)
    assert state.is_new and not state.suspended and state.version == 1


def test_the_review_log_refuses_grades_outside_0_to_5(session: Session) -> None:
    user = make_user(session)
    card = make_card(session, make_paper(session, make_deck(session)))
    session.add(
        ReviewLog(
            user_id=user.id,
            card_id=card.id,
            reviewed_at=datetime(2024, 2, 8, tzinfo=UTC),
            reviewed_on=date(2024, 2, 8),
            grade=6,
            kind=ReviewKind.REVIEW,
            repetitions_before=0,
            ease_before=2.5,
            interval_before=0,
            repetitions_after=1,
            ease_after=2.6,
            interval_after=1,
            due_after=date(2024, 2, 9),
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_decks_know_whether_they_are_in_the_library(session: Session) -> None:
    user = make_user(session)
    assert make_deck(session, slug="lib").is_library
    assert not make_deck(session, owner=user, slug="mine").is_library
    assert session.scalar(select(func.count(Deck.id)).where(Deck.owner_id.is_(None))) == 1
