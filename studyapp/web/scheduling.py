"""The scheduling settings: SM-2 or FSRS, FSRS's desired retention, and the longest interval.

Saving calls :func:`studyapp.services.scheduling.update_scheduling`, which switches every card
when the scheduler changes; the flash says what the switch did to them.
"""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import Field, RadioField, SelectChoice, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    StopValidation,
    ValidationError,
)

from studyapp.db import get_session
from studyapp.services import scheduling
from studyapp.srs import fsrs
from studyapp.srs.schedule import SchedulerName
from studyapp.web.auth import Account, current_account, login_required
from studyapp.web.forms import WholeNumberField

__all__ = ["SchedulingForm", "bp", "switch_message"]

bp = Blueprint("scheduling", __name__)

_RETENTION_MESSAGE = _l("Enter a number from 0.70 to 0.97, such as 0.90.")
_INTERVAL_MESSAGE = _l("Enter a whole number of days from 1 to 36500.")
#: A decimal as people type it: ASCII digits with at most one point ("0.9", ".85", "1").
_DECIMAL = re.compile(r"[0-9]{0,3}(\.[0-9]{1,6})?")


def _is_a_number(_form: FlaskForm, field: Field) -> None:
    # Not a number at all: "Not a valid integer value." already says so.
    if field.data is None:
        raise StopValidation()


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _retention(_form: FlaskForm, field: Field) -> None:
    # Read by hand, not by float(): that takes "nan", "1e-1" and Arabic-Indic digits.
    raw = field.data or ""
    if not _DECIMAL.fullmatch(raw):
        raise StopValidation(str(_RETENTION_MESSAGE))
    if not fsrs.MIN_RETENTION <= float(raw) <= fsrs.MAX_RETENTION:
        raise ValidationError(str(_RETENTION_MESSAGE))


class SchedulingForm(FlaskForm):  # type: ignore[misc]
    scheduler = RadioField(
        _l("Scheduler"),
        choices=[
            SelectChoice(SchedulerName.SM2.value, _l("SM-2: the classic, six grades")),
            SelectChoice(
                SchedulerName.FSRS.value, _l("FSRS: Anki’s modern scheduler, four buttons")
            ),
        ],
        default=SchedulerName.SM2.value,
    )
    desired_retention = StringField(
        _l("Desired retention"),
        filters=[_stripped],
        validators=[DataRequired(), _retention],
        render_kw={
            "type": "number",
            "min": fsrs.MIN_RETENTION,
            "max": fsrs.MAX_RETENTION,
            "step": "0.01",
            "inputmode": "decimal",
        },
    )
    maximum_interval = WholeNumberField(
        _l("Maximum interval (days)"),
        validators=[
            InputRequired(),
            _is_a_number,
            NumberRange(1, scheduling.MAX_INTERVAL_LIMIT, message=_INTERVAL_MESSAGE),
        ],
        render_kw={"min": 1, "max": scheduling.MAX_INTERVAL_LIMIT, "inputmode": "numeric"},
    )


def _initial(account: Account) -> dict[str, object]:
    return {
        "scheduler": account.scheduler.value,
        "desired_retention": f"{account.desired_retention:.2f}",
        "maximum_interval": account.maximum_interval,
    }


def switch_message(switched: scheduling.Switched) -> str:
    """What saving did, in the page's language: which scheduler now keeps the cards and, for
    FSRS, how their memory was built."""
    if not switched.switched:
        return str(_("Scheduling settings saved."))
    if switched.after is SchedulerName.SM2:
        return str(_("Switched to SM-2: your cards keep their due dates."))
    parts = [
        ngettext(
            "%(num)d card rebuilt from its review history",
            "%(num)d cards rebuilt from their review history",
            switched.replayed,
        )
        if switched.replayed
        else "",
        ngettext(
            "%(num)d card from its ease and interval",
            "%(num)d cards from their ease and interval",
            switched.from_ease,
        )
        if switched.from_ease
        else "",
        ngettext("%(num)d new card", "%(num)d new cards", switched.new) if switched.new else "",
    ]
    done = [part for part in parts if part]
    if not done:
        return str(_("Switched to FSRS."))
    return str(_("Switched to FSRS: %(cards)s.", cards=", ".join(done)))


def _fit_url() -> str | None:
    # The optimizer page is its own blueprint; an app without it simply offers no link.
    try:
        return url_for("fsrs_fit.page")
    except BuildError:
        return None


@bp.route("/settings/scheduling", methods=["GET", "POST"])
@login_required
def edit() -> ResponseReturnValue:
    account = current_account()
    form = SchedulingForm(data=_initial(account))
    if form.validate_on_submit():
        change = scheduling.SchedulingChange(
            scheduler=SchedulerName(form.scheduler.data),
            desired_retention=float(form.desired_retention.data),
            maximum_interval=form.maximum_interval.data,
        )
        try:
            switched = scheduling.update_scheduling(get_session(), account.id, change)
        except scheduling.RetentionOutOfRange:
            form.desired_retention.errors.append(str(_RETENTION_MESSAGE))
        except scheduling.IntervalOutOfRange:
            form.maximum_interval.errors.append(str(_INTERVAL_MESSAGE))
        else:
            flash(switch_message(switched), "ok")
            return redirect(url_for("scheduling.edit"), code=303)
    status = 200 if request.method == "GET" else 422
    fsrs_on = account.scheduler is SchedulerName.FSRS
    page = render_template(
        "settings/scheduling.html", form=form, fit_url=_fit_url() if fsrs_on else None
    )
    return page, status
