"""Large imports as background jobs: the preview and the save of a document too large to read
during a request (see the ``INLINE_IMPORT_BYTES`` setting).

A *preview job* carries the document (its text, name, chosen format and where to save it) in
its payload; the worker extracts it and keeps in the job's result what the preview page shows:
the first :data:`PREVIEW_LIMIT` papers as drafts, and counts. A *save job* names its preview
job, extracts the document again in the worker (the drafts of 50,000 papers are not stored),
applies the corrections the user made in the preview, and stores the papers, reporting how
many are saved. Either fails with a stable code (:data:`FAILURES`) and leaves nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.extract import Extraction, Format, extract_text
from studyapp.extract.documents import DocumentError
from studyapp.extract.drafts import PaperDraft
from studyapp.identity import CardKind, paper_identity
from studyapp.models import Job
from studyapp.services import importing, jobs
from studyapp.services.cards import CardTextError
from studyapp.services.import_corrections import (
    CardCorrection,
    Corrected,
    NothingToSave,
    PaperCorrection,
    PreviewMismatch,
    apply_corrections,
)
from studyapp.services.importing import ImportReport
from studyapp.services.importing_steps import StagingLost, clear_abandoned_imports

__all__ = [
    "FAILURES",
    "FETCH_KIND",
    "PREVIEW_KINDS",
    "PREVIEW_KIND",
    "PREVIEW_LIMIT",
    "SAVE_KIND",
    "DocumentJob",
    "ImportJobLine",
    "corrections_from_json",
    "corrections_to_json",
    "deck_name_for",
    "document_failure",
    "preview_of",
    "preview_papers",
    "recent_imports",
    "report_from_json",
    "save_job_of",
    "submit_save",
]

PREVIEW_KIND = "import.preview"
SAVE_KIND = "import.save"
#: A preview of a document at a URL: the worker fetches it first (studyapp.services.url_imports).
FETCH_KIND = "import.fetch"
#: The jobs whose result is a preview, which a save job names.
PREVIEW_KINDS = (PREVIEW_KIND, FETCH_KIND)
#: Papers shown in a preview; a 1,000-paper digest is saved whole but not drawn whole.
PREVIEW_LIMIT = 100
#: Why an import job fails, besides ``document.<problem>`` (a :class:`DocumentError`'s code,
#: followed by ``/<format>`` for ``no_paper``) and the queue's own (``internal``,
#: ``interrupted``).
FAILURES = (
    "import.preview_mismatch",
    "import.deck_gone",
    "import.nothing_to_save",
    "import.bad_correction",
    "import.preview_gone",
)


@dataclass(frozen=True, slots=True)
class DocumentJob:
    """What a preview job reads: the document and where its papers would go."""

    text: str
    #: The document's name for messages (a file's name, or "pasted text" in the reader's
    #: language).
    source: str
    #: An uploaded file's name without its extension, a name for the deck.
    stem: str | None
    #: The format chosen in the form; None: detected.
    format: str | None
    #: "new" or "existing".
    target: str
    #: The new deck's name as given in the form (may be empty).
    deck_name: str
    deck_id: int | None
    #: Where to fetch the document from (a fetch job's), when ``text`` is not known yet.
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentJob:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def deck_name_for(given: str | None, title: str | None, stem: str | None) -> str | None:
    """A new deck's name: the one given, else the document's title, else the file's; the first
    with a printable character in it. None when none has (the page names it then)."""
    names = (importing.clean_deck_name(name or "") for name in (given, title, stem))
    return next((name for name in names if name), None)


def document_failure(error: DocumentError) -> jobs.JobFailed:
    """A document's problem as a job's failure (``document.<problem>[/<format>]``)."""
    code = f"document.{error.code}"
    if error.code == "no_paper":
        code += f"/{error.params['format']}"
    return jobs.JobFailed(code, str(error))


def _extract(document: DocumentJob) -> Extraction:
    try:
        fmt = Format(document.format) if document.format else None
        return extract_text(document.text, source=document.source, fmt=fmt)
    except DocumentError as error:
        raise document_failure(error) from None


@jobs.on_tick
def tidy_up(session: Session, now: datetime) -> None:
    """Once a minute: jobs whose worker died are marked failed, and the hidden papers of an
    import whose worker died are cleared away (neither was ever seen half-done); jobs finished
    a week ago go, with the documents they hold."""
    jobs.fail_interrupted(session, now=now)
    jobs.delete_finished(session, now=now)
    clear_abandoned_imports(session, now=now)


@jobs.handler(PREVIEW_KIND)
def _preview(context: jobs.JobContext) -> dict[str, Any]:
    return preview_of(DocumentJob.from_json(context.payload))


def preview_of(document: DocumentJob) -> dict[str, Any]:
    """What a preview job keeps: the document's first papers and counts (read here)."""
    extraction = _extract(document)
    papers = extraction.papers
    return {
        "format": extraction.format.value,
        "deck_name": deck_name_for(document.deck_name, extraction.document.title, document.stem),
        "papers": len(papers),
        "cards": sum(len(paper.cards) for paper in papers),
        "shown": [paper.to_json() for paper in papers[:PREVIEW_LIMIT]],
    }


