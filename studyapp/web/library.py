"""The library: the user's decks and the shared ones, search, decks, papers and their cards.

Every id in a URL is checked against the signed-in user: another user's deck, paper or card
answers 404, exactly like an id that does not exist. The suspend switch is one partial,
``library/_suspend.html``, included by the deck and paper pages and returned alone to htmx;
without JavaScript it is a form answered with a 303 back to the page it came from.

Editing a card changes the text the user sees: its wording in the interface language when the
card has one, else in the card's own language. The form remembers which language it was opened
in, so switching the interface language meanwhile cannot save over the other wording.

Managing what the user has (:mod:`studyapp.services.my_decks`): renaming and deleting their own
decks, deleting a card of theirs, moving a paper between their decks, and removing a library
deck from their cards. What deletes or removes asks first, on a page of its own that says what
goes with it (a link, so it works without JavaScript too), then posts. Sent twice, the second
request finds nothing left to do and says so, with a 303 like the first: a deck or card
already gone is reported exactly like another user's, which tells nothing about theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import card_memory, cards, importing, library, my_decks, paper_views
from studyapp.srs.calendar import local_day
from studyapp.web.auth import current_account, login_required, safe_next
from studyapp.web.htmx import wants_partial
from studyapp.web.ids import form_id, read_int

__all__ = ["CardTextForm", "bp"]

bp = Blueprint("library", __name__)


def _clean(value: Any) -> Any:
    return cards.clean_text(value) if isinstance(value, str) else value


class CardTextForm(FlaskForm):  # type: ignore[misc]
    text_lang = HiddenField()
    front = TextAreaField(
        _l("Front"),
        filters=[_clean],
        validators=[DataRequired(), Length(max=cards.FRONT_MAX)],
        render_kw={"rows": 3},
    )
    back = TextAreaField(
        _l("Back"),
        filters=[_clean],
        validators=[DataRequired(), Length(max=cards.BACK_MAX)],
        render_kw={"rows": 4},
    )
    source_sentence = TextAreaField(
        _l("Source sentence (optional)"),
        filters=[_clean],
        validators=[Optional(), Length(max=cards.SOURCE_MAX)],
        render_kw={"rows": 4},
    )


def _one_line(value: Any) -> Any:
    return importing.one_line(value) if isinstance(value, str) else value


class DeckNameForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name"),
        filters=[_one_line],
        validators=[DataRequired(), Length(max=importing.MAX_DECK_NAME)],
    )


def _ui_lang() -> str:
    return str(get_locale())


def _today_for_user() -> date:
    return local_day(utcnow(), current_account().timezone)


def _this_page() -> str:
    """This page's path and query, for forms that come back to it."""
    return request.full_path.rstrip("?")


@bp.get("/library")
@login_required
def index() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    user_id = current_account().id
    context: dict[str, Any] = {"query": query}
    if query:
        context["results"] = library.search(get_session(), user_id, query)
    else:
        context["overview"] = library.library_overview(
            get_session(), user_id, today=_today_for_user()
        )
    template = "library/_main.html" if wants_partial() else "library/index.html"
    return render_template(template, **context)


@bp.get("/library/decks/<int:deck_id>")
@login_required
def deck(deck_id: int) -> ResponseReturnValue:
    # A page past the end shows the last one; one that is not a page number, the first.
    page = read_int(request.args.get("page"), low=1)
    view = library.deck_page(
        get_session(),
        current_account().id,
        deck_id,
        lang=_ui_lang(),
        today=_today_for_user(),
        page=page or 1,
    )
    memories = _memories(view.papers)
    return render_template("library/deck.html", view=view, page_url=_this_page(), memories=memories)


@bp.post("/library/decks/<int:deck_id>/add")
@login_required
def add_deck(deck_id: int) -> ResponseReturnValue:
    result = library.add_to_my_cards(get_session(), current_account().id, deck_id)
    if result.added:
        message = ngettext(
            "Added “%(deck)s” to your cards: %(num)d card to learn.",
            "Added “%(deck)s” to your cards: %(num)d cards to learn.",
            result.cards,
            deck=result.deck_name,
        )
        flash(message, "ok")
    else:
        flash(_("“%(deck)s” is already in your cards.", deck=result.deck_name), "info")
    return redirect(
        safe_next(request.form.get("next"), fallback=url_for("library.index")), code=303
    )


