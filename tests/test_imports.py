"""The import page: paste or upload a summary, preview its cards, save them to one's own deck."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from studyapp.db import session_factory
from studyapp.models import Card, CardText, Deck, Paper, PaperText, ReviewState, User
from studyapp.services.importing import DeckImport, import_decks
from tests.conftest import AuthActions, csrf_token, html

DATA = Path(__file__).resolve().parent / "data"
DIGEST_KO = (DATA / "digest_ko.md").read_text(encoding="utf-8")
NOTES_EN = (DATA / "notes_en.md").read_text(encoding="utf-8")
BLOG_KO = (DATA / "blog_ko.txt").read_text(encoding="utf-8")
DIGEST_TITLE = "Daily Papers (2025-03-15)"

# What was stored, table by table: a preview or a refused request must leave it untouched.
TABLES = (Deck, Paper, PaperText, Card, CardText, ReviewState)


def counts(app: Flask) -> dict[str, int]:
    with session_factory(app)() as session, session.begin():
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in TABLES
        }


NOTHING = {table.__tablename__: 0 for table in TABLES}


def form(text: str = "", **fields: Any) -> dict[str, Any]:
    return {"text": text, "format": "", "target": "new", "deck_name": "", **fields}


def upload(data: bytes, name: str = "notes.md", **fields: Any) -> dict[str, Any]:
    return {**form(**fields), "file": (io.BytesIO(data), name)}


def post(auth: AuthActions, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Post ``data`` as a browser would (multipart, with the CSRF token), encoded in memory: the
    test client spools a large body to a temporary file that it never closes."""
    fields: dict[str, Any] = {"csrf_token": csrf_token(auth.client)}
    for name, value in data.items():
        if isinstance(value, tuple):
            value = FileStorage(value[0], filename=value[1])
        fields[name] = value if isinstance(value, FileStorage) else str(value)
    boundary, body = encode_multipart(fields)
    return auth.client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs
    )


def errors(page: BeautifulSoup) -> list[str]:
    return [p.get_text(strip=True) for p in page.select("form#import-form .error")]


def flashes(client: FlaskClient) -> list[str]:
    return [p.get_text() for p in html(client.get("/").data).select(".flash")]


def textarea_value(element: Any) -> str:
    # A browser drops the one line break that follows <textarea> (WTForms writes CRLF there).
    text: str = element.get_text()
    return text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")


def save_form_fields(page: BeautifulSoup) -> dict[str, Any]:
    """What the preview's save button sends, as a browser would send it."""
    save = page.select_one("form.save-form")
    assert save is not None
    fields: dict[str, Any] = {}
    for element in save.select("input[name], textarea[name]"):
        if element.name == "textarea":
            fields[str(element["name"])] = textarea_value(element)
        elif element.get("type") != "checkbox" or element.has_attr("checked"):
            fields[str(element["name"])] = element.get("value", "")
    fields.pop("csrf_token")
    return fields


def document_fields(page: BeautifulSoup) -> dict[str, Any]:
    """What the save button sends about the document and where it goes (not the papers)."""
    return {k: v for k, v in save_form_fields(page).items() if not k.startswith("papers-")}


def own_deck(app: Flask, name: str) -> Deck:
    with session_factory(app)() as session, session.begin():
        return session.scalars(select(Deck).where(Deck.name == name)).one()


def deck_papers(app: Flask, deck_id: int) -> list[str]:
    with session_factory(app)() as session, session.begin():
        return sorted(session.scalars(select(Paper.title).where(Paper.deck_id == deck_id)))


def expected_location(app: Flask, deck_id: int) -> str:
    return f"/library/decks/{deck_id}" if "library.deck" in app.view_functions else "/"


# ---- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"), [("get", "/import"), ("post", "/import/preview"), ("post", "/import")]
)
def test_import_needs_a_signed_in_user(
    app: Flask, client: FlaskClient, auth: AuthActions, method: str, url: str
) -> None:
    if method == "get":
        response = client.get(url)
    else:
        response = post(auth, url, form(DIGEST_KO))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert counts(app) == NOTHING


@pytest.mark.parametrize("url", ["/import/preview", "/import"])
def test_posts_without_a_csrf_token_are_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, url: str
) -> None:
    auth.register()
    response = client.post(url, data=form(DIGEST_KO), content_type="multipart/form-data")
    assert response.status_code == 400
    assert counts(app) == NOTHING


