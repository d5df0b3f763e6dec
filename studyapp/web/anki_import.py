"""Importing from Anki in the browser: upload a package, read the report, then import.

The upload is read at once (a package that is not one, or is damaged, is refused with what to
do); the report says what the import would change, and the package waits in the database for
the go-ahead (:mod:`studyapp.services.anki_uploads`). The go-ahead reads it again and imports
all or nothing; a second click finds the package gone and says so.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from studyapp.apkg import reading
from studyapp.db import get_session
from studyapp.services import anki_import, anki_uploads
from studyapp.web.auth import current_account, login_required

__all__ = ["bp"]

bp = Blueprint("anki_import", __name__)

_SLACK = 64 * 1024


@bp.url_value_preprocessor
def _limit_request_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Before CSRFProtect first reads the form: a package is far larger than other forms.
    limit = current_app.config["MAX_ANKI_PACKAGE_BYTES"] + _SLACK
    request.max_content_length = limit
    request.max_form_memory_size = _SLACK


def _problem(error: reading.AnkiPackageError) -> str:
    """What was wrong with the file, and what to do, in the reader's language."""
    if isinstance(error, reading.NotAnAnkiPackage):
        message = _(
            "This file is not an Anki package. In Anki, choose File → Export and export an "
            "“Anki Deck Package” (.apkg) or an “Anki Collection Package” (.colpkg)."
        )
    elif isinstance(error, reading.UnsupportedPackage):
        message = _(
            "This package was made by a version of Anki we cannot read. Update Anki (or "
            "AnkiDroid) and export it again."
        )
    elif isinstance(error, reading.PackageTooLarge):
        message = _too_large()
    else:
        message = _("This Anki package is damaged and cannot be read. Export it again from Anki.")
    return str(message)


def _too_large() -> str:
    limit_mb = current_app.config["MAX_ANKI_PACKAGE_BYTES"] / 1024 / 1024
    return str(
        _(
            "That package is too large: at most %(limit)s MB. Export it again from Anki "
            "without media (pictures and sounds are not imported anyway).",
            limit=format_decimal(limit_mb, format="#,##0.##"),
        )
    )


def _refused(problem: str) -> ResponseReturnValue:
    return render_template("export/anki_import.html", problem=problem), 422


@bp.get("/anki/import")
@login_required
def page() -> ResponseReturnValue:
    return render_template("export/anki_import.html")


@bp.post("/anki/import")
@login_required
def upload() -> ResponseReturnValue:
    """Read the uploaded package and show what importing it would change."""
    file = request.files.get("package")
    if file is None or not file.filename:
        return _refused(_("Choose an Anki package (.apkg or .colpkg) to upload."))
    data = file.read()
    user_id = current_account().id
    try:
        collection = reading.read_package(data)
        # Reading its cards' dates may still find the package damaged.
        report = anki_import.check_import(get_session(), user_id, collection)
    except reading.AnkiPackageError as error:
        return _refused(_problem(error))
    upload_id = None
    if report.changes_anything:
        upload_id = anki_uploads.keep(get_session(), user_id, file.filename, data)
    return render_template(
        "export/anki_import.html", report=report, upload_id=upload_id, name=file.filename
    )


@bp.post("/anki/import/<int:upload_id>")
@login_required
def confirm(upload_id: int) -> ResponseReturnValue:
    """Import the package the report was about, all or nothing."""
    user_id = current_account().id
    try:
        name, data = anki_uploads.load(get_session(), user_id, upload_id)
    except anki_uploads.UploadGone:
        flash(
            _(
                "That package is no longer waiting: it was imported already, or replaced by "
                "another upload. Upload it again to see what is left to import."
            ),
            "error",
        )
        return redirect(url_for("anki_import.page"), code=303)
    try:
        report = anki_import.run_import(get_session(), user_id, reading.read_package(data))
    except reading.AnkiPackageError as error:
        anki_uploads.discard(get_session(), user_id, upload_id)
        return _refused(_problem(error))
    anki_uploads.discard(get_session(), user_id, upload_id)
    return render_template("export/anki_import.html", report=report, done=True, name=name)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("error.html", code=413), 413
    return render_template("export/anki_import.html", problem=_too_large()), 413
