"""The page that fits FSRS's parameters to the user's own reviews: start a fit, watch it run,
see how it scored against the defaults, and apply it (or go back to the defaults).

The fit runs as a job (:mod:`studyapp.services.fsrs_fitting`). While it runs, the job's part of
the page polls itself with htmx every second, and stops once the job is finished; without
JavaScript the reader follows the "Check again" link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import fsrs_fitting
from studyapp.services.fsrs_fitting import FittingState
from studyapp.services.jobs import JobView
from studyapp.srs.fsrs_fit import Fit
from studyapp.web.auth import current_account, login_required
from studyapp.web.htmx import wants_partial

__all__ = ["bp"]

bp = Blueprint("fsrs_fit", __name__)


def _failure(job: JobView) -> str:
    """Why the fit failed and what to do, for the reader."""
    short = fsrs_fitting.not_enough_reviews(job)
    if short is not None:
        have, needed = short
        return str(
            _(
                "Fitting needs %(needed)s reviews on later days; you have %(have)s. "
                "Keep reviewing and try again.",
                needed=format_decimal(needed),
                have=format_decimal(have),
            )
        )
    return str(_("The fit stopped before it finished. Start it again."))


def _status_line(job: JobView) -> str:
    if job.status == "queued":
        return str(_("Waiting for the worker to start…"))
    return str(_("Fitting the parameters to your reviews…"))


def _context(state: FittingState) -> dict[str, Any]:
    job = state.latest
    context: dict[str, Any] = {"state": state, "job": job}
    if job is None:
        return context
    context["status_line"] = _status_line(job)
    if job.status == "failed":
        context["failure"] = _failure(job)
    if job.status == "done" and job.result is not None:
        context["fit"] = Fit.from_dict(job.result)
    return context


@bp.get("/settings/scheduling/fit")
@login_required
def page() -> ResponseReturnValue:
    """The parameters in use and the latest fit: running, failed, or done and not yet applied."""
    state = fsrs_fitting.fitting_state(get_session(), current_account().id)
    if wants_partial():
        return render_template("settings/_fsrs_fit_job.html", **_context(state))
    return render_template("settings/fsrs_fit.html", **_context(state))


@bp.post("/settings/scheduling/fit")
@login_required
def start() -> ResponseReturnValue:
    """Start a fit; a second press while one waits or runs shows that one."""
    fsrs_fitting.start_fit(get_session(), current_account().id, now=utcnow())
    return redirect(url_for("fsrs_fit.page"), code=303)


@bp.post("/settings/scheduling/fit/<int:job_id>/apply")
@login_required
def apply(job_id: int) -> ResponseReturnValue:
    fsrs_fitting.apply_fit(get_session(), current_account().id, job_id, now=utcnow())
    flash(_("Your cards are now scheduled with the parameters fitted to your reviews."), "ok")
    return redirect(url_for("fsrs_fit.page"), code=303)


@bp.post("/settings/scheduling/fit/reset")
@login_required
def reset() -> ResponseReturnValue:
    fsrs_fitting.reset_parameters(get_session(), current_account().id)
    flash(_("Your cards are scheduled with FSRS's default parameters again."), "ok")
    return redirect(url_for("fsrs_fit.page"), code=303)
