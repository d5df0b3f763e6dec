"""The import preview's corrections: a tick box per paper, its method name and each card's
front and back, as form fields (validated like the card edit page's), and what they say.

Each paper's fields name it by its position in the document and its identity, so that fields
sent with a summary that changed since the preview are noticed (:class:`PreviewMismatch`)
instead of being applied to other papers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from studyapp.extract.drafts import CardDraft, PaperDraft
from studyapp.identity import CardKind, paper_identity
from studyapp.services import cards, import_corrections
from studyapp.web.ids import read_int

__all__ = ["CardFix", "PaperFix", "PreviewRow", "chosen", "fill", "rows"]


def _card_text(value: Any) -> Any:
    return cards.clean_text(value) if isinstance(value, str) else value


def _method_name(value: Any) -> Any:
    return (import_corrections.clean_method(value) or "") if isinstance(value, str) else value


class CardFix(FlaskForm):  # type: ignore[misc]
    """One card of the preview: its wording, checked like the card edit page's."""

    class Meta:
        csrf = False

    kind = HiddenField()
    front = TextAreaField(
        _l("Front"),
        filters=[_card_text],
        validators=[DataRequired(), Length(max=cards.FRONT_MAX)],
        render_kw={"rows": 2},
    )
    back = TextAreaField(
        _l("Back"),
        filters=[_card_text],
        validators=[DataRequired(), Length(max=cards.BACK_MAX)],
        render_kw={"rows": 3},
    )


class PaperFix(FlaskForm):  # type: ignore[misc]
    """One paper of the preview: whether to save it, its method name and its cards."""

    class Meta:
        csrf = False

    position = HiddenField()
    identity = HiddenField()
    keep = BooleanField(_l("Save this paper"), default=True)
    method = StringField(
        _l("Method"),
        filters=[_method_name],
        validators=[Length(max=import_corrections.METHOD_MAX)],
    )
    cards = FieldList(FormField(CardFix), max_entries=len(CardKind))


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """A paper shown in the preview, with its corrections' fields (``fix`` is a
    :class:`PaperFix`, and each card's a :class:`CardFix`)."""

    #: The paper's place in the document.
    position: int
    paper: PaperDraft
    fix: Any
    cards: tuple[tuple[CardDraft, Any], ...]


def fill(papers_field: Any, papers: Sequence[PaperDraft]) -> None:
    """Set ``papers_field`` (a FieldList of :class:`PaperFix`) to ``papers`` as extracted: all
    ticked, unchanged."""
    while papers_field.entries:
        papers_field.pop_entry()
    papers_field.last_index = -1
    for position, paper in enumerate(papers):
        papers_field.append_entry(
            {
                "position": str(position),
                "identity": paper_identity(arxiv_id=paper.arxiv_id, title=paper.title),
                "keep": True,
                "method": paper.method or "",
                "cards": [
                    {"kind": card.kind.value, "front": card.front, "back": card.back}
                    for card in paper.cards
                ],
            }
        )


def rows(papers_field: Any, papers: Sequence[PaperDraft]) -> tuple[PreviewRow, ...]:
    """The papers the fields are about, each with its fields. Raises
    :class:`~studyapp.services.import_corrections.PreviewMismatch` when the fields sent do not name
    papers of ``papers`` (each once) and their cards."""
    found: list[PreviewRow] = []
    for fix in papers_field:
        sent = fix.form.position.data or ""
        position = read_int(sent, high=len(papers))
        if position is None:
            position = len(papers)
        if position >= len(papers) or any(row.position == position for row in found):
            raise import_corrections.PreviewMismatch(sent)
        paper = papers[position]
        if fix.form.identity.data != paper_identity(arxiv_id=paper.arxiv_id, title=paper.title):
            raise import_corrections.PreviewMismatch(sent)
        by_kind = {entry.form.kind.data: entry for entry in fix.form.cards}
        if sorted(by_kind) != sorted(card.kind.value for card in paper.cards):
            raise import_corrections.PreviewMismatch(sent)
        shown = tuple((card, by_kind[card.kind.value]) for card in paper.cards)
        found.append(PreviewRow(position=position, paper=paper, fix=fix, cards=shown))
    return tuple(found)


def chosen(shown: Sequence[PreviewRow]) -> list[import_corrections.PaperCorrection]:
    """What the fields of ``shown`` say, for :func:`import_corrections.apply_corrections`."""
    return [
        import_corrections.PaperCorrection(
            position=row.position,
            identity=row.fix.form.identity.data,
            keep=bool(row.fix.form.keep.data),
            method=row.fix.form.method.data,
            cards=tuple(
                import_corrections.CardCorrection(
                    kind=card.kind, front=fix.form.front.data, back=fix.form.back.data
                )
                for card, fix in row.cards
            ),
        )
        for row in shown
    ]