def test_the_form_posts_to_the_preview_with_and_without_htmx(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    response = client.get("/import")
    assert response.status_code == 200
    page = html(response.data)
    the_form = page.select_one("form#import-form")
    assert the_form is not None
    assert the_form["action"] == "/import/preview"
    assert the_form["method"] == "post"
    assert the_form["enctype"] == "multipart/form-data"
    assert the_form["hx-post"] == "/import/preview"
    assert the_form["hx-target"] == "#import-preview"
    assert the_form.select_one("input[name=csrf_token]") is not None
    assert the_form.select_one("textarea[name=text]") is not None
    assert the_form.select_one("input[type=file][name=file]") is not None
    formats = [o["value"] for o in the_form.select("select[name=format] option")]
    assert formats == ["", "daily-papers", "insight-page", "blog-listing", "notes"]
    # No decks of one's own yet: the only place to save is a new deck.
    assert the_form.select_one("input[type=hidden][name=target][value=new]") is not None
    assert the_form.select_one("select[name=deck_id]") is None
    assert page.select_one("section#import-preview") is not None
    assert page.select_one("form.save-form") is None


# ---- Preview -------------------------------------------------------------------------------


def test_preview_shows_papers_and_cards_and_saves_nothing(app: Flask, auth: AuthActions) -> None:
    auth.register()
    before = counts(app)
    response = post(auth, "/import/preview", form(DIGEST_KO))
    assert response.status_code == 200
    assert counts(app) == before
    page = html(response.data)

    papers = page.select("#import-preview .preview-papers > li")
    assert [p.select_one("h3").get_text(strip=True) for p in papers] == [
        "PetalNet: Sparse Petal Attention for Long Videos",
        "Teaching Small Models to Check Their Own Math",
        "RiverDiff: Flow Matching for Audio Continuation",
    ]
    first = papers[0]
    # The title is English even in a Korean digest: it is marked as what it is.
    assert first.select_one("h3")["lang"] == "en"
    arxiv = first.select_one(".preview-facts a[href='https://arxiv.org/abs/2503.11111']")
    assert arxiv is not None and arxiv.get_text(strip=True) == "2503.11111"
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in first.select("dt")}
    assert facts["Language"].get_text(strip=True) == "Korean"
    assert facts["Method"].select_one("input[name=papers-0-method]")["value"] == "PetalNet"
    assert [b.get_text() for b in facts["Topics"].select(".badge")] == [
        "Video Generation & Understanding",
        "Efficient Attention & Long Context",
        "Pruning & Sparsity",
    ]
    # The second names no method: its field is empty, and says so.
    unnamed = papers[1].select_one("input[name=papers-1-method]")
    assert unnamed.get("value", "") == "" and unnamed["placeholder"] == "none named"

    cards = first.select(".card-previews > li")
    assert len(cards) == 2
    assert all(c.select_one(".card-front")["lang"] == "ko" for c in cards)
    assert all(c.select_one(".card-back")["lang"] == "ko" for c in cards)
    assert cards[0].select_one(".card-front").get_text() == "PetalNet — 핵심 아이디어는?"
    assert [m.get_text() for m in page.select(".card-back mark.headline-number")] == [
        "5.2배",
        "61.5%",
    ]
    assert page.select_one("#import-preview h2").get_text(strip=True) == "3 papers found"

    save = page.select_one("#import-preview form.save-form")
    assert save["action"] == "/import" and save["method"] == "post"
    assert save["hx-disabled-elt"] == ".save-form button[type=submit]"
    assert [b.get_text(strip=True) for b in save.select("button")] == ["Save the ticked papers"] * 2
    assert document_fields(page) == {
        "text": DIGEST_KO,
        "format": "",
        "target": "new",
        "deck_name": DIGEST_TITLE,
    }
    # Without JavaScript the whole page comes back, with the form and its text kept.
    main_text = page.select_one("form#import-form textarea[name=text]")
    assert textarea_value(main_text) == DIGEST_KO


