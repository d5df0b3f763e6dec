"""Personal settings: interface language, time zone, daily limits, the grade buttons and
whether a paper's other card waits until tomorrow."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from studyapp.db import get_session
from studyapp.i18n import locale_for
from studyapp.services import accounts
from studyapp.web.account_forms import TimezoneField
from studyapp.web.auth import Account, current_account, login_required
from studyapp.web.forms import WholeNumberField

__all__ = ["bp"]

bp = Blueprint("settings", __name__)

MAX_NEW_CARDS = 9999
MAX_REVIEWS = 99999
_RANGE_MESSAGE = _l("Enter a whole number from %(min)s to %(max)s.")


def _is_a_number(_form: FlaskForm, field: Field) -> None:
    # Not a number at all: "Not a valid integer value." already says so, and enough.
    if field.data is None:
        raise StopValidation()


class SettingsForm(FlaskForm):  # type: ignore[misc]
    # Language names are written in their own language, as in the switch on every page.
    locale = SelectField(
        _l("Interface language"),
        choices=[
            SelectChoice("", _l("Follow the browser")),
            SelectChoice("ko", "한국어", render_kw={"lang": "ko"}),
            SelectChoice("en", "English", render_kw={"lang": "en"}),
        ],
        default="",
    )
    timezone = TimezoneField(_l("Time zone"), default="UTC")
    new_cards_per_day = WholeNumberField(
        _l("New cards per day"),
        validators=[
            InputRequired(),
            _is_a_number,
            NumberRange(0, MAX_NEW_CARDS, message=_RANGE_MESSAGE),
        ],
        render_kw={"min": 0, "max": MAX_NEW_CARDS, "inputmode": "numeric"},
        default=20,
    )
    reviews_per_day = WholeNumberField(
        _l("Reviews per day"),
        validators=[
            InputRequired(),
            _is_a_number,
            NumberRange(0, MAX_REVIEWS, message=_RANGE_MESSAGE),
        ],
        render_kw={"min": 0, "max": MAX_REVIEWS, "inputmode": "numeric"},
        default=200,
    )
    grade_buttons = RadioField(
        _l("Grade buttons"),
        choices=[
            SelectChoice("six", _l("Six SM-2 grades, 0 to 5")),
            SelectChoice("four", _l("Four buttons: Again, Hard, Good, Easy")),
        ],
        default="six",
    )
    bury_siblings = BooleanField(_l("Hold back a paper's other card until tomorrow"), default=True)


def _initial(account: Account) -> dict[str, object]:
    return {
        "locale": account.locale or "",
        "timezone": account.timezone,
        "new_cards_per_day": account.new_cards_per_day,
        "reviews_per_day": account.reviews_per_day,
        "grade_buttons": "four" if account.four_grade_buttons else "six",
        "bury_siblings": account.bury_siblings,
    }


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def edit() -> ResponseReturnValue:
    account = current_account()
    form = SettingsForm(data=_initial(account))
    if form.validate_on_submit():
        chosen = form.locale.data or None
        try:
            accounts.update_settings(
                get_session(),
                account.id,
                accounts.Settings(
                    locale=chosen,
                    timezone=form.timezone.data,
                    new_cards_per_day=form.new_cards_per_day.data,
                    reviews_per_day=form.reviews_per_day.data,
                    four_grade_buttons=form.grade_buttons.data == "four",
                    bury_siblings=bool(form.bury_siblings.data),
                ),
            )
        except accounts.UnknownTimezone:
            form.timezone.errors.append(_("Choose a time zone from the list."))
        else:
            # The flash is written now and read on the next page, in that page's language.
            with force_locale(locale_for(chosen)):
                flash(_("Settings saved."), "ok")
            return redirect(url_for("settings.edit"), code=303)
    status = 200 if request.method == "GET" else 422
    return render_template("settings/edit.html", form=form), status
