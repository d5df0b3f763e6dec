"""The export page: choose decks or a topic and a language, download an Anki package."""

from __future__ import annotations

from collections.abc import Collection
from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from markupsafe import Markup

from studyapp.apkg.package import package_bytes
from studyapp.db import get_session
from studyapp.services import export
from studyapp.services.importing import clean_deck_name
from studyapp.web.auth import current_account, login_required
from studyapp.web.ids import form_id, read_slug

bp = Blueprint("export", __name__)

_LANGS = ("ko", "en")


def _page(
    *,
    problem: str | None = None,
    decks: Collection[int] | None = None,
    card_lang: str = "",
    schedule: bool = True,
) -> ResponseReturnValue:
    """The export page; after a refused download, with the problem said over the deck form
    and the reader's choices (decks ticked, card language, progress or not) kept."""
    user_id, lang = current_account().id, str(get_locale())
    # Not inside the f-string below: the message extractor does not look into f-strings.
    # Translators: the placeholder in the name of the deck a topic is exported to.
    placeholder = gettext("topic")
    page = render_template(
        "export/page.html",
        decks=export.exportable_decks(get_session(), user_id),
        topics=export.exportable_topics(get_session(), user_id, lang=lang),
        default_lang=lang,
        card_lang=card_lang or lang,
        chosen=decks,
        schedule=schedule,
        problem=problem,
        # Spelled out here rather than in the message, where "<topic>" would be read as a tag;
        # Markup.format escapes it.
        topic_deck=Markup("<code>{}</code>").format(f"{export.TOPIC_ROOT}::<{placeholder}>"),
    )
    return (page, 422) if problem else page


@bp.get("/export")
@login_required
def page() -> ResponseReturnValue:
    return _page()


def _with_schedule() -> bool | None:
    """Whether the reader asked for their progress: the form sends ``schedule=0`` from a hidden
    input and then ``schedule=1`` from the checkbox when it is ticked, so the last value
    counts; none at all (a link made by hand) means the page's default, with progress. None:
    a value the form never sends."""
    values = request.args.getlist("schedule")
    if any(value not in ("0", "1") for value in values):
        return None
    return not values or values[-1] == "1"


@bp.get("/export/download")
@login_required
def download() -> ResponseReturnValue:
    """The .apkg for ``?deck=ID`` (repeatable) or ``?topic=SLUG``, in ``?lang=``, with the
    reader's progress unless ``?schedule=0``."""
    lang = request.args.get("card_lang", "en")
    read = [form_id(d) for d in request.args.getlist("deck")]
    topic = request.args.get("topic", "")
    schedule = _with_schedule()
    if lang not in _LANGS or (read and topic) or schedule is None:
        abort(400)
    deck_ids = [deck_id for deck_id in read if deck_id is not None]
    if len(deck_ids) < len(read) or (topic and read_slug(topic) is None):
        abort(404)  # an id or a slug no deck or topic can have, like another user's
    if not deck_ids and not topic:
        # The deck form sent with no deck ticked.
        return _page(
            problem=gettext("Tick at least one deck to export."),
            decks=(),
            card_lang=lang,
            schedule=schedule,
        )
    account = current_account()
    user_id = account.id
    try:
        if topic:
            notes = export.notes_for_topic(get_session(), topic, lang=lang, user_id=user_id)
            name = notes[0].deck.replace("::", " - ")
        else:
            notes = export.notes_for_decks(get_session(), deck_ids, lang=lang, user_id=user_id)
            name = notes[0].deck if len(deck_ids) == 1 and notes else "Paper flashcards"
    except export.UnknownSelection:
        abort(404)
    progress = None
    if schedule:
        progress = export.progress_for(get_session(), user_id, {note.guid for note in notes})
    data = BytesIO(package_bytes(notes, progress=progress, timezone=account.timezone))
    # A name stored before deck names were kept on one line must not break the header.
    name = clean_deck_name(name) or "Paper flashcards"
    # send_file writes both filename= (ASCII) and filename*= (RFC 5987) for Korean names.
    return send_file(
        data, mimetype="application/apkg", as_attachment=True, download_name=f"{name}.apkg"
    )
