"""``studyapp import``: summary files and URLs into the shared library or one account's
decks. URLs are fetched under the app's fetch settings (FETCH_ALLOWED_HOSTS, MAX_DOCUMENT_BYTES,
FETCH_TIMEOUT_SECONDS), and asked again only for what changed since the last import."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from studyapp.cli import FORMAT_CHOICE, extract_files, needs_schema, print_reports
from studyapp.db import get_session
from studyapp.extract import Extraction, Format, extract_text
from studyapp.extract.documents import DocumentError
from studyapp.services import accounts, importing, url_documents
from studyapp.services.fetching import FetchError, FetchSettings

__all__ = ["FetchedSources", "import_command", "is_url", "read_urls"]


def is_url(source: str) -> bool:
    """Whether a command-line argument names a URL rather than a file."""
    return source.lower().startswith(("http://", "https://"))


@dataclass(slots=True)
class FetchedSources:
    """What the URLs gave: (deck name, extraction) pairs, how many failed, and which URLs had
    their validators stored (to forget again if the import does not happen)."""

    results: list[tuple[str, Extraction]] = field(default_factory=list)
    failures: int = 0
    remembered: list[str] = field(default_factory=list)

    def forget(self, session: Session, *, user_id: int | None) -> None:
        """Forget the validators stored for this run: nothing of it was imported."""
        for url in self.remembered:
            url_documents.forget_document(session, user_id=user_id, url=url)


def read_urls(
    session: Session,
    urls: Iterable[str],
    *,
    user_id: int | None,
    settings: FetchSettings,
    fmt: Format | None,
) -> FetchedSources:
    """Fetch and extract every URL; say on stderr what went wrong with each bad one, and on
    stdout which ones have not changed since they were last imported."""
    fetched = FetchedSources()
    for url in urls:
        try:
            document = url_documents.fetch_document(
                session, user_id=user_id, url=url, settings=settings
            )
        except (FetchError, DocumentError) as error:
            click.echo(f"error: {error}", err=True)
            fetched.failures += 1
            continue
        if document.unchanged:
            click.echo(f"{url}: unchanged since the last import")
            continue
        try:
            extraction = extract_text(document.text, source=url, fmt=fmt)
        except DocumentError as error:
            # Not imported, so not "unchanged since the last import" next time either.
            url_documents.forget_document(session, user_id=user_id, url=url)
            click.echo(f"error: {error}", err=True)
            fetched.failures += 1
            continue
        fetched.remembered.append(url)
        fetched.results.append((document.name, extraction))
    return fetched


@click.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--deck", "deck_name", help="Put every paper in this deck.")
@click.option("--format", "fmt", type=FORMAT_CHOICE, help="Read the files as this format.")
@click.option("--partial", is_flag=True, help="Import the good files even if others are bad.")
@click.option("--user", "email", help="Import into this account's own decks, not the library.")
@with_appcontext
@needs_schema
def import_command(
    sources: tuple[str, ...],
    deck_name: str | None,
    fmt: str | None,
    partial: bool,
    email: str | None,
) -> None:
    """Store the papers and cards of summary files (SOURCES: paths, or http(s) URLs) in the
    shared library, or with --user in that account's own decks.

    Each file goes to a deck named after the document unless --deck is given (a URL's deck is
    named after its last path segments: .../2024/05/13.md gives 2024-05-13). A URL is fetched
    only from a host on FETCH_ALLOWED_HOSTS, and asked again only for what changed since.
    Importing the same file again changes nothing; an edited file updates its cards in place.
    """
    session = get_session()
    user_id = _account(session, email) if email else None
    results, failures = extract_files(tuple(Path(s) for s in sources if not is_url(s)), fmt)
    named = [(extraction.document.title or path.stem, extraction) for path, extraction in results]
    fetched = read_urls(
        session,
        [source for source in sources if is_url(source)],
        user_id=user_id,
        settings=FetchSettings.from_config(current_app.config),
        fmt=Format(fmt) if fmt else None,
    )
    failures += fetched.failures
    if failures and not partial:
        fetched.forget(session, user_id=user_id)
        click.echo("Nothing was imported. Fix the files above, or use --partial.", err=True)
        raise SystemExit(2)
    # As importing.save_into_new_deck does for one deck, but every deck in one transaction.
    imports = [
        importing.DeckImport(
            name=importing.clean_deck_name(deck_name or name) if user_id else deck_name or name,
            papers=extraction.papers,
            owner_id=user_id,
        )
        for name, extraction in [*named, *fetched.results]
    ]
    try:
        print_reports(_import(session, imports))
    except BaseException:
        fetched.forget(session, user_id=user_id)
        raise
    if failures:
        raise SystemExit(2)


def _account(session: Session, email: str) -> int:
    user_id = accounts.user_id_by_email(session, email)
    if user_id is None:
        click.echo(f"error: no account with the email address {email}", err=True)
        raise SystemExit(2)
    return user_id


def _import(session: Session, imports: list[importing.DeckImport]) -> list[importing.ImportReport]:
    total = sum(len(item.papers) for item in imports)
    with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
        return importing.import_decks(session, imports, progress=bar.update)
