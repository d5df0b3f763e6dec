"""Who studies which cards: a review state for each card of a deck, for each user who studies
the deck."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, insert, literal, select
from sqlalchemy.orm import Session

from studyapp.models import Card, Deck, Paper, ReviewState, User, UserDeck, utcnow
from studyapp.srs.sm2 import INITIAL_EASE

__all__ = ["enroll"]


def enroll(session: Session, deck_id: int, user_ids: Sequence[int] | None = None) -> int:
    """Give users a (new) review state for every card of the deck they do not have yet.

    ``user_ids`` defaults to everyone who studies the deck: its owner, or for a library deck
    the users who added it. One INSERT … SELECT, so a 10,000-card deck costs one statement.
    Returns how many states were created. Call inside a write unit.
    """
    if user_ids is None:
        deck = session.get_one(Deck, deck_id)
        if deck.owner_id is not None:
            user_ids = [deck.owner_id]
        else:
            user_ids = list(
                session.scalars(select(UserDeck.user_id).where(UserDeck.deck_id == deck_id))
            )
    created = 0
    now = utcnow()
    for user_id in user_ids:
        # A new card is kept by the scheduler the user has chosen; FSRS starts with no memory.
        # Read with a share lock: a switch of scheduler (which locks the user) finishes first,
        # so no card joins under the scheduler being left.
        scheduler = session.scalar(
            select(User.scheduler).where(User.id == user_id).with_for_update(read=True)
        )
        missing = (
            select(
                literal(user_id),
                Card.id,
                literal(0),
                literal(INITIAL_EASE),
                literal(0),
                literal(0),
                literal(False),
                literal(1),
                literal(now, type_=ReviewState.created_at.type),
                literal(scheduler, type_=ReviewState.scheduler.type),
            )
            .join(Paper, Paper.id == Card.paper_id)
            .where(
                Paper.deck_id == deck_id,
                ~exists().where(
                    and_(ReviewState.user_id == user_id, ReviewState.card_id == Card.id)
                ),
            )
        )
        created_ids = session.scalars(
            insert(ReviewState)
            .from_select(
                [
                    "user_id",
                    "card_id",
                    "repetitions",
                    "ease",
                    "interval_days",
                    "lapses",
                    "suspended",
                    "version",
                    "created_at",
                    "scheduler",
                ],
                missing,
            )
            .returning(ReviewState.id)
        ).all()
        # RETURNING, because PostgreSQL reports no row count for INSERT … SELECT here.
        created += len(created_ids)
    return created
