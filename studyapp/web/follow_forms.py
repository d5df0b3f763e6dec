"""The forms of the follows page: subscribing to a series and backfilling a date range; and
what each stored error code of a follow means to its reader, with what to do."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from studyapp.extract.topics import TAXONOMY
from studyapp.services.fetch_addresses import MAX_URL_LENGTH
from studyapp.services.importing import MAX_DECK_NAME, one_line
from studyapp.web.forms import WholeNumberField

__all__ = ["ERROR_ADVICE", "BackfillForm", "FollowForm", "error_advice"]

MAX_VOTES = 100000
MAX_NEW_A_DAY = 1000
_RANGE_MESSAGE = _l("Enter a whole number from %(min)s to %(max)s.")


def _a_number_or_nothing(_form: FlaskForm, field: Field) -> None:
    if field.raw_data and field.raw_data[0].strip() and field.data is None:
        raise StopValidation(_l("Enter a whole number, or leave it empty."))


def _topic_choices() -> list[tuple[str, str]]:
    korean = str(get_locale()) == "ko"
    return [(topic.slug, topic.name_ko if korean else topic.name_en) for topic in TAXONOMY]


class FollowForm(FlaskForm):  # type: ignore[misc]
    source = RadioField(
        _l("Source"),
        choices=[
            SelectChoice("daily_papers_ko", _l("Korean Daily Papers (one digest a weekday)")),
            SelectChoice("url", _l("Another address, with the date in it")),
        ],
        default="daily_papers_ko",
    )
    url = StringField(
        _l("Address template"),
        validators=[Length(max=MAX_URL_LENGTH)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"inputmode": "url", "spellcheck": "false", "placeholder": "https://…/{date}.md"},
    )
    deck_id = SelectField(_l("Deck"), choices=[], default="")
    deck_name = StringField(
        _l("New deck’s name"),
        validators=[Length(max=MAX_DECK_NAME)],
        filters=[lambda value: one_line(value) if isinstance(value, str) else value],
    )
    run_at = TimeField(
        _l("Fetch at (your time zone)"),
        validators=[InputRequired(_l("Enter a time of day, such as 09:00."))],
        default=None,
    )
    min_votes = WholeNumberField(
        _l("At least this many votes"),
        validators=[
            _a_number_or_nothing,
            Optional(),
            NumberRange(0, MAX_VOTES, message=_RANGE_MESSAGE),
        ],
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    topics = SelectMultipleField(_l("Only these topics"), choices=_topic_choices)
    max_new = WholeNumberField(
        _l("At most this many papers a day"),
        validators=[
            _a_number_or_nothing,
            Optional(),
            NumberRange(1, MAX_NEW_A_DAY, message=_RANGE_MESSAGE),
        ],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    start_on = DateField(
        _l("From the day"),
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD"},
    )


class BackfillForm(FlaskForm):  # type: ignore[misc]
    first = DateField(
        _l("From"), validators=[InputRequired(_l("Enter a date, such as 2024-05-13."))]
    )
    last = DateField(_l("To"), validators=[InputRequired(_l("Enter a date, such as 2024-05-13."))])


#: What a follow's last error (a stable code) means, and what to do about it.
ERROR_ADVICE = {
    "fetch.failed": _l(
        "The site could not be reached or answered with an error. It is tried again "
        "automatically; nothing to do unless this lasts for days."
    ),
    "fetch.timeout": _l(
        "The site was too slow to send the digest. It is tried again automatically."
    ),
    "fetch.not_allowed": _l(
        "This server may no longer fetch from the source's site. Ask the administrator to add "
        "it to FETCH_ALLOWED_HOSTS."
    ),
    "fetch.private_address": _l(
        "The source's site points to a private network address, which this server never "
        "fetches from. Follow another address."
    ),
    "fetch.bad_address": _l(
        "The source's address is not one this server can fetch. Delete this follow and "
        "subscribe again with a full https:// address."
    ),
    "follow.gone": _l("The follow was deleted while this ran."),
    "interrupted": _l("The worker stopped while this ran. Start it again."),
}
_UNKNOWN = _l("Something went wrong. Try again; if it happens again, tell the administrator.")


def error_advice(code: str | None) -> str:
    """The sentence for an error code of a follow or of its job."""
    return str(ERROR_ADVICE.get(code or "", _UNKNOWN))
