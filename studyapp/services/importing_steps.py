"""Large imports in short steps, so that other users' answers never wait long for the write lock.

:func:`~studyapp.services.importing.import_decks` stores a document in one transaction. On
SQLite, which has one write lock for the whole database, a 15,000-paper import holds it for
seconds, and every answer given meanwhile waits, then fails. :func:`import_in_steps` stores the
same papers, through the same per-paper code (:mod:`studyapp.services.paper_store`), like this:

1. A hidden *staging deck* is created (``Deck.staged_at`` set): no page, count, search, export
   or download shows a staging deck or anything in it, and nobody has review states for its
   cards.
2. The papers the target deck does not hold yet are stored into the staging deck, ``step`` at a
   time, each step its own short write transaction.
3. One short write transaction publishes: the target deck is found (or created); the papers it
   already holds are updated in place, as :func:`import_decks` updates them (edited texts kept,
   corrections stored), and so are papers a concurrent import added meanwhile, whose staged
   copies are dropped; the staged papers move into the target deck with one ``UPDATE``; the
   staging deck goes; and whoever studies the deck is enrolled in its new cards.

So the import stays all-or-nothing as users see it. When anything fails, the staging deck and
the topics this run created are deleted (again in short steps) and the error is raised again:
the database is as it was. A process killed half-way leaves its staging deck behind;
:func:`clear_abandoned_imports` (run by the worker when it starts) removes staging decks that no
step has touched for a while.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from studyapp.db import checkpoint_wal, run_write_unit
from studyapp.extract.drafts import PaperDraft
from studyapp.models import Deck, Paper, PaperTopic, Topic, utcnow
from studyapp.services.enrollment import enroll
from studyapp.services.importing import DeckImport, ImportReport, find_deck, slugify
from studyapp.services.paper_store import (
    chunks,
    ensure_topics,
    existing_papers,
    latest_drafts,
    set_if_changed,
    store_paper,
)

__all__ = [
    "ABANDONED_AFTER",
    "STEP",
    "StagingLost",
    "clear_abandoned_imports",
    "import_in_steps",
]

#: Papers stored per write transaction. Measured on SQLite (``bench/import_during_reviews.py``):
#: a step of this size holds the write lock for well under 50 ms.
STEP = 50
#: A staging deck no step has touched for this long belongs to a run that was killed.
ABANDONED_AFTER = timedelta(minutes=30)
#: Papers the publishing transaction updates per flush, as in ``import_decks``.
_PUBLISH_CHUNK = 500


class StagingLost(RuntimeError):
    """The run's staging deck disappeared under it (cleared as abandoned): nothing was
    published."""


@dataclass(slots=True)
class _Run:
    """What the steps of one run have done so far."""

    staging_id: int
    #: The papers to store, by identity (see ``latest_drafts``).
    drafts: dict[str, PaperDraft]
    #: Counts for the papers stored in the staging deck, and for those the deck holds unchanged.
    staged: ImportReport
    #: Papers the target deck held when their step ran and that importing changes: the
    #: publishing step updates them (the unchanged ones are counted in ``staged``).
    held: list[str] = field(default_factory=list)
    #: The topics of the papers, by slug.
    topics: dict[str, Topic] = field(default_factory=dict)
    #: Topics this run added, removed again if it fails while nothing else uses them.
    topics_added: list[int] = field(default_factory=list)


def import_in_steps(
    session: Session,
    item: DeckImport,
    *,
    progress: Callable[[int], None] | None = None,
    step: int = STEP,
) -> ImportReport:
    """Store ``item``'s papers as :func:`~studyapp.services.importing.import_decks` does, with
    the same result and report, in many short write transactions instead of one long one.

    ``progress`` is called, between transactions, with the number of papers handled since its
    last call. Nobody sees any paper until all are published at once; on any error nothing is
    left behind and the error is raised again.
    """
    if step < 1:
        raise ValueError("step must be at least 1")
    staging_id = run_write_unit(session, lambda: _open_staging(session, item))
    run = _Run(
        staging_id=staging_id,
        drafts=latest_drafts(item.papers),
        staged=ImportReport(deck_id=0, deck_name=item.name),
    )
    try:
        # All of them at once, in the order import_decks adds them.
        slugs = {slug for draft in run.drafts.values() for slug in draft.topics}
        run.topics, run.topics_added = run_write_unit(session, partial(_add_topics, session, slugs))
        for chunk in chunks(list(run.drafts), step):
            _stage(session, item, run, chunk)
            if progress is not None:
                progress(len(chunk))
        with _no_garbage_collection():
            return run_write_unit(session, lambda: _publish(session, item, run))
    except BaseException:
        session.rollback()
        _discard(session, staging_id, topics=run.topics_added, step=step)
        raise


def clear_abandoned_imports(
    session: Session,
    *,
    now: datetime | None = None,
    older_than: timedelta = ABANDONED_AFTER,
) -> int:
    """Delete the staging decks (and their papers) of runs that stopped without cleaning up:
    those no step has touched since ``older_than`` before ``now``. Returns how many."""
    cutoff = (now or utcnow()) - older_than
    with session.begin():
        abandoned = list(session.scalars(select(Deck.id).where(Deck.staged_at < cutoff)))
    for deck_id in abandoned:
        _discard(session, deck_id, topics=(), step=STEP)
    return len(abandoned)


def _open_staging(session: Session, item: DeckImport) -> int:
    # "~" never appears in a slug made by slugify(), so a staging deck can never take the
    # place of a real one; the owner is the real deck's, so deleting the account deletes it.
    deck = Deck(
        owner_id=item.owner_id,
        slug=f"~staging-{uuid.uuid4().hex}",
        name=item.name,
        staged_at=utcnow(),
    )
    session.add(deck)
    session.flush()
    return deck.id


def _staging_deck(session: Session, run: _Run) -> Deck:
    # Read from the database, not the session's identity map: the deck may be gone.
    staging = session.scalars(
        select(Deck).where(Deck.id == run.staging_id).execution_options(populate_existing=True)
    ).one_or_none()
    if staging is None:
        raise StagingLost(run.staging_id)
    return staging


def _stage(session: Session, item: DeckImport, run: _Run, chunk: Sequence[str]) -> None:
    """Store the papers of ``chunk`` the target deck does not hold into the staging deck."""
    # The rows are built in a read transaction, which takes no lock, and only written in the
    # write transaction: building them costs more than writing them.
    report = ImportReport(deck_id=0, deck_name=item.name)
    with session.begin():
        staging = _staging_deck(session, run)
        target = find_deck(session, item)
        held = set() if target is None else _identities_in(session, target.id, chunk)
        new = [identity for identity in chunk if identity not in held]
        for identity in new:
            draft = run.drafts[identity]
            store_paper(
                session, staging, identity, draft, None, run.topics, report, item.corrections
            )
        # In document order, as import_decks writes them.
        order = {identity: position for position, identity in enumerate(new)}
        papers = sorted(
            (row for row in session.new if isinstance(row, Paper)),
            key=lambda paper: order[paper.identity],
        )
        for paper in papers:
            session.expunge(paper)
        if target is not None and held:
            changed = _changed(session, item, run, target, [i for i in chunk if i in held])
        else:
            changed = []
    with _no_garbage_collection():
        run_write_unit(session, partial(_write_step, session, run, papers))
    checkpoint_wal(session)
    _add(run.staged, report)
    run.held += changed


def _changed(
    session: Session, item: DeckImport, run: _Run, deck: Deck, identities: Sequence[str]
) -> list[str]:
    """The papers among ``identities`` (all held by ``deck``) that importing would change:
    only those are left for the publishing transaction. The others are counted now, as
    ``store_paper`` counts them, and the session forgets what trying them did."""
    existing = existing_papers(session, deck.id, identities)
    changed = []
    touched: list[object] = []
    with session.no_autoflush:
        for identity in identities:
            paper = existing.get(identity)
            if paper is None:  # deleted since: the publishing step stores it anew
                changed.append(identity)
                continue
            rows: list[object] = [paper, *paper.texts, *paper.cards]
            rows += [text for card in paper.cards for text in card.texts]
            touched += rows
            report = ImportReport(deck_id=deck.id, deck_name=deck.name)
            draft = run.drafts[identity]
            store_paper(session, deck, identity, draft, paper, run.topics, report, item.corrections)
            if session.new or any(session.is_modified(row) for row in rows):
                changed.append(identity)
                for row in list(session.new):
                    session.expunge(row)
            else:
                _add(run.staged, report)
    # Nothing tried here may reach the database.
    for row in touched:
        session.expire(row)
    return changed


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    """No garbage collection in the block: a full collection over an import's many objects
    takes tens of milliseconds, which must not be spent holding the write lock. Whatever is
    due is collected after the block, the lock released."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _add_topics(session: Session, slugs: set[str]) -> tuple[dict[str, Topic], list[int]]:
    topics = ensure_topics(session, slugs)
    added = [topic for topic in topics.values() if topic in session.new]
    session.flush()
    return topics, [topic.id for topic in added]


