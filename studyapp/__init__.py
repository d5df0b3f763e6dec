"""Paper flashcards: summaries of machine-learning papers become SM-2 flashcards."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app. Nothing touches the disk or the database before this is called."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(_PROJECT_ROOT / "templates"),
        static_folder=str(_PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from studyapp import cli, config, db, i18n, queue, web

    config.load_config(app, test_config)
    db.init_app(app)
    queue.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
