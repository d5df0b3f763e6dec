"""Managing one's account: change the password or the email, see where it is logged in and
log out of all devices, download all one's data, delete the account.

Every change asks for the current password. Wrong passwords are counted per account like
failed logins (``LOGIN_RATE_LIMIT``), so a session left open somewhere cannot be used to guess
the password at speed.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import account_data, accounts, login_sessions
from studyapp.web.account_forms import (
    PASSWORDS_DIFFER,
    email_validators,
    new_password_validators,
    strip,
)
from studyapp.web.auth import (
    current_account,
    end_session,
    forget_browser,
    login_required,
    renew_session,
)

__all__ = ["bp", "init_app", "removal_lines"]

bp = Blueprint("account", __name__)

_CURRENT_PASSWORD = _l("Current password")
_ENTER_CURRENT = _l("Enter your current password.")


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(
        _CURRENT_PASSWORD, validators=[DataRequired(message=_ENTER_CURRENT)]
    )
    new_password = PasswordField(_l("New password"), validators=new_password_validators())
    new_password_again = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Type the new password again.")),
            EqualTo("new_password", message=PASSWORDS_DIFFER),
        ],
    )


class EmailForm(FlaskForm):  # type: ignore[misc]
    new_email = EmailField(_l("New email"), validators=email_validators(), filters=[strip])
    email_password = PasswordField(
        _CURRENT_PASSWORD, validators=[DataRequired(message=_ENTER_CURRENT)]
    )


class EndSessionsForm(FlaskForm):  # type: ignore[misc]
    """The "log out of all devices" button: its CSRF token only."""


class DeleteForm(FlaskForm):  # type: ignore[misc]
    delete_password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Enter your password to confirm."))],
    )


def init_app(app: Flask, limiter: Limiter) -> None:
    app.register_blueprint(bp)
    # A wrong current password (answered 422) counts like a failed login of this account, on
    # one counter for the three forms that ask for it.
    limited = limiter.shared_limit(
        app.config["LOGIN_RATE_LIMIT"],
        scope="account-confirm",
        key_func=_signed_in_account,
        methods=["POST"],
        deduct_when=_failed,
    )
    for view in (change_password, change_email, delete):
        app.view_functions[f"account.{view.__name__}"] = limited(view)


def _signed_in_account() -> str:
    return f"signed-in:{getattr(current_user, 'id', 'nobody')}"


def _failed(response: Response) -> bool:
    return response.status_code == 422


_WRONG_PASSWORD = _l("That is not your current password.")


def _page(
    *,
    password_form: PasswordForm | None = None,
    email_form: EmailForm | None = None,
    alert: str | None = None,
) -> str:
    account = current_account()
    devices = login_sessions.devices(get_session(), account.id, now=utcnow())
    # This browser first, then the others, the most recently used first.
    devices.sort(key=lambda device: device.id != account.login_session_id)
    return render_template(
        "account/page.html",
        account=account,
        password_form=password_form or PasswordForm(formdata=None),
        email_form=email_form or EmailForm(formdata=None),
        end_sessions_form=EndSessionsForm(formdata=None),
        min_password=accounts.MIN_PASSWORD,
        devices=devices,
        others=sum(device.id != account.login_session_id for device in devices),
        alert=alert,
    )


@bp.get("/account")
@login_required
def page() -> ResponseReturnValue:
    return _page()


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate_on_submit():
        account = current_account()
        try:
            accounts.change_password(
                get_session(),
                account.id,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                keep_session=account.login_session_id,
            )
        except accounts.WrongPassword:
            form.current_password.errors.append(_WRONG_PASSWORD)
        else:
            # Every other session ended with the change; this browser stays signed in, on new
            # tokens, so that a copy of its old cookies is worthless too.
            renew_session(account)
            flash(
                _(
                    "Your password is changed. Wherever else you were logged in, "
                    "you are now logged out."
                ),
                "ok",
            )
            return redirect(url_for("account.page"), code=303)
    return _page(password_form=form), 422


@bp.post("/account/email")
@login_required
def change_email() -> ResponseReturnValue:
    form = EmailForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_email(
                get_session(),
                current_account().id,
                new_email=form.new_email.data,
                password=form.email_password.data,
            )
        except accounts.WrongPassword:
            form.email_password.errors.append(_WRONG_PASSWORD)
        except accounts.EmailUnchanged:
            form.new_email.errors.append(_("That is already your email."))
        except accounts.EmailTaken:
            form.new_email.errors.append(_("Another account already uses this email."))
        else:
            flash(
                _("Your email is now %(email)s. Log in with it from now on.", email=user.email),
                "ok",
            )
            return redirect(url_for("account.page"), code=303)
    return _page(email_form=form), 422


@bp.post("/account/sessions/end")
@login_required
def end_sessions() -> ResponseReturnValue:
    """Log out of all devices, this one too: every login session of the account ends."""
    form = EndSessionsForm()
    if not form.validate_on_submit():  # (a bad CSRF token is answered before this)
        return _page(), 422
    login_sessions.end_all(get_session(), current_account().id)
    forget_browser()
    flash(_("You are logged out on every device, this one too."), "ok")
    return redirect(url_for("auth.login"), code=303)


@bp.get("/account/data")
@login_required
def download_data() -> ResponseReturnValue:
    """Everything the account holds, as a JSON file (see :mod:`studyapp.services.account_data`)."""
    now = utcnow()
    body = account_data.account_data_json(get_session(), current_account().id, now=now)
    response = Response(body, mimetype="application/json")
    name = f"paper-flashcards-data-{now:%Y-%m-%d}.json"
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


def removal_lines(removed: accounts.DeletedAccount) -> list[str]:
    """What deleting the account removes besides the account itself, one line per kind that
    it has any of, in the page's language."""
    lines = (
        (
            removed.decks,
            ngettext("%(num)d deck of your own", "%(num)d decks of your own", removed.decks),
        ),
        (removed.papers, ngettext("%(num)d paper", "%(num)d papers", removed.papers)),
        (removed.cards, ngettext("%(num)d card", "%(num)d cards", removed.cards)),
        (
            removed.review_states,
            ngettext(
                "the schedule of %(num)d card",
                "the schedules of %(num)d cards",
                removed.review_states,
            ),
        ),
        (
            removed.reviews,
            ngettext(
                "%(num)d answer in your review log",
                "%(num)d answers in your review log",
                removed.reviews,
            ),
        ),
        (removed.quizzes, ngettext("%(num)d quiz", "%(num)d quizzes", removed.quizzes)),
        (
            removed.library_decks,
            ngettext(
                "%(num)d library deck from your cards (it stays in the library)",
                "%(num)d library decks from your cards (they stay in the library)",
                removed.library_decks,
            ),
        ),
    )
    return [str(line) for number, line in lines if number]


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete() -> ResponseReturnValue:
    account = current_account()
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            removed = accounts.delete_account(
                get_session(), account.id, password=form.delete_password.data
            )
        except accounts.WrongPassword:
            form.delete_password.errors.append(_WRONG_PASSWORD)
        else:
            end_session()
            message = _("Your account %(email)s is deleted.", email=removed.email)
            if lines := removal_lines(removed):
                message += " " + _("Removed with it: %(list)s.", list=", ".join(lines))
            flash(message, "ok")
            return redirect(url_for("home.index"), code=303)
    status = 200 if request.method == "GET" else 422
    return _delete_page(form), status


def _delete_page(form: DeleteForm, *, alert: str | None = None) -> str:
    removes = accounts.what_deleting_removes(get_session(), current_account().id)
    return render_template(
        "account/delete.html",
        form=form,
        account=current_account(),
        removes=removal_lines(removes),
        alert=alert,
    )


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error: RateLimitExceeded) -> ResponseReturnValue:
    alert = _("Too many wrong passwords. Wait a few minutes, then try again.")
    if request.endpoint == "account.delete":
        return _delete_page(DeleteForm(formdata=None), alert=alert), 429
    return _page(alert=alert), 429