def preview_papers(result: dict[str, Any]) -> tuple[PaperDraft, ...]:
    """The papers a finished preview job shows."""
    return tuple(PaperDraft.from_json(paper) for paper in result["shown"])


def corrections_to_json(corrections: Sequence[PaperCorrection]) -> list[dict[str, Any]]:
    return [
        {
            "position": fix.position,
            "identity": fix.identity,
            "keep": fix.keep,
            "method": fix.method,
            "cards": [[card.kind.value, card.front, card.back] for card in fix.cards],
        }
        for fix in corrections
    ]


def corrections_from_json(data: Sequence[dict[str, Any]]) -> list[PaperCorrection]:
    return [
        PaperCorrection(
            position=int(fix["position"]),
            identity=str(fix["identity"]),
            keep=bool(fix["keep"]),
            method=fix["method"],
            cards=tuple(
                CardCorrection(kind=CardKind(kind), front=front, back=back)
                for kind, front, back in fix["cards"]
            ),
        )
        for fix in data
    ]


def save_job_of(session: Session, preview_result: dict[str, Any] | None) -> int | None:
    """The save job a preview's ``result`` records, while it is queued, running or done (a
    second click on "Save" goes to it); None when there is none, or it failed (the preview can
    then be saved again)."""
    with session.begin():
        return _live_save_job(session, preview_result)


def _live_save_job(session: Session, preview_result: dict[str, Any] | None) -> int | None:
    recorded = (preview_result or {}).get("save_job")
    if not recorded:
        return None
    status = session.scalar(select(Job.status).where(Job.id == int(recorded)))
    if status is None or status == "failed":
        return None
    return int(recorded)


def submit_save(
    session: Session, *, preview_id: int, user_id: int, payload: dict[str, Any]
) -> tuple[int, bool]:
    """The save job of the user's finished preview job ``preview_id``, made from ``payload``
    unless it has one already that has not failed (a second click on "Save" while it is
    queued, running or done); returns its id and whether it is new (the caller queues a new
    one). A preview whose save job failed gets a new one, so the save can be tried again.
    Raises :class:`~studyapp.services.jobs.JobNotFound` when ``preview_id`` is not the user's
    finished preview."""
    with write_unit(session):
        preview = session.scalars(
            select(Job).where(Job.id == preview_id).with_for_update()
        ).one_or_none()
        if (
            preview is None
            or preview.user_id != user_id
            or preview.kind not in PREVIEW_KINDS
            or preview.status != "done"
        ):
            raise jobs.JobNotFound(preview_id)
        result = dict(preview.result or {})
        existing = _live_save_job(session, result)
        if existing is not None:
            return existing, False
        job = Job(kind=SAVE_KIND, user_id=user_id, payload={**payload, "preview_job": preview_id})
        session.add(job)
        session.flush()
        preview.result = {**result, "save_job": job.id}
        return job.id, True


