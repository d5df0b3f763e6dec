"""Small builders for rows the tests need; each returns the flushed object."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from studyapp.identity import card_guid, paper_identity
from studyapp.models import (
    Card,
    CardKind,
    CardText,
    Deck,
    FetchedDocument,
    Paper,
    ReviewState,
    User,
    utcnow,
)


def make_user(session: Session, email: str = "reader@example.com") -> User:
    user = User(email=email, password_hash="not-a-real-hash")
    session.add(user)
    session.flush()
    return user


def make_deck(session: Session, *, owner: User | None = None, slug: str = "daily") -> Deck:
    deck = Deck(owner=owner, slug=slug, name=slug.title())
    session.add(deck)
    session.flush()
    return deck


def make_paper(
    session: Session, deck: Deck, *, arxiv_id: str | None = "2402.04291", title: str = "BiLLM"
) -> Paper:
    paper = Paper(
        deck=deck,
        identity=paper_identity(arxiv_id=arxiv_id, title=title),
        arxiv_id=arxiv_id,
        title=title,
        lang="ko",
        method=title,
    )
    session.add(paper)
    session.flush()
    return paper


def make_card(session: Session, paper: Paper, kind: CardKind = CardKind.METHOD_IDEA) -> Card:
    headline = kind is CardKind.HEADLINE_NUMBER
    card = Card(
        paper=paper,
        kind=kind,
        guid=card_guid(paper.identity, kind),
        lang="ko",
        number_value=48.9 if headline else None,
        number_unit="배" if headline else None,
    )
    card.texts.append(CardText(lang="ko", front=paper.title, back="핵심 아이디어"))
    session.add(card)
    session.flush()
    return card


def make_state(session: Session, user: User, card: Card) -> ReviewState:
    state = ReviewState(user_id=user.id, card_id=card.id)
    session.add(state)
    session.flush()
    return state


def make_fetched_document(
    session: Session, *, user_id: int | None, url: str = "https://example.org/2025/03/10.md"
) -> FetchedDocument:
    """What a URL sent last time, as :mod:`studyapp.services.url_documents` stores it."""
    row = FetchedDocument(
        user_id=user_id,
        url=url,
        url_hash=hashlib.sha256(url.encode()).hexdigest(),
        etag='W/"1f-day"',
        last_modified="Mon, 10 Mar 2025 09:00:00 GMT",
        fetched_at=utcnow(),
        content_sha256="cd" * 32,
    )
    session.add(row)
    session.flush()
    return row
