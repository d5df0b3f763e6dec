"""The library: the user's decks and the shared ones, search, decks, papers and their cards.

Every id in a URL is checked against the signed-in user: another user's deck, paper or card
answers 404, exactly like an id that does not exist. The suspend switch is one partial,
``library/_suspend.html``, included by the deck and paper pages and returned alone to htmx;
without JavaScript it is a form answered with a 303 back to the page it came from.

Editing a card changes the text the user sees: its wording in the interface language when the
card has one, else in the card's own language. The form remembers which language it was opened
in, so switching the interface language meanwhile cannot save over the other wording.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import cards, decks
from studyapp.srs.calendar import local_day
from studyapp.web.auth import current_account, login_required, safe_next
from studyapp.web.htmx import wants_partial

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
        context["results"] = decks.search(get_session(), user_id, query)
    else:
        context["overview"] = decks.library_overview(
            get_session(), user_id, today=_today_for_user()
        )
    template = "library/_main.html" if wants_partial() else "library/index.html"
    return render_template(template, **context)


@bp.get("/library/decks/<int:deck_id>")
@login_required
def deck(deck_id: int) -> ResponseReturnValue:
    page = request.args.get("page", "1")
    try:
        view = decks.deck_page(
            get_session(),
            current_account().id,
            deck_id,
            lang=_ui_lang(),
            today=_today_for_user(),
            page=int(page) if page.isdigit() else 1,
        )
    except LookupError:
        abort(404)
    return render_template("library/deck.html", view=view, page_url=_this_page())


@bp.post("/library/decks/<int:deck_id>/add")
@login_required
def add_deck(deck_id: int) -> ResponseReturnValue:
    try:
        result = decks.add_to_my_cards(get_session(), current_account().id, deck_id)
    except LookupError:
        abort(404)
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
    try:
        view = decks.paper_detail(get_session(), current_account().id, paper_id, lang=_ui_lang())
    except LookupError:
        abort(404)
    return render_template("library/paper.html", view=view, page_url=_this_page())


@bp.post("/cards/<int:card_id>/suspend")
@login_required
def suspend(card_id: int) -> ResponseReturnValue:
    wanted = request.form.get("suspended", "")
    if wanted not in ("0", "1"):
        abort(400)
    try:
        result = cards.set_suspended(
            get_session(), current_account().id, card_id, suspended=wanted == "1"
        )
    except LookupError:
        abort(404)
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
    try:
        card = cards.editable_card(get_session(), user_id, card_id)
    except LookupError:
        abort(404)
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
