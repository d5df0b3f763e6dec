"""Quiz mode: pick a topic or deck, answer N mixed questions, see the score and what was missed.

The flow is plain forms and links (it works without JavaScript); htmx swaps only the question
card, and ``static/js/quiz.js`` adds keys 1–4 and Enter. A quiz never changes a schedule: the
one action that does — making the missed cards due today — is an explicit button on the results,
which says how many cards it adds to today's queue (and the flash after it says the same).

The start page says how many questions each topic and deck can give, and offers no more; a
quiz asked for more than that starts with what there is and says so above its first question.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import quiz, quiz_missed
from studyapp.services.errors import InvalidAnswer
from studyapp.services.quiz_names import NAME_BLANK
from studyapp.web.auth import current_account, login_required
from studyapp.web.htmx import wants_partial
from studyapp.web.ids import form_id, read_int, read_slug

__all__ = ["bp"]

bp = Blueprint("quiz", __name__, url_prefix="/quiz")

SIZES = (5, 10, 20)


def size_options(choice: quiz.Choice) -> list[tuple[int, bool, bool]]:
    """The sizes a quiz on ``choice`` can be started with, as (size, whether it is every
    question there is, whether it is preselected): never more than it has questions."""
    available = choice.questions
    sizes = [size for size in SIZES if size < available]
    if available <= SIZES[-1]:
        sizes.append(available)
    default = min(quiz.DEFAULT_SIZE, available)
    if default not in sizes:
        default = max(size for size in sizes if size <= default)
    return [(size, size == available, size == default) for size in sizes]


@bp.app_template_filter("name_blanks")
def name_blanks(text: str) -> Markup:
    """Quiz text with each blanked name drawn as one blank that says what it hides; everything
    else escaped (text already marked safe, as ``cloze`` gives it, is kept)."""
    label = escape(_("a name, hidden"))
    blank = f'<span class="name-blank" role="img" aria-label="{label}">{NAME_BLANK}</span>'
    return Markup(str(escape(text)).replace(NAME_BLANK, blank))  # noqa: S704 - escaped text


def _choices_page(status: int = 200, problem: str | None = None) -> ResponseReturnValue:
    user_id = current_account().id
    lang = str(get_locale())
    return (
        render_template(
            "quiz/index.html",
            topics=quiz.topic_choices(get_session(), user_id, lang=lang),
            decks=quiz.deck_choices(get_session(), user_id),
            size_options=size_options,
            min_cards=quiz.MIN_CARDS,
            problem=problem,
        ),
        status,
    )


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    return _choices_page()


@bp.post("")
@login_required
def start() -> ResponseReturnValue:
    topic_raw = request.form.get("topic") or None
    deck_raw = request.form.get("deck") or None
    if (topic_raw is None) == (deck_raw is None):
        abort(400)
    topic, deck_id = read_slug(topic_raw), form_id(deck_raw)
    if topic is None and deck_id is None:
        abort(404)  # no topic or deck can be called that
    # Any size the service clamps to what a quiz can be; anything else asks for the default.
    size = read_int(request.form.get("size"))
    if size is None:
        size = quiz.DEFAULT_SIZE
    try:
        quiz_id = quiz.start(
            get_session(),
            current_account().id,
            lang=str(get_locale()),
            now=utcnow(),
            topic=topic,
            deck_id=deck_id,
            size=size,
        )
    except quiz.TooFewCards as few:
        problem = ngettext(
            "There is only %(num)d card to quiz you on there; a quiz needs at least %(min)d. "
            "Choose a bigger topic or deck, or add a library deck first.",
            "There are only %(num)d cards to quiz you on there; a quiz needs at least %(min)d. "
            "Choose a bigger topic or deck, or add a library deck first.",
            few.available,
            min=quiz.MIN_CARDS,
        )
        return _choices_page(422, problem)
    asked = len(_result(quiz_id).questions)
    if asked < min(size, quiz.MAX_SIZE):
        # Said before the first question: the quiz is shorter than the one asked for.
        if topic is not None:
            shorter = ngettext(
                "Only %(num)d question is available for this topic; the quiz will have %(num)d.",
                "Only %(num)d questions are available for this topic; the quiz will have %(num)d.",
                asked,
            )
        else:
            shorter = ngettext(
                "Only %(num)d question is available for this deck; the quiz will have %(num)d.",
                "Only %(num)d questions are available for this deck; the quiz will have %(num)d.",
                asked,
            )
        flash(shorter, "info")
    return redirect(url_for("quiz.take", quiz_id=quiz_id), code=303)


def _result(quiz_id: int) -> quiz.QuizResult:
    return quiz.result(get_session(), current_account().id, quiz_id)


def _question_page(
    found: quiz.QuizResult, position: int, status: int = 200, problem: str | None = None
) -> ResponseReturnValue:
    question = found.at(position)
    if question is None:
        abort(404)
    context = {"result": found, "question": question, "problem": problem}
    template = "quiz/_question.html" if wants_partial() else "quiz/take.html"
    return render_template(template, **context), status


@bp.get("/<int:quiz_id>")
@login_required
def take(quiz_id: int) -> ResponseReturnValue:
    """The first unanswered question, or ``?q=N`` to see question N's feedback again."""
    found = _result(quiz_id)
    asked = form_id(request.args.get("q"))
    if asked is not None and found.at(asked) is not None:
        return _question_page(found, asked)
    unanswered = next((q for q in found.questions if q.answered_at is None), None)
    if unanswered is None:
        return redirect(url_for("quiz.results", quiz_id=quiz_id))
    return _question_page(found, unanswered.position)


@bp.post("/<int:quiz_id>/answer")
@login_required
def answer(quiz_id: int) -> ResponseReturnValue:
    position = form_id(request.form.get("position"))
    if position is None:
        abort(400)
    given = request.form.get("choice") or request.form.get("typed") or ""
    try:
        quiz.answer(
            get_session(),
            current_account().id,
            quiz_id,
            position,
            given=given,
            now=utcnow(),
        )
    except InvalidAnswer:
        found = _result(quiz_id)
        problem = _("Type a number, or choose one of the answers.")
        return _question_page(found, position, 422, problem)
    found = _result(quiz_id)
    if wants_partial():
        return _question_page(found, position)
    return redirect(url_for("quiz.take", quiz_id=quiz_id, q=position), code=303)


@bp.get("/<int:quiz_id>/results")
@login_required
def results(quiz_id: int) -> ResponseReturnValue:
    found = _result(quiz_id)
    plan = None
    if found.missed:
        plan = quiz_missed.missed_plan(get_session(), current_account().id, quiz_id, now=utcnow())
    return render_template("quiz/results.html", result=found, plan=plan)


@bp.post("/<int:quiz_id>/missed")
@login_required
def missed(quiz_id: int) -> ResponseReturnValue:
    account = current_account()
    moved = quiz_missed.make_missed_due(get_session(), account.id, quiz_id, now=utcnow())
    if moved:
        # The number the button said, and what today's queue grew by.
        flash(
            ngettext(
                "%(num)d missed card joined today's reviews.",
                "%(num)d missed cards joined today's reviews.",
                moved,
            ),
            "ok",
        )
    else:
        flash(_("No missed card was added to today's reviews."), "info")
    return redirect(url_for("quiz.results", quiz_id=quiz_id), code=303)
