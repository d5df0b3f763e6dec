"""The library pages: decks, search, papers, cards, suspending, editing and adding decks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from studyapp.models import (
    Card,
    CardKind,
    CardText,
    PaperText,
    ReviewState,
    Topic,
    User,
    UserDeck,
)
from studyapp.services import library
from tests.conftest import AuthActions, html
from tests.factories import make_card, make_deck, make_paper, make_state, make_user


@dataclass(frozen=True)
class World:
    """Two users; two library decks; the reader's own deck; the other user's deck."""

    reader: int
    other: int
    daily: int
    blog: int
    mine: int
    theirs: int
    billm: int
    billm_idea: int
    billm_number: int
    smoothquant: int
    mine_paper: int
    mine_card: int
    theirs_paper: int
    theirs_card: int


def _topic(session: Session, slug: str, name_en: str, name_ko: str) -> Topic:
    topic = Topic(slug=slug, name_en=name_en, name_ko=name_ko)
    session.add(topic)
    return topic


@pytest.fixture
def world(auth: AuthActions, session: Session) -> World:
    auth.register()
    reader = session.scalars(select(User).where(User.email == "reader@example.com")).one()
    other = make_user(session, "other@example.com")
    quantization = _topic(session, "quantization", "Quantization", "양자화")
    alignment = _topic(session, "alignment", "Alignment & RLHF", "정렬·RLHF")

    daily = make_deck(session, slug="daily-papers")
    billm = make_paper(
        session, daily, arxiv_id="2402.04291", title="BiLLM: Pushing the Limit of PTQ for LLMs"
    )
    billm.method = "BiLLM"
    billm.topics = [quantization]
    billm.url = "https://arxiv.org/abs/2402.04291"
    billm.authors = ["Wei Huang", "Xianglong Liu"]
    billm.published_on = date(2024, 2, 8)
    billm.texts.append(PaperText(lang="ko", sentences=["BiLLM은 1비트 양자화 방법이다."]))
    billm_idea = make_card(session, billm, CardKind.METHOD_IDEA)
    billm_number = make_card(session, billm, CardKind.HEADLINE_NUMBER)

    blog = make_deck(session, slug="blog")
    smoothquant = make_paper(session, blog, arxiv_id="2211.10438", title="SmoothQuant")

    mine = make_deck(session, owner=reader, slug="my-notes")
    mine_paper = make_paper(session, mine, arxiv_id=None, title="LoomKV")
    mine_card = make_card(session, mine_paper)
    make_state(session, reader, mine_card)

    theirs = make_deck(session, owner=other, slug="secret")
    theirs_paper = make_paper(session, theirs, arxiv_id="2401.00001", title="SecretNet")
    theirs_paper.method = "SecretNet"
    theirs_paper.topics = [alignment, quantization]
    theirs_card = make_card(session, theirs_paper)
    make_state(session, other, theirs_card)
    session.commit()
    return World(
        reader=reader.id,
        other=other.id,
        daily=daily.id,
        blog=blog.id,
        mine=mine.id,
        theirs=theirs.id,
        billm=billm.id,
        billm_idea=billm_idea.id,
        billm_number=billm_number.id,
        smoothquant=smoothquant.id,
        mine_paper=mine_paper.id,
        mine_card=mine_card.id,
        theirs_paper=theirs_paper.id,
        theirs_card=theirs_card.id,
    )


def post(auth: AuthActions, url: str, data: dict[str, object], **kwargs: object) -> TestResponse:
    return cast(TestResponse, auth.post(url, data, **kwargs))


def page(client: FlaskClient, url: str, **query: str) -> BeautifulSoup:
    response = client.get(url, query_string=query or None)
    assert response.status_code == 200, url
    return html(response.data)


def fresh(session: Session) -> Session:
    """End the test's own transaction and forget what it loaded, so that its next read sees
    what the requests committed."""
    session.rollback()
    session.expire_all()
    return session


def state_of(session: Session, user_id: int, card_id: int) -> ReviewState | None:
    fresh(session)
    return session.scalars(
        select(ReviewState).where(ReviewState.user_id == user_id, ReviewState.card_id == card_id)
    ).one_or_none()


def texts(soup: BeautifulSoup, selector: str) -> list[str]:
    return [" ".join(element.get_text().split()) for element in soup.select(selector)]


# ---- Access ----


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/library"),
        ("get", "/library?q=billm"),
        ("get", "/library/decks/1"),
        ("get", "/papers/1"),
        ("get", "/cards/1/edit"),
        ("post", "/cards/1/edit"),
        ("post", "/cards/1/suspend"),
        ("post", "/library/decks/1/add"),
    ],
)
def test_every_page_asks_for_a_login(
    client: FlaskClient, auth: AuthActions, method: str, url: str
) -> None:
    response = client.get(url) if method == "get" else post(auth, url, {"suspended": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_pages_answer_200_to_their_reader(client: FlaskClient, world: World) -> None:
    for url in (
        "/library",
        "/library?q=BiLLM",
        f"/library/decks/{world.daily}",
        f"/library/decks/{world.mine}",
        f"/papers/{world.billm}",
        f"/papers/{world.mine_paper}",
        f"/cards/{world.mine_card}/edit",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/library/decks/{theirs}", {}),
        ("get", "/library/decks/999999", {}),
        ("get", "/papers/{theirs_paper}", {}),
        ("get", "/papers/999999", {}),
        ("get", "/cards/{theirs_card}/edit", {}),
        ("post", "/cards/{theirs_card}/edit", {"front": "x", "back": "y"}),
        ("post", "/cards/{theirs_card}/suspend", {"suspended": "1"}),
        ("post", "/cards/999999/suspend", {"suspended": "1"}),
        ("post", "/library/decks/{theirs}/add", {}),
        ("post", "/library/decks/{mine}/add", {}),
        ("post", "/library/decks/999999/add", {}),
    ],
)
def test_other_peoples_ids_answer_404(
    client: FlaskClient,
    auth: AuthActions,
    world: World,
    session: Session,
    method: str,
    url: str,
    data: dict[str, str],
) -> None:
    target = url.format(**world.__dict__)
    response = client.get(target) if method == "get" else post(auth, target, data)
    assert response.status_code == 404
    assert html(response.data).select_one(".error-page h1").get_text() == "404"
    # Nothing of theirs changed.
    theirs = state_of(session, world.other, world.theirs_card)
    assert theirs is not None and theirs.suspended is False and theirs.version == 1
    assert state_of(session, world.reader, world.theirs_card) is None
    assert session.scalar(select(func.count()).select_from(UserDeck)) == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_library_cards_cannot_be_edited(
    client: FlaskClient, auth: AuthActions, world: World, session: Session, method: str
) -> None:
    post(auth, f"/library/decks/{world.daily}/add", {})
    url = f"/cards/{world.billm_idea}/edit"
    data = {"front": "Mine now", "back": "changed", "text_lang": "ko"}
    response = client.get(url) if method == "get" else post(auth, url, data)
    assert response.status_code == 404
    fresh(session)
    assert session.get_one(Card, world.billm_idea).text("ko").front != "Mine now"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/cards/{mine_card}/suspend", {"suspended": "1"}),
        ("/cards/{mine_card}/edit", {"front": "x", "back": "y"}),
        ("/library/decks/{daily}/add", {}),
    ],
)
def test_posts_without_a_csrf_token_are_refused(
    client: FlaskClient, world: World, session: Session, url: str, data: dict[str, str]
) -> None:
    response = client.post(url.format(**world.__dict__), data=data)
    assert response.status_code == 400
    state = state_of(session, world.reader, world.mine_card)
    assert state is not None and state.suspended is False
    assert session.scalar(select(func.count()).select_from(UserDeck)) == 0


def test_ids_that_are_not_numbers_answer_404(client: FlaskClient, world: World) -> None:
    for url in ("/library/decks/abc", "/papers/1.5", "/cards/-1/edit"):
        assert client.get(url).status_code == 404


# ---- The library page ----


def test_the_library_lists_my_decks_and_the_library_decks_to_add(
    client: FlaskClient, world: World
) -> None:
    soup = page(client, "/library")
    mine = texts(soup, "section[aria-labelledby=mine-heading] li h3")
    available = texts(soup, "section[aria-labelledby=available-heading] li h3")
    assert mine == ["My-Notes"]
    assert available == ["Blog", "Daily-Papers"]
    add_forms = soup.select("section[aria-labelledby=available-heading] form[method=post]")
    assert [form["action"] for form in add_forms] == [
        f"/library/decks/{world.blog}/add",
        f"/library/decks/{world.daily}/add",
    ]
    assert all(form.select_one("input[name=csrf_token]") for form in add_forms)
    assert "Secret" not in soup.get_text()


def test_my_decks_show_papers_cards_and_my_new_and_due_counts(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    post(auth, f"/library/decks/{world.daily}/add", {})
    today = datetime.now(UTC).date()
    states = {
        state.card_id: state
        for state in fresh(session).scalars(
            select(ReviewState).where(ReviewState.user_id == world.reader)
        )
    }
    states[world.billm_number].due_on = today - timedelta(days=2)
    states[world.billm_idea].due_on = today + timedelta(days=30)
    session.commit()
    soup = page(client, "/library")
    daily = next(
        li
        for li in soup.select("section[aria-labelledby=mine-heading] li")
        if "Daily-Papers" in li.get_text()
    )
    counts = texts(daily, ".lib-counts span")
    assert counts == ["Library", "1 paper", "2 cards", "0 new", "1 due"]
    assert daily.select_one(".lib-due") is not None
    assert daily.select_one("form") is None


def test_another_users_states_never_count_for_me(
    client: FlaskClient, world: World, session: Session
) -> None:
    other = session.get_one(User, world.other)
    session.add(UserDeck(user_id=other.id, deck_id=world.daily))
    make_state(session, other, session.get_one(Card, world.billm_idea))
    session.commit()
    soup = page(client, f"/library/decks/{world.daily}")
    assert soup.select(".lib-suspend") == []
    assert soup.select(".lib-schedule") == []
    assert "Daily-Papers" in texts(page(client, "/library"), "#available-heading ~ ul h3")[-1]


# ---- Adding a library deck ----


def test_adding_a_library_deck_creates_my_review_states_once(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    response = post(auth, f"/library/decks/{world.daily}/add", {})
    assert response.status_code == 303
    assert response.headers["Location"] == "/library"
    flashes = texts(html(client.get("/library").data), ".flash")
    assert flashes == ["Added “Daily-Papers” to your cards: 2 cards to learn."]

    def mine() -> list[tuple[int, int]]:
        fresh(session)
        return [
            (state.card_id, state.version)
            for state in session.scalars(
                select(ReviewState)
                .where(ReviewState.user_id == world.reader)
                .order_by(ReviewState.card_id)
            )
        ]

    first = mine()
    assert [card for card, _ in first] == sorted(
        [world.billm_idea, world.billm_number, world.mine_card]
    )
    again = post(auth, f"/library/decks/{world.daily}/add", {})
    assert again.status_code == 303
    assert texts(html(client.get("/library").data), ".flash") == [
        "“Daily-Papers” is already in your cards."
    ]
    assert mine() == first
    assert session.scalar(select(func.count()).select_from(UserDeck)) == 1
    soup = page(client, "/library")
    assert "Daily-Papers" in texts(soup, "section[aria-labelledby=mine-heading] li h3")
    assert "Daily-Papers" not in texts(soup, "section[aria-labelledby=available-heading] li h3")


def test_adding_from_the_deck_page_comes_back_to_it(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    soup = page(client, f"/library/decks/{world.daily}")
    form = soup.select_one(f"form[action='/library/decks/{world.daily}/add']")
    assert form is not None
    back = str(form.select_one("input[name=next]")["value"])  # type: ignore[index]
    assert back == f"/library/decks/{world.daily}"
    response = post(auth, str(form["action"]), {"next": back})
    assert response.headers["Location"] == back
    soup = page(client, back)
    assert soup.select_one(f"form[action='/library/decks/{world.daily}/add']") is None
    assert len(soup.select(".lib-suspend")) == 2


# ---- Deck and paper pages ----


def test_the_deck_page_lists_papers_and_cards_with_my_schedule(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    post(auth, f"/library/decks/{world.daily}/add", {})
    state = state_of(session, world.reader, world.billm_number)
    assert state is not None
    state.due_on, state.interval_days, state.ease = date(2031, 3, 4), 6, 2.36
    session.commit()
    soup = page(client, f"/library/decks/{world.daily}")
    assert texts(soup, "h1") == ["Daily-Papers"]
    assert texts(soup, ".lib-papers > li > h2 a") == ["BiLLM: Pushing the Limit of PTQ for LLMs"]
    assert texts(soup, ".lib-papers .lib-paper-meta") == ["Method: BiLLM Quantization"]
    idea, number = soup.select(".lib-card")
    assert texts(idea, ".lib-card-kind") == ["Method → key idea"]
    assert texts(idea, ".lib-schedule") == ["New"]
    assert texts(number, ".lib-schedule span") == [
        "Due Mar 4, 2031",
        "Interval 6 days",
        "Ease 2.36",
    ]
    assert number.select_one("div[lang=ko] .lib-card-back").get_text() == "핵심 아이디어"
    assert idea.select_one(f"form[action='/cards/{world.billm_idea}/suspend']") is not None
    # Library cards are read-only.
    assert soup.select("a[href*='/edit']") == []


def test_cards_show_the_interface_language_when_translated(
    client: FlaskClient, world: World, session: Session
) -> None:
    card = session.get_one(Card, world.billm_idea)
    card.texts.append(CardText(lang="en", front="BiLLM — key idea?", back="1-bit weights"))
    session.commit()
    english = page(client, f"/library/decks/{world.daily}?lang=en")
    korean = page(client, f"/library/decks/{world.daily}?lang=ko")
    assert texts(english, "div[lang=en] .lib-card-front") == ["BiLLM — key idea?"]
    assert texts(korean, "div[lang=ko] .lib-card-back") == ["핵심 아이디어", "핵심 아이디어"]
    # The untranslated card stays in its own language, marked as such.
    assert texts(english, "div[lang=ko] .lib-card-back") == ["핵심 아이디어"]


def test_my_own_deck_offers_edit_and_suspend(client: FlaskClient, world: World) -> None:
    soup = page(client, f"/library/decks/{world.mine}")
    assert texts(soup, ".lib-counts span")[0] == "Imported by you"
    edit = soup.select_one(f"a[href^='/cards/{world.mine_card}/edit']")
    assert edit is not None
    assert edit["href"] == f"/cards/{world.mine_card}/edit?next=/library/decks/{world.mine}"
    assert soup.select_one(f"form[action='/cards/{world.mine_card}/suspend']") is not None


def test_the_paper_page_shows_summary_authors_date_link_and_cards(
    client: FlaskClient, world: World, session: Session
) -> None:
    paper_text = session.get_one(PaperText, (world.billm, "ko"))
    paper_text.paper.texts.append(PaperText(lang="en", sentences=["BiLLM binarizes weights."]))
    session.commit()
    soup = page(client, f"/papers/{world.billm}?lang=en")
    assert texts(soup, "h1") == ["BiLLM: Pushing the Limit of PTQ for LLMs"]
    assert texts(soup, ".lib-authors") == ["Wei Huang, Xianglong Liu"]
    assert soup.select_one("time[datetime='2024-02-08']").get_text() == "Feb 8, 2024"
    link = soup.select_one(".lib-paper-facts a")
    assert link is not None and link["href"] == "https://arxiv.org/abs/2402.04291"
    assert texts(soup, "ul.lib-summary[lang=en] li") == ["BiLLM binarizes weights."]
    assert texts(page(client, f"/papers/{world.billm}?lang=ko"), "ul.lib-summary[lang=ko] li") == [
        "BiLLM은 1비트 양자화 방법이다."
    ]
    assert len(soup.select(".lib-card")) == 2
    assert "Add the deck" in soup.select_one("#cards-heading ~ .hint").get_text()


@pytest.mark.parametrize(
    ("url", "arxiv_id", "expected"),
    [
        ("javascript:alert(1)", None, None),
        ("data:text/html,hi", None, None),
        ("ftp://example.org/paper.pdf", None, None),
        ("http://example.org/paper", None, "http://example.org/paper"),
        ("javascript:alert(1)", "2402.04291", "https://arxiv.org/abs/2402.04291"),
        (None, "2402.04291", "https://arxiv.org/abs/2402.04291"),
    ],
)
def test_only_web_addresses_become_links(
    client: FlaskClient,
    world: World,
    session: Session,
    url: str | None,
    arxiv_id: str | None,
    expected: str | None,
) -> None:
    deck = make_deck(session, owner=session.get_one(User, world.reader), slug="links")
    paper = make_paper(session, deck, arxiv_id=arxiv_id, title="Linked")
    paper.url = url
    session.commit()
    soup = page(client, f"/papers/{paper.id}")
    hrefs = [str(a["href"]) for a in soup.select(".lib-paper-facts a")]
    assert hrefs == ([expected] if expected else [])
    assert not soup.select("main a[href^='javascript'], main a[href^='data']")


def test_a_deck_is_paged(world: World, session: Session) -> None:
    reader = session.get_one(User, world.reader)
    deck = make_deck(session, owner=reader, slug="long")
    for number in range(3):
        make_paper(session, deck, arxiv_id=f"2402.0000{number}", title=f"Paper {number}")
    session.commit()

    def titles(page_number: int) -> list[str]:
        today = datetime.now(UTC).date()
        view = library.deck_page(
            session, reader.id, deck.id, lang="en", today=today, page=page_number, per_page=2
        )
        assert view.pages == 2
        return [paper_view.paper.title for paper_view in view.papers]

    assert titles(1) == ["Paper 0", "Paper 1"]
    assert titles(2) == ["Paper 2"]
    assert titles(99) == ["Paper 2"]
    assert titles(0) == ["Paper 0", "Paper 1"]


# ---- Suspending ----


def test_suspend_and_resume_without_javascript(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    back = f"/library/decks/{world.mine}"
    response = post(auth, f"/cards/{world.mine_card}/suspend", {"suspended": "1", "next": back})
    assert response.status_code == 303
    assert response.headers["Location"] == back
    state = state_of(session, world.reader, world.mine_card)
    assert state is not None and state.suspended is True
    soup = page(client, back)
    assert texts(soup, ".flash") == [
        "Card suspended: it stays out of your reviews until you resume it."
    ]
    control = soup.select_one(f"form[action='/cards/{world.mine_card}/suspend']")
    assert control is not None and control.has_attr("data-suspended")
    assert control.select_one("input[name=suspended]")["value"] == "0"  # type: ignore[index]
    assert "1 suspended" in texts(soup, ".lib-counts span")

    post(auth, f"/cards/{world.mine_card}/suspend", {"suspended": "0", "next": back})
    state = state_of(session, world.reader, world.mine_card)
    assert state is not None and state.suspended is False


def test_suspend_with_htmx_returns_only_the_control(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    back = f"/papers/{world.mine_paper}"
    response = post(
        auth,
        f"/cards/{world.mine_card}/suspend",
        {"suspended": "1", "next": back},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    soup = html(response.data)
    assert soup.select_one("html") is None and soup.select_one("body") is None
    form = soup.select_one("form.lib-suspend")
    assert form is not None
    assert form["hx-target"] == "this" and form["hx-swap"] == "outerHTML"
    assert form.has_attr("data-suspended")
    assert form.select_one("input[name=next]")["value"] == back  # type: ignore[index]
    assert texts(form, "button") == ["Resume"]
    assert "HX-Request" in response.headers["Vary"]
    state = state_of(session, world.reader, world.mine_card)
    assert state is not None and state.suspended is True
    # No message is left over for the next full page.
    assert texts(page(client, back), ".flash") == []


def test_the_pages_include_the_same_control_htmx_returns(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    back = f"/papers/{world.mine_paper}"
    on_page = page(client, back).select_one("form.lib-suspend")
    alone = html(
        post(
            auth,
            f"/cards/{world.mine_card}/suspend",
            {"suspended": "0", "next": back},
            headers={"HX-Request": "true"},
        ).data
    ).select_one("form.lib-suspend")
    assert on_page is not None and alone is not None
    for form in (on_page, alone):
        form.select_one("input[name=csrf_token]").decompose()  # type: ignore[union-attr]
    assert str(on_page) == str(alone)


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_suspend_only_goes_back_within_the_site(
    auth: AuthActions, world: World, target: str
) -> None:
    response = post(auth, f"/cards/{world.mine_card}/suspend", {"suspended": "1", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/library/decks/{world.mine}"


@pytest.mark.parametrize("value", ["", "yes", "2", "true"])
def test_suspend_needs_zero_or_one(
    auth: AuthActions, world: World, session: Session, value: str
) -> None:
    response = post(auth, f"/cards/{world.mine_card}/suspend", {"suspended": value})
    assert response.status_code == 400
    state = state_of(session, world.reader, world.mine_card)
    assert state is not None and state.suspended is False


def test_a_card_i_do_not_study_cannot_be_suspended(auth: AuthActions, world: World) -> None:
    response = post(auth, f"/cards/{world.billm_idea}/suspend", {"suspended": "1"})
    assert response.status_code == 404


# ---- Editing ----


def test_editing_keeps_the_card_its_guid_and_my_schedule(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    state = state_of(session, world.reader, world.mine_card)
    assert state is not None
    state.repetitions, state.interval_days, state.ease = 3, 15, 2.2
    state.due_on = date(2030, 1, 2)
    session.commit()
    before = {column: getattr(state, column) for column in _STATE_COLUMNS}
    card = session.get_one(Card, world.mine_card)
    guid = card.guid

    form = page(client, f"/cards/{world.mine_card}/edit").select_one("form.stack")
    assert form is not None
    assert form.select_one("textarea[name=front]").get_text().strip() == "LoomKV"  # type: ignore[union-attr]
    assert form.select_one("textarea[name=back][lang=ko]") is not None
    assert form.select_one("input[name=text_lang]")["value"] == "ko"  # type: ignore[index]
    response = post(
        auth,
        f"/cards/{world.mine_card}/edit",
        {
            "text_lang": "ko",
            "front": "  LoomKV — 핵심 아이디어는?\r\n ",
            "back": "\n KV 캐시를 짜서 줄인다. ",
            "source_sentence": "   ",
            "next": f"/papers/{world.mine_paper}",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/papers/{world.mine_paper}"
    fresh(session)
    card = session.get_one(Card, world.mine_card)
    assert card.guid == guid
    assert [(t.lang, t.front, t.back, t.source_sentence) for t in card.texts] == [
        ("ko", "LoomKV — 핵심 아이디어는?", "KV 캐시를 짜서 줄인다.", None)
    ]
    after = state_of(session, world.reader, world.mine_card)
    assert after is not None
    assert {column: getattr(after, column) for column in _STATE_COLUMNS} == before
    assert texts(page(client, f"/papers/{world.mine_paper}"), ".lib-card-back") == [
        "KV 캐시를 짜서 줄인다."
    ]


_STATE_COLUMNS = ("id", "repetitions", "ease", "interval_days", "due_on", "suspended", "version")


def test_editing_changes_the_translation_the_reader_sees(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    card = session.get_one(Card, world.mine_card)
    card.texts.append(CardText(lang="en", front="LoomKV?", back="Packs the KV cache."))
    session.commit()
    form = page(client, f"/cards/{world.mine_card}/edit?lang=en").select_one("form.stack")
    assert form.select_one("input[name=text_lang]")["value"] == "en"  # type: ignore[index, union-attr]
    post(
        auth,
        f"/cards/{world.mine_card}/edit",
        {"text_lang": "en", "front": "LoomKV — key idea?", "back": "Packs the KV cache tightly."},
    )
    fresh(session)
    by_lang = {t.lang: t for t in session.get_one(Card, world.mine_card).texts}
    assert by_lang["en"].back == "Packs the KV cache tightly."
    assert by_lang["ko"].back == "핵심 아이디어"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"front": "", "back": "b"}, "front", "This field is required."),
        ({"front": "   ", "back": "b"}, "front", "This field is required."),
        ({"front": "f", "back": " \r\n "}, "back", "This field is required."),
        ({"front": "f" * 501, "back": "b"}, "front", "Field cannot be longer than 500 characters."),
        (
            {"front": "f", "back": "b" * 2001},
            "back",
            "Field cannot be longer than 2000 characters.",
        ),
        (
            {"front": "f", "back": "b", "source_sentence": "s" * 2001},
            "source_sentence",
            "Field cannot be longer than 2000 characters.",
        ),
    ],
)
def test_bad_edits_say_what_is_wrong_and_change_nothing(
    auth: AuthActions,
    world: World,
    session: Session,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = post(auth, f"/cards/{world.mine_card}/edit", {"text_lang": "ko", **data})
    assert response.status_code == 422
    soup = html(response.data)
    errors = texts(soup, f"textarea[name={field}][aria-invalid=true] ~ .error")
    assert errors == [message]
    fresh(session)
    assert session.get_one(Card, world.mine_card).text("ko").front == "LoomKV"


def test_edit_limits_are_exactly_the_maximum(
    auth: AuthActions, world: World, session: Session
) -> None:
    response = post(
        auth, f"/cards/{world.mine_card}/edit", {"front": "f" * 500, "back": "b" * 2000}
    )
    assert response.status_code == 303
    fresh(session)
    assert len(session.get_one(Card, world.mine_card).text("ko").back) == 2000


# ---- Search ----


@pytest.mark.parametrize(
    "query",
    ["Pushing the limit", "billm", "BiLLM", "quantization", "Quantization", "양자화", "QUANT"],
)
def test_search_finds_papers_by_title_method_and_topic(
    client: FlaskClient, world: World, query: str
) -> None:
    soup = page(client, "/library", q=query)
    titles = texts(soup, ".lib-results h3 a")
    assert "BiLLM: Pushing the Limit of PTQ for LLMs" in titles
    assert "SecretNet" not in soup.get_text()
    result = soup.select_one(".lib-results li")
    assert result is not None
    assert result.select_one("h3 a")["href"] == f"/papers/{world.billm}"  # type: ignore[index]
    assert texts(result, ".meta a") == ["Quantization", "Daily-Papers"]


def test_search_covers_my_decks_and_not_others(client: FlaskClient, world: World) -> None:
    assert texts(page(client, "/library?q=loomkv"), ".lib-results h3 a") == ["LoomKV"]
    for query in ("SecretNet", "secret", "alignment", "정렬"):
        soup = page(client, "/library", q=query)
        assert soup.select(".lib-results li") == []
        assert soup.select_one(".empty") is not None


@pytest.mark.parametrize("query", ["%", "_", "\\", "Bi%M"])
def test_search_wildcards_are_plain_characters(
    client: FlaskClient, world: World, query: str
) -> None:
    assert page(client, "/library", q=query).select(".lib-results li") == []


def test_search_results_with_htmx_are_the_listing_only(client: FlaskClient, world: World) -> None:
    response = client.get("/library?q=smooth", headers={"HX-Request": "true"})
    soup = html(response.data)
    assert soup.select_one("html") is None
    assert soup.select_one("div#library-main") is not None
    assert texts(soup, ".lib-results h3 a") == ["SmoothQuant"]
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        whole = client.get("/library?q=smooth", headers={"HX-Request": "true", **extra})
        assert html(whole.data).select_one("html") is not None, extra


def test_the_search_box_works_without_javascript(client: FlaskClient, world: World) -> None:
    soup = page(client, "/library?q=smooth")
    form = soup.select_one("form[role=search]")
    assert form is not None and form["method"] == "get" and form["action"] == "/library"
    assert form.select_one("input[name=q]")["value"] == "smooth"  # type: ignore[index]
