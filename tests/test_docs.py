"""README.md documents every setting and every command."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from studyapp.config import DEFAULTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    undocumented = [name for name in DEFAULTS if f"`{name}`" not in README]
    assert undocumented == []


def test_every_command_is_documented(app: Flask) -> None:
    def walk(group: click.Group, prefix: str) -> list[str]:
        names = []
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                names += walk(command, f"{prefix} {name}")
            else:
                names.append(f"{prefix} {name}")
        return names

    ours = [c for c in walk(app.cli, "studyapp")]
    assert ours, "the app registers no commands"
    assert [c for c in ours if f"`{c}" not in README] == []


def test_readme_gives_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
