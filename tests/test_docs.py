"""README.md documents every setting and every command."""

from __future__ import annotations

import re
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


def test_every_test_the_guarantees_table_names_exists() -> None:
    # "proved by" cells name tests as `file.py::test_name`, then `::other_name` in the same file.
    tests = Path(__file__).resolve().parent
    table = README.split("## Reliability and security", 1)[1].split("\n## ", 1)[0]
    missing = []
    named = 0
    for row in table.splitlines():
        if not row.startswith("| ") or row.count("|") < 4:
            continue
        current = None
        for ref in re.findall(
            r"`([\w/]*\.py)?::(\w+)`|`([\w/]*test_\w+\.py)`", row.rsplit("|", 2)[1]
        ):
            file, name, bare = ref
            if bare:
                current = bare.removeprefix("tests/")
                if not (tests / current).exists():
                    missing.append(bare)
                continue
            current = (file or current or "").removeprefix("tests/")
            named += 1
            path = tests / current
            source = path.read_text(encoding="utf-8") if path.is_file() else ""
            if f"def {name}(" not in source:
                missing.append(f"{current}::{name}")
    assert named > 20
    assert missing == []
