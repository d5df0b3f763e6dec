"""Anki's own library in tests: a fresh collection (the ``collection`` fixture, for every test
through conftest) and loading a package into it as Anki's Import does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Anki's own library: anki.collection is the first anki module imported, as it must be.
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

__all__ = ["collection", "load"]


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def load(col: Collection, package: Path, *, with_scheduling: bool = False) -> None:
    """Import ``package`` into ``col``; ``with_scheduling``: with its cards' progress and review
    log (Anki's "Import any learning progress")."""
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(package),
            options=ImportAnkiPackageOptions(with_scheduling=with_scheduling),
        )
    )