def _store(
    session: Session,
    *,
    user_id: int,
    payload: dict[str, Any],
    corrected: Corrected,
    progress: Callable[[int], None],
) -> ImportReport:
    """The one place a save job writes papers: in short steps (``import_in_steps``), so that
    other users' answers never wait long for SQLite's write lock, and progress is reported
    between them; nobody sees the papers before the last step publishes them all."""
    if payload["target"] == "existing":
        return importing.save_into_deck(
            session,
            user_id=user_id,
            deck_id=int(payload["deck_id"]),
            papers=corrected.papers,
            corrections=corrected.corrections,
            progress=progress,
            in_steps=True,
        )
    return importing.save_into_new_deck(
        session,
        user_id=user_id,
        name=str(payload["deck_name"]),
        papers=corrected.papers,
        corrections=corrected.corrections,
        progress=progress,
        in_steps=True,
    )


@jobs.handler(SAVE_KIND)
def _save(context: jobs.JobContext) -> dict[str, Any]:
    session, payload = context.session, context.payload
    with session.begin():
        preview = session.get(Job, int(payload["preview_job"]))
        if preview is None or preview.user_id != context.user_id:
            raise jobs.JobFailed("import.preview_gone", "the preview job is gone")
        document = DocumentJob.from_json(preview.payload)
    assert context.user_id is not None, "a save job is a user's"
    extraction = _extract(document)
    try:
        corrected = apply_corrections(
            extraction.papers, corrections_from_json(payload["corrections"])
        )
    except PreviewMismatch as error:
        raise jobs.JobFailed("import.preview_mismatch", f"position {error}") from None
    except NothingToSave:
        raise jobs.JobFailed("import.nothing_to_save", "every paper was left out") from None
    except CardTextError as error:
        raise jobs.JobFailed("import.bad_correction", repr(error)) from None
    identities = {paper_identity(arxiv_id=p.arxiv_id, title=p.title) for p in corrected.papers}
    context.set_total(len(identities))
    try:
        report = _store(
            session,
            user_id=context.user_id,
            payload=payload,
            corrected=corrected,
            progress=context.progress,
        )
    except importing.DeckNotFound:
        raise jobs.JobFailed("import.deck_gone", "the deck was deleted") from None
    except StagingLost:
        # Its hidden papers were cleared away as abandoned: nothing of it was published.
        raise jobs.JobFailed("interrupted", "the import's hidden papers were cleared") from None
    return {**asdict(report), "left_out": corrected.left_out}


def report_from_json(result: dict[str, Any]) -> ImportReport:
    """The report a finished save job keeps in its result."""
    return ImportReport(**{name: result[name] for name in ImportReport.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class ImportJobLine:
    """One of the user's import jobs, as the import page lists them (without the document)."""

    id: int
    kind: str
    status: str
    done: int
    total: int
    #: The document's name (a preview job) or the deck's (a save job).
    name: str
    created_at: datetime


def recent_imports(session: Session, *, user_id: int, limit: int = 5) -> list[ImportJobLine]:
    """The user's latest import jobs, newest first."""
    source, deck = Job.payload["source"].as_string(), Job.payload["deck_name"].as_string()
    with session.begin():
        rows = session.execute(
            select(Job.id, Job.kind, Job.status, Job.done, Job.total, source, deck, Job.created_at)
            .where(Job.user_id == user_id, Job.kind.in_((*PREVIEW_KINDS, SAVE_KIND)))
            .order_by(Job.id.desc())
            .limit(limit)
        ).all()
    return [
        ImportJobLine(
            id=row[0],
            kind=row[1],
            status=row[2],
            done=row[3],
            total=row[4],
            name=(row[6] if row[1] == SAVE_KIND else row[5]) or "",
            created_at=row[7],
        )
        for row in rows
    ]