def _write_step(session: Session, run: _Run, papers: Sequence[Paper]) -> None:
    staging = _staging_deck(session, run)
    # Touched at every step, so that a long run is never mistaken for an abandoned one.
    staging.staged_at = utcnow()
    session.add_all(papers)
    session.flush()


def _identities_in(session: Session, deck_id: int, identities: Sequence[str]) -> set[str]:
    return set(
        session.scalars(
            select(Paper.identity).where(Paper.deck_id == deck_id, Paper.identity.in_(identities))
        )
    )


def _publish(session: Session, item: DeckImport, run: _Run) -> ImportReport:
    staging = _staging_deck(session, run)
    deck = find_deck(session, item, lock=True)
    clashing: set[str] = set()
    if deck is None:
        # A new deck: the staging deck becomes it, and its papers need not move.
        deck = staging
        set_if_changed(deck, slug=item.slug or slugify(item.name), staged_at=None)
        if item.description is not None:
            set_if_changed(deck, description=item.description)
        session.flush()
    else:
        clashing = _drop_clashing(session, staging.id, deck.id)
        if item.description is not None:
            set_if_changed(deck, name=item.name, description=item.description)
    report = ImportReport(deck_id=deck.id, deck_name=deck.name)
    _add(report, run.staged)
    for identity in clashing:
        # Counted as new when staged; store_paper below counts them again as they are.
        report.papers -= 1
        report.papers_new -= 1
        report.cards_new -= len(run.drafts[identity].cards)
    held = set(run.held) | clashing
    in_place = [identity for identity in run.drafts if identity in held]
    slugs = {slug for identity in in_place for slug in run.drafts[identity].topics}
    topics = ensure_topics(session, slugs)
    for chunk in chunks(in_place, _PUBLISH_CHUNK):
        existing = existing_papers(session, deck.id, chunk)
        for identity in chunk:
            draft = run.drafts[identity]
            store_paper(
                session,
                deck,
                identity,
                draft,
                existing.get(identity),
                topics,
                report,
                item.corrections,
            )
        session.flush()
    if deck is not staging:
        session.execute(
            update(Paper)
            .where(Paper.deck_id == staging.id)
            .values(deck_id=deck.id)
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(Deck).where(Deck.id == staging.id))
        # The rows held in the session still name the staging deck: read them again.
        session.expire_all()
    # Whoever studies this deck gets its new cards in their queue.
    enroll(session, deck.id)
    return report