def test_htmx_preview_returns_only_the_partial(app: Flask, auth: AuthActions) -> None:
    auth.register()
    response = post(auth, "/import/preview", form(NOTES_EN), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<body" not in body
    page = html(response.data)
    roots = [child for child in page.children if getattr(child, "name", None)]
    assert [(r.name, r.get("id")) for r in roots] == [("section", "import-preview")]
    assert page.select_one("form#import-form") is None
    assert len(page.select(".preview-papers > li")) == 2
    assert page.select_one(".card-back mark.headline-number").get_text() == "2.8×"
    assert page.select_one("h3")["lang"] == "en"
    assert counts(app) == NOTHING


def test_the_format_can_be_chosen(auth: AuthActions) -> None:
    auth.register()
    detected = html(post(auth, "/import/preview", form(DIGEST_KO)).data)
    assert "Read as: Daily Papers digest" in detected.select_one(".preview-head .meta").get_text()
    forced = post(auth, "/import/preview", form(NOTES_EN, format="blog-listing"))
    assert forced.status_code == 422
    assert errors(html(forced.data)) == [
        "No paper was recognised in “pasted text” (read as: Blog listing). Give each paper a "
        "title line followed by sentences about it, or choose the format above."
    ]
    # The same problem in the reader's language, naming the format as the page does.
    forced = post(auth, "/import/preview?lang=ko", form(NOTES_EN, format="blog-listing"))
    (message,) = errors(html(forced.data))
    assert message.startswith("“붙여 넣은 텍스트”에서 논문을 찾지 못했습니다")
    assert "블로그" in message and "--format" not in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp949"])
def test_an_uploaded_file_is_read_in_any_accepted_encoding(
    app: Flask, auth: AuthActions, encoding: str
) -> None:
    auth.register()
    response = post(auth, "/import/preview", upload(DIGEST_KO.encode(encoding), "digest.md"))
    assert response.status_code == 200
    page = html(response.data)
    titles = [h.get_text(strip=True) for h in page.select(".preview-papers h3")]
    assert titles[0] == "PetalNet: Sparse Petal Attention for Long Videos"
    assert page.select(".card-front")[0].get_text() == "PetalNet — 핵심 아이디어는?"
    # The decoded text comes back, so that saving does not need the file again.
    assert document_fields(page)["text"] == DIGEST_KO
    assert counts(app) == NOTHING


def test_a_document_without_a_title_is_named_after_its_file(auth: AuthActions) -> None:
    auth.register()
    page = html(
        post(auth, "/import/preview", upload(BLOG_KO.encode("utf-8"), "리뷰 모음.txt")).data
    )
    assert save_form_fields(page)["deck_name"] == "리뷰 모음"
    pasted = html(post(auth, "/import/preview", form(BLOG_KO)).data)
    assert save_form_fields(pasted)["deck_name"] == "Pasted summary"
    named = html(post(auth, "/import/preview", form(BLOG_KO, deck_name="  Blog  ")).data)
    assert save_form_fields(named)["deck_name"] == "Blog"


def test_a_chosen_file_wins_over_pasted_text(auth: AuthActions) -> None:
    auth.register()
    page = html(
        post(auth, "/import/preview", upload(NOTES_EN.encode(), "notes.md", text=DIGEST_KO)).data
    )
    assert save_form_fields(page)["text"] == NOTES_EN


# ---- Save ----------------------------------------------------------------------------------


def test_saving_after_an_upload_preview_stores_a_deck_of_ones_own(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    preview = html(
        post(auth, "/import/preview", upload(DIGEST_KO.encode("cp949"), "digest.md")).data
    )
    response = post(auth, "/import", save_form_fields(preview))
    assert response.status_code == 303
    deck = own_deck(app, DIGEST_TITLE)
    assert response.headers["Location"] == expected_location(app, deck.id)
    with session_factory(app)() as session, session.begin():
        user = session.scalars(select(User)).one()
        assert deck.owner_id == user.id
        states = session.scalar(
            select(func.count()).select_from(ReviewState).where(ReviewState.user_id == user.id)
        )
    assert deck_papers(app, deck.id) == [
        "PetalNet: Sparse Petal Attention for Long Videos",
        "RiverDiff: Flow Matching for Audio Continuation",
        "Teaching Small Models to Check Their Own Math",
    ]
    # Importing enrolled the owner: every card is in their queue.
    assert counts(app)["cards"] == 5 and states == 5
    assert f"Saved 3 papers with 5 cards into “{DIGEST_TITLE}”." in flashes(client)


def test_save_without_a_preview_and_under_a_name(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    response = post(auth, "/import", form(NOTES_EN, deck_name="Week 12"))
    assert response.status_code == 303
    deck = own_deck(app, "Week 12")
    assert deck_papers(app, deck.id) == ["Cascade Draft Decoding", "Why do reward models disagree?"]
    assert "Saved 2 papers with 3 cards into “Week 12”." in flashes(client)


def test_saving_twice_changes_nothing(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    assert post(auth, "/import", form(DIGEST_KO)).status_code == 303
    client.get("/")  # read the first flash
    stored = counts(app)
    again = post(auth, "/import", form(DIGEST_KO))
    assert again.status_code == 303
    assert counts(app) == stored
    assert flashes(client) == [
        f"Nothing new: “{DIGEST_TITLE}” already holds these 3 papers and their 5 cards, unchanged."
    ]


def test_save_into_an_existing_deck(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    post(auth, "/import", form(NOTES_EN, deck_name="Reading"))
    deck = own_deck(app, "Reading")
    page = html(client.get("/import").data)
    choices = [(o["value"], o.get_text()) for o in page.select("select[name=deck_id] option")]
    assert choices == [(str(deck.id), "Reading")]
    assert [r["value"] for r in page.select("input[type=radio][name=target]")] == [
        "new",
        "existing",
    ]

    preview = html(
        post(auth, "/import/preview", form(DIGEST_KO, target="existing", deck_id=deck.id)).data
    )
    assert "“Reading”" in preview.select_one(".save-where").get_text()
    response = post(auth, "/import", save_form_fields(preview))
    assert response.status_code == 303
    assert len(deck_papers(app, deck.id)) == 5
    assert counts(app)["decks"] == 1
    assert "Saved 3 papers with 5 cards into “Reading”." in flashes(client)


def test_another_users_deck_is_refused(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.register(email="first@example.com")
    post(auth, "/import", form(NOTES_EN, deck_name="Theirs"))
    theirs = own_deck(app, "Theirs")
    with session_factory(app)() as session:
        import_decks(session, [DeckImport(name="Library", papers=())])
    library = own_deck(app, "Library")
    auth.logout()
    auth.register(email="second@example.com")
    stored = counts(app)
    for deck_id in (theirs.id, library.id, 999999):
        response = post(auth, "/import", form(DIGEST_KO, target="existing", deck_id=deck_id))
        assert response.status_code == 422
        assert errors(html(response.data)) == ["Choose one of your decks."]
    assert counts(app) == stored
    assert deck_papers(app, theirs.id) == [
        "Cascade Draft Decoding",
        "Why do reward models disagree?",
    ]


# ---- Bad input -----------------------------------------------------------------------------

# The page says what the command line says, in the reader's language and naming the input.
EMPTY = "“{}” is empty. Paste or upload a summary with at least one paper."
BINARY = "“{}” looks like a binary file, not text. Save the summary as .md or .txt and try again."
UNDECODABLE = "“{}” is not UTF-8 or CP949/EUC-KR text. Save it as UTF-8 and try again."
NO_PAPER = (
    "No paper was recognised in “{}” (read as: Plain notes). Give each paper a title line "
    "followed by sentences about it, or choose the format above."
)


@pytest.mark.parametrize("url", ["/import/preview", "/import"])
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", EMPTY),
        ("  \n\t\n", EMPTY),
        ("\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f" * 4, BINARY),
        ("hello", NO_PAPER),
    ],
)
def test_bad_pasted_text_is_refused_with_what_is_wrong(
    app: Flask, auth: AuthActions, url: str, text: str, message: str
) -> None:
    auth.register()
    response = post(auth, url, form(text))
    assert response.status_code == 422
    page = html(response.data)
    assert errors(page) == [message.format("pasted text")]
    # The form comes back with what was typed.
    assert page.select_one("form#import-form textarea[name=text]") is not None
    assert counts(app) == NOTHING


@pytest.mark.parametrize("url", ["/import/preview", "/import"])
@pytest.mark.parametrize(
    ("data", "cli", "message"),
    [
        (b"", "is empty", EMPTY),
        (b"\n\n", "is empty", EMPTY),
        (b"\x00\x01\x02binary\x00", "looks like a binary file", BINARY),
        (b"abc \x80\xff def", "is not UTF-8 or CP949/EUC-KR text", UNDECODABLE),
        (b"hello", "no paper was recognised (read as notes)", NO_PAPER),
    ],
    ids=["empty", "blank", "binary", "undecodable", "no-paper"],
)
def test_bad_files_get_the_clis_verdict_in_the_readers_words(
    app: Flask,
    auth: AuthActions,
    runner: FlaskCliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    data: bytes,
    cli: str,
    message: str,
) -> None:
    (tmp_path / "notes.md").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["extract", "notes.md"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: notes.md: {cli}")

    auth.register()
    response = post(auth, url, upload(data, "notes.md"))
    assert response.status_code == 422
    assert errors(html(response.data)) == [message.format("notes.md")]
    assert counts(app) == NOTHING


@pytest.mark.parametrize("name", ["figure.png", "paper.pdf", "notes"])
def test_files_that_are_not_text_summaries_are_refused_by_name(
    app: Flask, auth: AuthActions, name: str
) -> None:
    auth.register()
    response = post(auth, "/import/preview", upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name))
    assert response.status_code == 422
    assert errors(html(response.data)) == [
        f"“{name}” cannot be imported: only text summaries can, as .md, .markdown or .txt files."
    ]
    assert counts(app) == NOTHING


def test_a_document_over_the_limit_says_the_size_and_the_limit(
    app: Flask,
    auth: AuthActions,
    runner: FlaskCliRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app.config["MAX_DOCUMENT_BYTES"] = 1024 * 1024
    big = (NOTES_EN * 4000).encode()[: 1536 * 1024]
    (tmp_path / "notes.md").write_bytes(big)
    monkeypatch.chdir(tmp_path)
    expected = runner.invoke(args=["extract", "notes.md"]).stderr.strip().removeprefix("error: ")
    assert expected == "notes.md: is 1.5 MB; the limit is 1 MB. Split it into smaller files."

    auth.register()
    response = post(auth, "/import", upload(big, "notes.md"))
    assert response.status_code == 422
    assert errors(html(response.data)) == [
        "“notes.md” is 1.5 MB; the limit is 1 MB. Split it into smaller files."
    ]
    pasted = post(auth, "/import?lang=ko", form(big.decode()))
    assert pasted.status_code == 422
    assert errors(html(pasted.data)) == [
        "“붙여 넣은 텍스트”의 크기는 1.5 MB로, 한도인 1 MB를 넘습니다. "
        "더 작은 파일로 나누어 주세요."
    ]
    assert counts(app) == NOTHING


@pytest.mark.parametrize("htmx", [False, True])
def test_an_upload_over_the_request_cap_is_413(app: Flask, auth: AuthActions, htmx: bool) -> None:
    app.config["MAX_DOCUMENT_BYTES"] = 1024 * 1024
    auth.register()
    headers = {"HX-Request": "true"} if htmx else {}
    response = post(auth, "/import/preview", upload(b"x" * (3 * 1024 * 1024)), headers=headers)
    assert response.status_code == 413
    page = html(response.data)
    message = (
        "That upload is too large: a summary may be at most 1 MB. Split it into smaller files."
    )
    if htmx:
        assert page.select_one("section#import-preview .preview-errors p").get_text() == message
        assert page.select_one("form#import-form") is None
    else:
        assert errors(page) == [message]
        assert page.select_one("form#import-form") is not None
    assert counts(app) == NOTHING


def test_htmx_preview_errors_come_back_in_the_partial(auth: AuthActions) -> None:
    auth.register()
    response = post(auth, "/import/preview", form(""), headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = html(response.data)
    assert page.select_one("form#import-form") is None
    alert = page.select_one("section#import-preview .preview-errors[role=alert]")
    assert alert is not None
    assert [p.get_text() for p in alert.select("p")] == [EMPTY.format("pasted text")]


def test_the_buttons_are_disabled_while_a_request_runs(auth: AuthActions) -> None:
    auth.register()
    page = html(post(auth, "/import/preview", form(NOTES_EN)).data)
    assert page.select_one("form#import-form")["hx-disabled-elt"] == "find button[type=submit]"
    assert page.select_one("form.save-form")["hx-disabled-elt"] == ".save-form button[type=submit]"


def test_a_preview_address_reopened_leads_back_to_the_form(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    response = client.get("/import/preview")
    assert response.status_code == 302
    assert response.headers["Location"] == "/import"


# ---- Corrections in the preview ------------------------------------------------------------


def preview_fields(auth: AuthActions, text: str = DIGEST_KO, **fields: Any) -> dict[str, Any]:
    page = html(post(auth, "/import/preview", form(text, **fields)).data)
    return save_form_fields(page)


def stored_cards(app: Flask) -> dict[tuple[str, str], CardText]:
    """Every stored card text, by (paper title, card kind)."""
    with session_factory(app)() as session, session.begin():
        rows = session.execute(
            select(Paper.title, Card.kind, CardText)
            .join(Card, Card.paper_id == Paper.id)
            .join(CardText, CardText.card_id == Card.id)
        ).all()
        session.expunge_all()
    return {(title[:8], kind.value): text for title, kind, text in rows}


def test_the_preview_is_a_form_of_every_paper_and_card(auth: AuthActions) -> None:
    auth.register()
    page = html(post(auth, "/import/preview", form(DIGEST_KO)).data)
    papers = page.select("form.save-form .preview-papers > li")
    assert len(papers) == 3
    first = papers[0]
    keep = first.select_one("input[type=checkbox][name=papers-0-keep]")
    assert keep is not None and keep.has_attr("checked")
    label = keep.find_parent("label")
    assert label is not None and label.get_text(strip=True) == "Save this paper"
    method = first.select_one("input[name=papers-0-method]")
    assert method["value"] == "PetalNet" and method["maxlength"] == "200"
    assert first.select_one(f"label[for={method['id']}]").get_text() == "Method"
    fronts = first.select("textarea[name$=-front]")
    assert [f["name"] for f in fronts] == ["papers-0-cards-0-front", "papers-0-cards-1-front"]
    assert textarea_value(fronts[0]) == "PetalNet — 핵심 아이디어는?"
    assert all(f["lang"] == "ko" for f in first.select("textarea"))
    # The wording waits behind a disclosure, closed until it is changed or wrong.
    assert [d.has_attr("open") for d in first.select("details.card-fix")] == [False, False]
    assert first.select_one("details.card-fix summary").get_text() == "Correct this card"


def test_unticked_papers_are_left_out_and_a_corrected_method_renames_the_fronts(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    fields = preview_fields(auth)
    del fields["papers-1-keep"]  # untick "Teaching Small Models…"
    fields["papers-0-method"] = "  PetalNet-L \n"
    response = post(auth, "/import", fields)
    assert response.status_code == 303
    deck = own_deck(app, DIGEST_TITLE)
    assert deck_papers(app, deck.id) == [
        "PetalNet: Sparse Petal Attention for Long Videos",
        "RiverDiff: Flow Matching for Audio Continuation",
    ]
    assert flashes(client) == [
        f"Saved 2 papers with 3 cards into “{DIGEST_TITLE}”.",
        "1 paper you unticked was left out.",
    ]
    cards = stored_cards(app)
    assert cards[("PetalNet", "method_idea")].front == "PetalNet-L — 핵심 아이디어는?"
    assert cards[("PetalNet", "headline_number")].front.startswith("PetalNet-L — 핵심 수치는?\n")
    # What the user changed is marked edited; what they left alone is not.
    assert cards[("PetalNet", "method_idea")].edited_at is not None
    assert cards[("PetalNet", "headline_number")].edited_at is not None
    assert cards[("RiverDif", "method_idea")].edited_at is None
    with session_factory(app)() as session, session.begin():
        methods = {
            title: method for title, method in session.execute(select(Paper.title, Paper.method))
        }
    assert methods["PetalNet: Sparse Petal Attention for Long Videos"] == "PetalNet-L"
    assert counts(app)["review_states"] == 3


def test_corrected_wording_is_saved_and_marked_edited(app: Flask, auth: AuthActions) -> None:
    auth.register()
    fields = preview_fields(auth)
    fields["papers-2-cards-0-back"] = "흐름 정합으로\r\n오디오의 뒷부분을 잇는다.  "
    fields["papers-1-cards-1-front"] = "소형 모델 자기 검산 — 정답률은?"
    fields["papers-1-method"] = ""  # was none, stays none
    assert post(auth, "/import", fields).status_code == 303
    cards = stored_cards(app)
    river = cards[("RiverDif", "method_idea")]
    assert river.back == "흐름 정합으로\n오디오의 뒷부분을 잇는다." and river.edited_at is not None
    assert cards[("Teaching", "headline_number")].front == "소형 모델 자기 검산 — 정답률은?"
    assert cards[("Teaching", "method_idea")].edited_at is None
    assert cards[("PetalNet", "method_idea")].edited_at is None


def test_a_cleared_method_name_names_the_paper_by_its_title(app: Flask, auth: AuthActions) -> None:
    auth.register()
    fields = preview_fields(auth)
    fields["papers-2-method"] = "   "
    post(auth, "/import", fields)
    river = stored_cards(app)[("RiverDif", "method_idea")]
    assert river.front == "RiverDiff: Flow Matching for Audio Continuation — 핵심 아이디어는?"
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(Paper.method).where(Paper.title.startswith("River"))) is None


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("papers-0-cards-0-front", "", "This field is required."),
        ("papers-0-cards-1-back", " \r\n ", "This field is required."),
        ("papers-2-cards-0-front", "f" * 501, "Field cannot be longer than 500 characters."),
        ("papers-1-cards-0-back", "b" * 2001, "Field cannot be longer than 2000 characters."),
        ("papers-1-method", "M" * 201, "Field cannot be longer than 200 characters."),
    ],
)
def test_bad_corrections_say_what_is_wrong_and_save_nothing(
    app: Flask, auth: AuthActions, htmx: bool, field: str, value: str, message: str
) -> None:
    auth.register()
    fields = preview_fields(auth)
    fields["papers-2-cards-0-back"] = "A correction elsewhere, kept on the form."
    fields[field] = value
    # htmx boosts the save form: the whole page comes back, as without JavaScript.
    headers = {"HX-Request": "true", "HX-Boosted": "true"} if htmx else {}
    response = post(auth, "/import", fields, headers=headers)
    assert response.status_code == 422
    assert counts(app) == NOTHING
    page = html(response.data)
    assert page.select_one("form#import-form") is not None
    problem = page.select_one("form.save-form .preview-problem[role=alert]")
    assert problem is not None and "Nothing was saved." in problem.get_text()
    wrong = page.select_one(f"[name={field}]")
    assert wrong is not None and wrong["aria-invalid"] == "true"
    errors = [p.get_text() for p in wrong.find_parent(["div", "dd"]).select(".error")]
    assert errors == [message]
    # What was typed stays, and the cards that were changed or are wrong are open.
    again = save_form_fields(page)
    assert again["papers-2-cards-0-back"] == "A correction elsewhere, kept on the form."
    assert again[field] == ("" if not value.strip() else value)
    if "-cards-" in field:
        assert wrong.find_parent("details").has_attr("open")
    assert page.select_one("[name=papers-2-cards-0-back]").find_parent("details").has_attr("open")


def test_corrections_at_the_limits_are_saved(app: Flask, auth: AuthActions) -> None:
    auth.register()
    fields = preview_fields(auth)
    fields["papers-0-cards-0-front"] = "f" * 500
    fields["papers-0-cards-0-back"] = "b" * 2000
    fields["papers-0-method"] = "M" * 200
    assert post(auth, "/import", fields).status_code == 303
    petal = stored_cards(app)[("PetalNet", "method_idea")]
    assert (len(petal.front), len(petal.back)) == (500, 2000)


def test_a_wrong_correction_on_an_unticked_paper_stops_nothing(
    app: Flask, auth: AuthActions
) -> None:
    auth.register()
    fields = preview_fields(auth)
    fields["papers-1-cards-0-front"] = ""
    del fields["papers-1-keep"]
    assert post(auth, "/import", fields).status_code == 303
    assert counts(app)["papers"] == 2


def test_unticking_every_paper_saves_nothing(app: Flask, auth: AuthActions) -> None:
    auth.register()
    fields = {k: v for k, v in preview_fields(auth).items() if not k.endswith("-keep")}
    response = post(auth, "/import", fields)
    assert response.status_code == 422
    problem = html(response.data).select_one(".preview-problem")
    assert problem.get_text(strip=True) == "Tick at least one paper to save. Nothing was saved."
    assert all(
        not box.has_attr("checked") for box in html(response.data).select("input[name$=-keep]")
    )
    assert counts(app) == NOTHING


@pytest.mark.parametrize(
    "forge",
    [
        {"papers-0-identity": "arxiv:9999.99999"},
        {"papers-0-position": "7"},
        {"papers-0-position": "x"},
        {"papers-0-position": "²"},
        {"papers-0-position": "99999999999999999999999"},
        {"papers-1-position": "00"},
        {"papers-1-position": "0"},
        {"papers-0-cards-1-kind": "method_idea"},
        {"papers-2-cards-0-kind": "headline_number"},
        {"papers-0-cards-0-kind": "bogus"},
    ],
)
def test_corrections_that_do_not_fit_the_summary_are_shown_afresh(
    app: Flask, auth: AuthActions, forge: dict[str, str]
) -> None:
    auth.register()
    fields = {**preview_fields(auth), **forge, "papers-0-method": "Changed"}
    response = post(auth, "/import", fields)
    assert response.status_code == 422
    page = html(response.data)
    assert page.select_one(".preview-problem").get_text(strip=True) == (
        "The summary changed since its preview: here are its papers as they are now. "
        "Nothing was saved."
    )
    # The papers as extracted, ready to save again.
    assert save_form_fields(page) == preview_fields(auth)
    assert counts(app) == NOTHING


def test_a_summary_edited_since_its_preview_is_not_saved_with_old_corrections(
    app: Flask, auth: AuthActions
) -> None:
    auth.register()
    fields = preview_fields(auth)
    fields["papers-0-cards-0-back"] = "For PetalNet."
    # The first paper gone from the text: the corrections now point at other papers.
    rest = DIGEST_KO.split("### [Teaching", 1)[1]
    fields["text"] = "## Daily Papers (2025-03-15)\n\n### [Teaching" + rest
    response = post(auth, "/import", fields)
    assert response.status_code == 422
    assert counts(app) == NOTHING


def test_saving_unseen_saves_every_paper_as_extracted(app: Flask, auth: AuthActions) -> None:
    auth.register()
    # The form without any paper's fields (a script, or the import form's own button).
    assert post(auth, "/import", form(NOTES_EN, deck_name="Unseen")).status_code == 303
    assert all(text.edited_at is None for text in stored_cards(app).values())
    assert counts(app)["papers"] == 2


def _digest(papers: int) -> str:
    blocks = [
        f"### [Paper{n:03d}Net: Method Number {n}](https://arxiv.org/abs/2503.{n:05d})\n\n"
        f"- Paper{n:03d}Net은 블록마다 어텐션을 나눠 계산하는 새로운 방법을 제안한다.\n"
        f"- Paper{n:03d}Net은 기존 방법 대비 메모리를 최대 {n % 9 + 2}.5배 줄였다.\n"
        for n in range(papers)
    ]
    return "## Daily Papers (2025-04-01)\n\n" + "\n".join(blocks)


def test_a_long_summary_shows_a_hundred_papers_and_saves_every_ticked_one(
    app: Flask, auth: AuthActions
) -> None:
    auth.register()
    text = _digest(130)
    page = html(post(auth, "/import/preview", form(text)).data)
    assert len(page.select(".preview-papers > li")) == 100
    assert "…and 30 more papers, not shown here; saving keeps them too." in page.get_text()
    fields = save_form_fields(page)
    del fields["papers-5-keep"]
    fields["papers-99-cards-0-back"] = "The hundredth, corrected."
    response = post(auth, "/import", fields)
    assert response.status_code == 303
    assert counts(app)["papers"] == 129
    assert stored_cards(app)[("Paper099", "method_idea")].back == "The hundredth, corrected."


# ---- The page's language switch ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_language_switch_names_each_language_in_its_own(
    client: FlaskClient, auth: AuthActions, lang: str
) -> None:
    auth.register()
    pages = [
        html(client.get(f"/import?lang={lang}").data),
        html(post(auth, f"/import/preview?lang={lang}", form(DIGEST_KO)).data),
        html(post(auth, f"/import/preview?lang={lang}", form("")).data),
    ]
    for page in pages:
        switch = [e.get_text(strip=True) for e in page.select(".lang-switch [lang]")]
        assert switch == ["한국어", "English"]
    # A paper's language is still named in the reader's.
    facts = pages[1].select(".preview-facts dd")
    assert facts[1].get_text(strip=True) == {"en": "Korean", "ko": "한국어"}[lang]