@bp.get("/papers/<int:paper_id>")
@login_required
def paper(paper_id: int) -> ResponseReturnValue:
    view = library.paper_detail(get_session(), current_account().id, paper_id, lang=_ui_lang())
    return _paper_page(view, page_url=_this_page())


def _paper_page(
    view: paper_views.PaperView, *, page_url: str, move_error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    targets: list[my_decks.OwnDeck] = []
    if view.editable:
        targets = [
            deck
            for deck in my_decks.own_decks(get_session(), current_account().id)
            if deck.id != view.paper.deck_id
        ]
    page = render_template(
        "library/paper.html",
        view=view,
        page_url=page_url,
        memories=_memories((view,)),
        move_targets=targets,
        move_error=move_error,
    )
    return page, status


def _memories(papers: Iterable[paper_views.PaperView]) -> dict[int, card_memory.CardMemory]:
    """FSRS's memory of each card shown that FSRS keeps, by card id."""
    states = (cv.state for pv in papers for cv in pv.cards)
    return card_memory.memories_of(states, current_account().scheduling, now=utcnow())


@bp.post("/cards/<int:card_id>/suspend")
@login_required
def suspend(card_id: int) -> ResponseReturnValue:
    wanted = request.form.get("suspended", "")
    if wanted not in ("0", "1"):
        abort(400)
    result = cards.set_suspended(
        get_session(), current_account().id, card_id, suspended=wanted == "1"
    )
    back = safe_next(
        request.form.get("next"), fallback=url_for("library.deck", deck_id=result.deck_id)
    )
    if wants_partial():
        return render_template(
            "library/_suspend.html", card_id=card_id, suspended=result.suspended, back=back
        )
    if result.suspended:
        flash(_("Card suspended: it stays out of your reviews until you resume it."), "info")
    else:
        flash(_("Card resumed: it is back in your reviews."), "ok")
    return redirect(back, code=303)


@bp.route("/cards/<int:card_id>/edit", methods=["GET", "POST"])
@login_required
def edit_card(card_id: int) -> ResponseReturnValue:
    user_id = current_account().id
    card = cards.editable_card(get_session(), user_id, card_id)
    text = card.text(request.form.get("text_lang") or _ui_lang())
    form = CardTextForm(obj=text if request.method == "GET" else None, text_lang=text.lang)
    back = safe_next(
        request.values.get("next"), fallback=url_for("library.paper", paper_id=card.paper_id)
    )
    if form.validate_on_submit():
        fields = {name: form[name].data for name in ("front", "back", "source_sentence")}
        cards.edit_text(get_session(), user_id, card_id, lang=text.lang, **fields)
        flash(_("Card saved."), "ok")
        return redirect(back, code=303)
    page = render_template("library/edit_card.html", form=form, card=card, text=text, back=back)
    return page, 200 if request.method == "GET" else 422


# ---- Managing decks, papers and cards ----------------------------------------------------


@bp.route("/library/decks/<int:deck_id>/rename", methods=["GET", "POST"])
@login_required
def rename_deck(deck_id: int) -> ResponseReturnValue:
    user_id = current_account().id
    try:
        deck = my_decks.own_deck_contents(get_session(), user_id, deck_id)
    except my_decks.DeckNotFound:
        abort(404)
    form = DeckNameForm(data={"name": deck.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            renamed = my_decks.rename_deck(get_session(), user_id, deck_id, form.name.data)
        except my_decks.DeckNotFound:
            abort(404)
        except my_decks.DeckNameRequired:
            form.name.errors.append(_("A deck needs a name."))
        except my_decks.DeckNameTaken as taken:
            form.name.errors.append(
                _("You already have a deck called “%(name)s”.", name=taken.name)
            )
        else:
            if renamed.changed:
                flash(
                    _("Renamed “%(old)s” to “%(new)s”.", old=renamed.old_name, new=renamed.name),
                    "ok",
                )
            return redirect(url_for("library.deck", deck_id=deck_id), code=303)
    page = render_template("library/rename_deck.html", form=form, deck=deck)
    return page, 200 if request.method == "GET" else 422


@bp.route("/library/decks/<int:deck_id>/delete", methods=["GET", "POST"])
@login_required
def delete_deck(deck_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    if request.method == "GET":
        try:
            deck = my_decks.own_deck_contents(session, user_id, deck_id)
        except my_decks.DeckNotFound:
            abort(404)
        return render_template("library/delete_deck.html", deck=deck)
    try:
        deleted = my_decks.delete_deck(session, user_id, deck_id)
    except my_decks.DeckNotFound:
        # Deleted already (a second click), or never the user's to delete.
        flash(_("That deck is not among yours (any more): nothing was deleted."), "info")
    else:
        message = ngettext(
            "Deleted “%(deck)s” and its %(num)d card.",
            "Deleted “%(deck)s” and its %(num)d cards.",
            deleted.cards,
            deck=deleted.name,
        )
        flash(message, "ok")
    return redirect(url_for("library.index"), code=303)


@bp.route("/library/decks/<int:deck_id>/remove", methods=["GET", "POST"])
@login_required
def remove_deck(deck_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    back = safe_next(request.values.get("next"), fallback=url_for("library.index"))
    try:
        if request.method == "GET":
            deck = my_decks.enrollment(session, user_id, deck_id)
            return render_template("library/remove_deck.html", deck=deck, back=back)
        removed = my_decks.remove_from_my_cards(session, user_id, deck_id)
    except my_decks.DeckNotFound:
        abort(404)
    if removed.added:
        flash(
            _(
                "Removed “%(deck)s” from your cards. Your answers to its cards stay in your "
                "history.",
                deck=removed.name,
            ),
            "ok",
        )
    else:
        flash(_("“%(deck)s” is not in your cards.", deck=removed.name), "info")
    return redirect(back, code=303)


@bp.route("/cards/<int:card_id>/delete", methods=["GET", "POST"])
@login_required
def delete_card(card_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    if request.method == "GET":
        try:
            card = cards.card_deletion(session, user_id, card_id)
        except cards.CardNotFound:
            abort(404)
        back = safe_next(
            request.args.get("next"), fallback=url_for("library.paper", paper_id=card.paper_id)
        )
        return render_template("library/delete_card.html", card=card, back=back)
    back = safe_next(request.form.get("next"), fallback=url_for("library.index"))
    try:
        deleted = cards.delete_card(session, user_id, card_id)
    except cards.CardNotFound:
        flash(_("That card is not among yours (any more): nothing was deleted."), "info")
    else:
        message = ngettext(
            "Card deleted, with %(num)d logged answer.",
            "Card deleted, with %(num)d logged answers.",
            deleted.answers,
        )
        flash(message, "ok")
    return redirect(back, code=303)


@bp.post("/papers/<int:paper_id>/move")
@login_required
def move_paper(paper_id: int) -> ResponseReturnValue:
    session, user_id = get_session(), current_account().id
    target = form_id(request.form.get("deck_id"))
    problem = _("Choose one of your decks.")
    if target is not None:
        try:
            moved = my_decks.move_paper(session, user_id, paper_id, target)
        except my_decks.PaperNotFound:
            abort(404)
        except my_decks.DeckNotFound:
            pass
        except my_decks.PaperAlreadyInDeck as clash:
            problem = _(
                "“%(deck)s” holds this paper already: a deck holds each paper once.",
                deck=clash.deck_name,
            )
        else:
            if moved.moved:
                message = ngettext(
                    "Moved “%(paper)s” and its %(num)d card to “%(deck)s”.",
                    "Moved “%(paper)s” and its %(num)d cards to “%(deck)s”.",
                    moved.cards,
                    paper=moved.paper_title,
                    deck=moved.to_name,
                )
                flash(message, "ok")
            else:
                already = _(
                    "“%(paper)s” is in “%(deck)s” already.",
                    paper=moved.paper_title,
                    deck=moved.to_name,
                )
                flash(already, "info")
            return redirect(url_for("library.paper", paper_id=paper_id), code=303)
    view = library.paper_detail(session, user_id, paper_id, lang=_ui_lang())
    if not view.editable:
        abort(404)
    page_url = url_for("library.paper", paper_id=paper_id)
    return _paper_page(view, page_url=page_url, move_error=problem, status=422)