def _drop_clashing(session: Session, staging_id: int, deck_id: int) -> set[str]:
    """Delete the staged copies of papers a concurrent import put in the deck after their step
    staged them: the deck's copy stays (it may have reviews by now) and is updated instead."""
    staged = select(Paper.identity).where(Paper.deck_id == staging_id)
    clashing = set(
        session.scalars(
            select(Paper.identity).where(Paper.deck_id == deck_id, Paper.identity.in_(staged))
        )
    )
    if clashing:
        session.execute(
            delete(Paper).where(Paper.deck_id == staging_id, Paper.identity.in_(clashing))
        )
    return clashing


def _discard(session: Session, staging_id: int, *, topics: Sequence[int], step: int) -> None:
    """Delete a staging deck and its papers ``step`` at a time, then the ``topics`` a run added
    that no paper uses."""
    while True:
        done = run_write_unit(session, lambda: _discard_step(session, staging_id, step))
        if done:
            break
    if topics:
        unused = ~exists().where(PaperTopic.topic_id == Topic.id)
        run_write_unit(
            session,
            lambda: session.execute(delete(Topic).where(Topic.id.in_(topics), unused)),
        )


def _discard_step(session: Session, staging_id: int, step: int) -> bool:
    papers = list(session.scalars(select(Paper.id).where(Paper.deck_id == staging_id).limit(step)))
    if papers:
        # Cards, texts and topics links go with their paper (ON DELETE CASCADE).
        session.execute(delete(Paper).where(Paper.id.in_(papers)))
        return False
    session.execute(delete(Deck).where(Deck.id == staging_id, Deck.staged_at.is_not(None)))
    return True


def _add(total: ImportReport, part: ImportReport) -> None:
    total.papers += part.papers
    total.papers_new += part.papers_new
    total.cards_new += part.cards_new
    total.cards_updated += part.cards_updated
    total.cards_unchanged += part.cards_unchanged
    total.cards_kept += part.cards_kept
