"""The Korean catalog is complete and well-formed, and the template is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "studyapp" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]|%[sdif]")


def load(lang: str) -> Catalog:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_every_message_has_a_korean_translation() -> None:
    missing = [m.id for m in entries(load("ko")) if not all(forms(m.string))]
    assert missing == []


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_entry_is_fuzzy(lang: str) -> None:
    assert [m.id for m in entries(load(lang)) if m.fuzzy] == []


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_translations_keep_the_placeholders_of_their_msgid(lang: str) -> None:
    wrong = []
    for message in entries(load(lang)):
        # A plural entry's forms follow its plural msgid, which names the count (%(num)d).
        expected = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))
        for translated in forms(message.string):
            if translated and sorted(PLACEHOLDER.findall(translated)) != expected:
                wrong.append((message.id, translated))
    assert wrong == []


def test_catalogs_hold_every_message_the_code_uses(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(fresh, "rb") as handle:
        used = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for lang in ("ko", "en"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in entries(load(lang))}
        assert used - known == set(), f"run `studyapp translate update` ({lang})"


# A particle hedged for a word the sentence does not know ("이(가)", "을(를)", "은(는)", "와(과)",
# "(으)로", "(이)나"...): the Korean is reworded around it instead.
PARTICLE_HEDGE = re.compile(r"\((?:이|가|을|를|은|는|와|과|으|아|야|이나|이라|이며|이고|이다)\)")


def test_no_korean_message_hedges_a_particle() -> None:
    hedged = [
        (message.id, translated)
        for message in entries(load("ko"))
        for translated in forms(message.string)
        if PARTICLE_HEDGE.search(translated)
    ]
    assert hedged == []


def test_the_hedge_check_catches_every_form() -> None:
    for sample in ("파일이(가)", "덱을(를)", "논문은(는)", "카드와(과)", "요약(으)로", "3(이)나"):
        assert PARTICLE_HEDGE.search(sample), sample
    assert not PARTICLE_HEDGE.search("새 카드(20장), 복습(200장)")
