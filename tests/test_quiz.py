"""Quiz mode: questions and distractors, typed numbers, scoring, and an untouched schedule."""

from __future__ import annotations

import gc
import re
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.extract import extract_text
from studyapp.extract.cards import card_name
from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft
from studyapp.extract.names import title_name
from studyapp.extract.text import detect_lang
from studyapp.identity import CardKind
from studyapp.models import (
    Card,
    CardText,
    Deck,
    Paper,
    Quiz,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    Topic,
    User,
    utcnow,
)
from studyapp.services import builtin, cards, progress, quiz, quiz_missed, review
from studyapp.services.enrollment import enroll
from studyapp.services.errors import InvalidAnswer, NotFound
from studyapp.services.importing import DeckImport, import_decks
from studyapp.services.quiz_names import NAME_BLANK, blank_names, name_forms
from studyapp.services.quiz_numbers import number_matches
from tests.conftest import AuthActions, html
from tests.factories import make_user

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def paper(
    n: int, topics: tuple[str, ...], *, number: tuple[str, float, str] | None = None
) -> PaperDraft:
    name = f"Method{n}"
    cards = [
        CardDraft(CardKind.METHOD_IDEA, f"{name} — key idea?", f"Idea number {n} of its kind.")
    ]
    if number is not None:
        text, value, unit = number
        cards.append(
            CardDraft(
                CardKind.HEADLINE_NUMBER,
                f"{name} — headline result?\nIt reaches ___ on the benchmark.",
                text,
                source_sentence=f"It reaches {text} on the benchmark.",
                number=NumberDraft(text, value, unit),
            )
        )
    return PaperDraft(
        title=f"{name}: A Paper",
        lang="en",
        sentences=(f"{name} does things.",),
        method=name,
        topics=topics,
        cards=tuple(cards),
        arxiv_id=f"2501.{n:05d}",
    )


def study(session: Session, papers: list[PaperDraft], user: User | None = None) -> User:
    """A user studying one deck of these papers."""
    if user is None:
        with session.begin():
            user = make_user(session)
    (report,) = import_decks(session, [DeckImport(name="Quiz deck", papers=papers)])
    with session.begin():
        enroll(session, report.deck_id, [user.id])
    return user


@pytest.fixture
def reader(session: Session) -> User:
    with session.begin():
        user = make_user(session)
    # Six quantization papers and two attention papers, with numbers; one paper on both.
    papers = [paper(i, ("quantization",), number=(f"{i}.5x", i + 0.5, "×")) for i in range(1, 7)]
    papers += [paper(i, ("attention",), number=(f"{i}.5x", i + 0.5, "×")) for i in range(7, 9)]
    papers.append(paper(9, ("quantization", "attention")))
    return study(session, papers, user)


def questions(session: Session, quiz_id: int) -> list[QuizQuestion]:
    with session.begin():
        return list(
            session.scalars(
                select(QuizQuestion)
                .where(QuizQuestion.quiz_id == quiz_id)
                .order_by(QuizQuestion.position)
            )
        )


@pytest.mark.parametrize("seed", range(12))
def test_options_hold_the_answer_once_and_distractors_come_from_the_topic(
    session: Session, reader: User, seed: int
) -> None:
    quiz_id = quiz.start(
        session, reader.id, lang="en", now=NOW, topic="quantization", size=10, seed=seed
    )
    asked = questions(session, quiz_id)
    # Seven quantization papers: 13 cards, a quiz of 10, no card twice.
    assert len(asked) == 10
    assert len({q.card_id for q in asked}) == 10
    in_topic_ideas = {f"Idea number {i} of its kind." for i in (*range(1, 7), 9)}
    in_topic_names = {f"Method{i}" for i in (*range(1, 7), 9)}
    for q in asked:
        if q.kind == "number_typed":
            assert q.options == [] and q.correct_index is None
            continue
        assert len(q.options) == 4
        assert q.options[q.correct_index] == q.answer
        assert q.options.count(q.answer) == 1
        assert len(set(q.options)) == 4
        if q.kind == "idea_choice":
            assert set(q.options) <= in_topic_ideas
        elif q.kind.startswith("paper_from"):
            assert set(q.options) <= in_topic_names
        else:  # other papers' numbers in the same unit
            assert all(option.endswith(".5x") for option in q.options)


def test_a_seed_gives_the_same_quiz_and_kinds_are_mixed(session: Session, reader: User) -> None:
    def run(seed: int) -> list[tuple[int, str, list[str]]]:
        quiz_id = quiz.start(
            session, reader.id, lang="en", now=NOW, topic="quantization", size=13, seed=seed
        )
        return [(q.card_id, q.kind, q.options) for q in questions(session, quiz_id)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    kinds = {kind for seed in range(6) for _, kind, _ in run(seed)}
    assert kinds == {
        "idea_choice",
        "number_choice",
        "number_typed",
        "paper_from_idea",
        "paper_from_number",
    }


def test_a_small_topic_borrows_distractors_from_its_neighbours(
    session: Session, reader: User
) -> None:
    # Attention has three papers (7, 8 and 9): a fourth key idea must come from quantization,
    # the topic paper 9 shares with it.
    for seed in range(8):
        quiz_id = quiz.start(session, reader.id, lang="en", now=NOW, topic="attention", seed=seed)
        for q in questions(session, quiz_id):
            if q.kind == "number_typed":
                continue
            assert q.options.count(q.answer) == 1 and len(q.options) == 4
            if q.kind == "idea_choice":
                borrowed = [
                    o
                    for o in q.options
                    if o not in {f"Idea number {i} of its kind." for i in (7, 8, 9)}
                ]
                assert len(borrowed) == 1


def test_a_topic_with_fewer_than_four_cards_is_refused(session: Session) -> None:
    user_id = study(session, [paper(1, ("robotics",)), paper(2, ("robotics",))]).id
    with pytest.raises(quiz.TooFewCards) as refused:
        quiz.start(session, user_id, lang="en", now=NOW, topic="robotics")
    assert refused.value.available == 2
    with pytest.raises(NotFound):
        quiz.start(session, user_id, lang="en", now=NOW, topic="audio")


@pytest.mark.parametrize(
    ("typed", "shown", "value", "unit", "right"),
    [
        ("48.9", "48.9배", 48.9, "×", True),
        ("48.9x", "48.9배", 48.9, "×", True),
        ("48.9배", "48.9x", 48.9, "×", True),
        ("48.9 배", "48.9x", 48.9, "×", True),
        ("  48.90 ", "48.9x", 48.9, "×", True),
        ("48.9×", "48.9x", 48.9, "×", True),
        ("49", "48.9x", 48.9, "×", False),
        ("48.8", "48.9x", 48.9, "×", False),
        ("48.9%", "48.9x", 48.9, "×", False),
        ("1만", "10,000", 10000, None, True),
        ("10000", "1만", 10000, None, True),
        ("2억 7천만", "270M", 270_000_000, None, True),
        ("270000000", "2억 7천만 개", 270_000_000, "개", True),
        ("2.7억", "2억 7천만", 270_000_000, None, True),
        ("2895", "2895 Elo", 2895, "Elo", True),
        ("2890", "2895 Elo", 2895, "Elo", False),
        ("25", "25%", 25, "%", True),
        ("25%", "25%", 25, "%", True),
        ("0.1", "0.1%", 0.1, "%", True),
        ("5B", "5B", 5e9, None, True),
        ("5000000000", "5B", 5e9, None, True),
        ("six", "6x", 6, "×", False),
        ("", "6x", 6, "×", False),
    ],
)
def test_typed_numbers_match_at_the_precision_shown(
    typed: str, shown: str, value: float, unit: str | None, right: bool
) -> None:
    assert number_matches(typed, shown, value, unit) is right


def schedule(session: Session, user: User) -> tuple[list[tuple[object, ...]], int]:
    with session.begin():
        states = session.execute(
            select(
                ReviewState.card_id,
                ReviewState.repetitions,
                ReviewState.ease,
                ReviewState.interval_days,
                ReviewState.due_on,
                ReviewState.version,
            )
            .where(ReviewState.user_id == user.id)
            .order_by(ReviewState.card_id)
        ).all()
        logs = session.scalar(select(func.count(ReviewLog.id))) or 0
    return [tuple(s) for s in states], logs


def answer_all(session: Session, user_id: int, quiz_id: int, *, right: bool) -> None:
    for q in questions(session, quiz_id):
        if q.options:
            index = q.correct_index if right else (q.correct_index + 1) % len(q.options)
            given = str(index)
        else:
            given = q.answer if right else "123456"
        quiz.answer(session, user_id, quiz_id, q.position, given=given, now=NOW)


def test_a_quiz_never_touches_the_schedule(session: Session, reader: User) -> None:
    before = schedule(session, reader)
    quiz_id = quiz.start(session, reader.id, lang="en", now=NOW, topic="quantization", seed=1)
    answer_all(session, reader.id, quiz_id, right=False)
    assert schedule(session, reader) == before
    found = quiz.result(session, reader.id, quiz_id)
    assert found.finished and found.score == 0 and len(found.missed) == 10


def test_an_answer_counts_once(session: Session, reader: User) -> None:
    quiz_id = quiz.start(session, reader.id, lang="en", now=NOW, topic="quantization", seed=3)
    first = questions(session, quiz_id)[0]
    right = str(first.correct_index) if first.options else first.answer
    wrong = str((first.correct_index + 1) % 4) if first.options else "0"
    assert quiz.answer(session, reader.id, quiz_id, 0, given=right, now=NOW).correct
    # A double click or a second tab with another answer changes nothing.
    assert quiz.answer(session, reader.id, quiz_id, 0, given=wrong, now=NOW).correct
    with pytest.raises(InvalidAnswer):
        quiz.answer(session, reader.id, quiz_id, 1, given="  ", now=NOW)
    with session.begin():
        other = make_user(session, "other@example.com")
    with pytest.raises(NotFound):
        quiz.answer(session, other.id, quiz_id, 1, given="1", now=NOW)


def test_missed_cards_become_due_today_with_ease_and_interval_kept(
    session: Session, reader: User
) -> None:
    reader_id = reader.id
    later = date(2025, 3, 20)
    with session.begin():
        # Every card of a paper may join today's queue: nothing buries siblings.
        session.get_one(User, reader_id).bury_siblings = False
        for state in session.scalars(select(ReviewState).where(ReviewState.user_id == reader_id)):
            state.repetitions, state.ease, state.interval_days, state.due_on = 3, 2.36, 15, later
    quiz_id = quiz.start(session, reader_id, lang="en", now=NOW, topic="quantization", seed=5)
    asked = questions(session, quiz_id)
    answer_all(session, reader_id, quiz_id, right=False)
    right_card = asked[0].card_id
    with session.begin():
        session.execute(
            QuizQuestion.__table__.update()
            .where(QuizQuestion.id == asked[0].id)
            .values(correct=True)
        )
    session.expire_all()

    assert quiz_missed.missed_plan(session, reader_id, quiz_id, now=NOW).count == 9
    moved = quiz_missed.make_missed_due(session, reader_id, quiz_id, timezone="Asia/Seoul", now=NOW)
    assert moved == 9
    with session.begin():
        states = {
            s.card_id: s
            for s in session.scalars(select(ReviewState).where(ReviewState.user_id == reader_id))
        }
        missed = {q.card_id for q in asked[1:]}
        for card_id, state in states.items():
            assert (state.repetitions, state.ease, state.interval_days) == (3, 2.36, 15)
            assert state.due_on == (date(2025, 3, 10) if card_id in missed else later)
        assert states[right_card].due_on == later
        assert session.scalar(select(func.count(ReviewLog.id))) == 0
    # Once per quiz.
    assert (
        quiz_missed.make_missed_due(
            session, reader_id, quiz_id, timezone="UTC", now=NOW + timedelta(1)
        )
        == 0
    )
    assert quiz_missed.missed_plan(session, reader_id, quiz_id, now=NOW).done


def test_a_whole_quiz_through_the_pages(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    with session.begin():
        user = session.scalars(select(User)).one()
    study(
        session, [paper(i, ("quantization",), number=(f"{i}x", i, "×")) for i in range(1, 4)], user
    )
    page = html(client.get("/quiz").data)
    topic = page.select_one(".quiz-topic")
    assert "Quantization" in topic.get_text() and "3 papers" in topic.get_text()
    with session.begin():
        deck_id = session.scalars(select(Deck.id)).one()

    response = auth.post("/quiz", {"deck": str(deck_id), "size": "5"})
    assert response.status_code == 303  # type: ignore[attr-defined]
    take = response.headers["Location"]  # type: ignore[attr-defined]
    for _ in range(5):
        page = html(client.get(take).data)
        position = page.select_one("input[name=position]")["value"]
        button = page.select_one("button[name=choice]")
        data = {"position": position}
        data |= {"choice": button["value"]} if button else {"typed": "1"}
        assert auth.post(take + "/answer", data).status_code == 303  # type: ignore[attr-defined]
        feedback = html(client.get(f"{take}?q={position}").data)
        assert feedback.select_one(".quiz-feedback") is not None
    assert client.get(take).headers["Location"].endswith("/results")
    results = html(client.get(take + "/results").data)
    assert len(results.select(".quiz-row")) == 5
    score = results.select_one(".quiz-score").get_text()
    assert score.endswith("of 5 right")
    links = [a["href"] for a in results.select(".quiz-row a")]
    assert all(link.startswith("/papers/") and "#card-" in link for link in links)


def test_a_quiz_goes_on_when_one_of_its_cards_is_deleted(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    # Deleting a card deletes its question; the others keep their positions, which are not
    # list indexes any more.
    auth.register()
    with session.begin():
        user = session.scalars(select(User)).one()
    study(
        session, [paper(i, ("quantization",), number=(f"{i}x", i, "×")) for i in range(1, 4)], user
    )
    with session.begin():
        deck_id = session.scalars(select(Deck.id)).one()
    take = auth.post("/quiz", {"deck": str(deck_id), "size": "5"}).headers["Location"]  # type: ignore[attr-defined]
    quiz_id = int(take.rsplit("/", 1)[1])
    with session.begin():
        first = session.scalars(
            select(QuizQuestion).where(QuizQuestion.quiz_id == quiz_id, QuizQuestion.position == 0)
        ).one()
        session.delete(first)
    page = html(client.get(take).data)
    position = page.select_one("input[name=position]")["value"]
    assert position == "1"
    # The deleted question is no page and takes no answer; the next one does.
    assert client.get(f"{take}?q=0").status_code == 200
    assert auth.post(take + "/answer", {"position": "0", "typed": "1"}).status_code == 404  # type: ignore[attr-defined]
    button = page.select_one("button[name=choice]")
    data = {"position": position} | ({"choice": button["value"]} if button else {"typed": "1"})
    assert auth.post(take + "/answer", data).status_code == 303  # type: ignore[attr-defined]
    feedback = html(client.get(f"{take}?q={position}").data)
    assert feedback.select_one(".quiz-feedback") is not None
    assert feedback.select_one("input[name=position]")["value"] == position
    for raw in ("²", "-1", "99999999999"):
        assert auth.post(take + "/answer", {"position": raw, "typed": "1"}).status_code == 400  # type: ignore[attr-defined]


def test_too_small_a_choice_gets_a_clear_message(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    with session.begin():
        user = session.scalars(select(User)).one()
    study(session, [paper(1, ("robotics",))], user)
    page = html(client.get("/quiz").data)
    assert page.select_one(".quiz-topic button") is None  # no start button on a small topic
    response = auth.post("/quiz", {"topic": "robotics"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "only 1 card" in html(response.data).select_one("[role=alert]").get_text()  # type: ignore[attr-defined]
    with session.begin():
        assert session.scalar(select(func.count(Quiz.id))) == 0


def test_another_users_quiz_is_404(
    client: FlaskClient, auth: AuthActions, session: Session, reader: User
) -> None:
    quiz_id = quiz.start(session, reader.id, lang="en", now=NOW, topic="quantization", seed=2)
    auth.register(email="intruder@example.com")
    for url in (f"/quiz/{quiz_id}", f"/quiz/{quiz_id}/results"):
        assert client.get(url).status_code == 404
    assert auth.post(f"/quiz/{quiz_id}/answer", {"position": "0", "choice": "0"}).status_code == 404  # type: ignore[attr-defined]
    assert auth.post(f"/quiz/{quiz_id}/missed", {}).status_code == 404  # type: ignore[attr-defined]


# ---- Nothing gives the answer away, on real cards ------------------------------------------

DATA = Path(__file__).parent / "data"
DECKS = Path(__file__).parents[1] / "decks"
#: The Daily Papers digests in tests/data: every era of the Korean series, and English ones.
DIGESTS = (
    "digest_ko.md",
    "digest_en.md",
    "eras/dp_2023_plain.md",
    "eras/dp_2024_labels3.md",
    "eras/dp_2024_vote.md",
    "eras/dp_2025_labels2.md",
    "holdout/daily_papers_2025-06-02_ko.md",
    "holdout/daily_papers_2025-06-03_en.md",
)


@pytest.fixture
def digest_reader(session: Session) -> User:
    """A reader studying every paper of the digests in tests/data (each card in its own
    language) and the built-in library (every card in Korean and English)."""
    with session.begin():
        user = make_user(session)
    imports = [
        DeckImport(
            name=name,
            papers=extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers,
        )
        for name in DIGESTS
    ]
    imports += [deck_file.deck for deck_file in builtin.read_decks(DECKS)]
    reports = import_decks(session, imports)
    with session.begin():
        for report in reports:
            enroll(session, report.deck_id, [user.id])
    return user


def word_in(name: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text, re.I) is not None


def all_questions(session: Session, user_id: int, lang: str, seeds: range) -> list[QuizQuestion]:
    """Every question of a quiz as long as can be, on every topic, for each seed."""
    with session.begin():
        topics = session.scalars(select(Topic.slug).order_by(Topic.slug)).all()
    asked = []
    for seed in seeds:
        for topic in topics:
            try:
                quiz_id = quiz.start(
                    session, user_id, lang=lang, now=NOW, topic=topic, size=50, seed=seed
                )
            except (NotFound, quiz.TooFewCards):
                continue
            asked += questions(session, quiz_id)
    return asked


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_prompt_names_its_answer_and_no_key_idea_names_the_asked_method(
    session: Session, digest_reader: User, lang: str
) -> None:
    with session.begin():
        papers = {p.id: p for p in session.scalars(select(Paper))}
        paper_of = dict(session.execute(select(Card.id, Card.paper_id)).all())
        names = {
            paper_id: {
                name
                for name in (p.method, card_name(p.title, p.method), title_name(p.title))
                if name
            }
            for paper_id, p in papers.items()
        }
    by_option: dict[str, set[str]] = {}
    for paper_id, p in papers.items():
        by_option.setdefault(card_name(p.title, p.method), set()).update(names[paper_id])
    asked = all_questions(session, digest_reader.id, lang, range(3))
    kinds = {q.kind for q in asked}
    assert {"paper_from_idea", "paper_from_number", "idea_choice"} <= kinds
    leaks = []
    for q in asked:
        if q.kind.startswith("paper_from"):
            # Which paper said this? The text names none of the four.
            assert q.options[q.correct_index] == q.answer
            leaks += [
                (q.prompt, n) for o in q.options for n in by_option[o] if word_in(n, q.prompt)
            ]
        elif q.kind == "idea_choice":
            # Which is this method's key idea? No option names the method asked about.
            own = names[paper_of[q.card_id]]
            leaks += [(o, n) for o in q.options for n in own if word_in(n, o)]
    assert leaks == []
    # The names are there to blank: the questions are not trivially clean.
    assert sum(NAME_BLANK in q.prompt for q in asked if q.kind.startswith("paper_from")) > 20
    assert sum(NAME_BLANK in o for q in asked if q.kind == "idea_choice" for o in q.options) > 20


def test_names_and_their_short_and_long_forms_are_blanked_alike() -> None:
    sma = name_forms(
        "Sparse Mixture of Adapters for Multilingual Translation",
        "SMA",
        ["언어마다 어댑터를 두는 Sparse Mixture of Adapters(SMA)를 제안"],
    )
    assert {"SMA", "Sparse Mixture of Adapters"} <= set(sma)
    assert (
        blank_names("두 개를 골라 쓰는 Sparse Mixture of Adapters(SMA)를 제안한다.", sma)
        == "두 개를 골라 쓰는 ▢▢▢을(를) 제안한다."
    )
    # A short form the title spells out, with a digit in it.
    gaussians = name_forms(
        "Fast 3D Gaussian Splatting Training with Second-Order Optimization", "3DGS"
    )
    assert blank_names("fitting 3D Gaussian Splatting scenes, unlike 3DGS", gaussians) == (
        "fitting ▢▢▢ scenes, unlike ▢▢▢"
    )
    assert "Ring Buffer Attention" in name_forms("Ring Buffer Attention for Streaming ASR", "RBA")
    # A Korean particle after a blank is written in both forms: the one the name called for
    # ('PetalNet은', 'RiverDiff는') would tell which name it was.
    assert blank_names("PetalNet은 빠르고 RiverDiff는 느리다.", ["PetalNet", "RiverDiff"]) == (
        "▢▢▢은(는) 빠르고 ▢▢▢은(는) 느리다."
    )
    assert blank_names("'RiverDiff'라는 모델과 PetalNet으로서", ["RiverDiff", "PetalNet"]) == (
        "'▢▢▢'(이)라는 모델과 ▢▢▢(으)로서"
    )
    # A coined name is blanked however it is capitalised; a plain word only as written.
    assert blank_names("TIDEPOOL and TidePool", ["TidePool"]) == "▢▢▢ and ▢▢▢"
    assert blank_names("Relay: a relay for speech", ["Relay"]) == "▢▢▢: a relay for speech"
    # Inside other words nothing is blanked.
    assert blank_names("SEA research on the seaside", ["SEA"]) == "▢▢▢ research on the seaside"
    # Words of a name may be spaced or hyphenated otherwise; the longest form goes first.
    assert blank_names("a Second order-Optimizer, Second-Order", ["Second Order Optimizer"]) == (
        "a ▢▢▢, Second-Order"
    )
    assert blank_names("DiT-XL and DiT", ["DiT", "DiT-XL"]) == "▢▢▢ and ▢▢▢"


def test_blanking_the_names_of_ever_new_papers_keeps_nothing() -> None:
    # Every quiz blanks another set of papers' names. A pattern made for each set stayed in
    # re's module cache (up to 512 of them, ~17 KB each for real names), so a worker's memory
    # grew with every quiz (issue 19): nothing may outlive the call.
    def blank_papers(first: int) -> None:
        for index in range(first, first + 200):
            names = (f"Model{index}Net", f"Learning to Rank Paper {index}", f"LRP{index}")
            text = f"Model{index}Net은 Learning to Rank Paper {index}의 LRP{index}를 쓴다."
            assert blank_names(text, names).count(NAME_BLANK) == 3

    blank_papers(0)  # anything made once for good is made here
    gc.collect()
    tracemalloc.start()
    try:
        blank_papers(1000)
        gc.collect()
        kept, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 32 * 1024


# ---- Options in the question's language ----------------------------------------------------

_NATIVE_NUMBERS = re.compile(r"^(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)(?=\s*배)")


def written_as(option: str) -> str:
    """How a number is written, without its digits: '48.9배' and '3.0배' alike."""
    return re.sub(r"\d[\d,]*(?:\.\d+)?", "0", _NATIVE_NUMBERS.sub("N", option))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_options_are_written_in_the_questions_language_on_real_cards(
    session: Session, digest_reader: User, lang: str
) -> None:
    with session.begin():
        written_in = {
            card_id: {t for (t,) in rows}
            for card_id, rows in _group(
                session.execute(select(CardText.card_id, CardText.lang)).all()
            ).items()
        }
        own_lang = dict(session.execute(select(Card.id, Card.lang)).all())
    asked = all_questions(session, digest_reader.id, lang, range(2))
    checked = {"idea_choice": 0, "number_choice": 0}
    for q in asked:
        # Asked in the quiz's language when the card is written in it, else in its own.
        question_lang = lang if lang in written_in[q.card_id] else own_lang[q.card_id]
        if q.kind == "idea_choice":
            checked["idea_choice"] += 1
            assert {detect_lang([o]) for o in q.options} == {question_lang}, q.options
        elif q.kind == "number_choice":
            checked["number_choice"] += 1
            assert len({written_as(o) for o in q.options}) == 1, q.options
    assert min(checked.values()) > 20


def _group(rows: list[tuple[int, str]]) -> dict[int, list[tuple[str]]]:
    out: dict[int, list[tuple[str]]] = {}
    for key, value in rows:
        out.setdefault(key, []).append((value,))
    return out


def numbered(n: int, lang: str, number: tuple[str, float, str], topic: str) -> PaperDraft:
    """A paper written in one language only: its key idea and its headline number."""
    name = f"Method{n}"
    idea = (
        f"{name}은 블록 단위로 어텐션을 나눠 {n}번째 방식으로 계산한다."
        if lang == "ko"
        else (f"{name} splits attention into blocks and computes them in way number {n}.")
    )
    ask, blank = ("핵심 수치는?", "＿＿") if lang == "ko" else ("headline result?", "___")
    text, value, unit = number
    return PaperDraft(
        title=f"{name}: A Paper",
        lang=lang,
        sentences=(idea,),
        method=name,
        topics=(topic,),
        cards=(
            CardDraft(CardKind.METHOD_IDEA, f"{name} — key idea?", idea),
            CardDraft(
                CardKind.HEADLINE_NUMBER,
                f"{name} — {ask}\n{name} is {blank} faster.",
                text,
                source_sentence=f"{name} is {text} faster.",
                number=NumberDraft(text, value, unit),
            ),
        ),
        arxiv_id=f"2502.{n:05d}",
    )


def test_a_korean_question_gets_korean_options_among_english_cards(session: Session) -> None:
    # "두 배" among English cards saying "3x", "48.9x": the options follow the question.
    korean = [numbered(1, "ko", ("두 배", 2, "×"), "attention")]
    korean += [numbered(n, "ko", (f"{n}.5배", n + 0.5, "×"), "attention") for n in (2, 3, 4)]
    english = [
        numbered(n, "en", (text, value, "×"), "attention")
        for n, text, value in ((5, "3x", 3), (6, "48.9x", 48.9), (7, "1.5x", 1.5), (8, "2.5x", 2.5))
    ]
    user_id = study(session, korean + english).id
    with session.begin():
        two = session.scalars(
            select(Card.id).join(Paper).where(Paper.method == "Method1", Card.number_value == 2)
        ).one()
    seen: dict[str, list[list[str]]] = {}
    for seed in range(40):
        quiz_id = quiz.start(
            session, user_id, lang="ko", now=NOW, topic="attention", size=16, seed=seed
        )
        for q in questions(session, quiz_id):
            if q.options:
                seen.setdefault(q.kind, []).append(q.options)
            if q.card_id == two and q.kind == "number_choice":
                assert all(
                    re.fullmatch(r"(?:두|세|네|다섯|여섯|일곱|여덟|아홉|열) 배", o)
                    for o in q.options
                )
            if q.kind == "number_choice":
                assert len({written_as(o) for o in q.options}) == 1, q.options
            if q.kind == "idea_choice":
                assert len({detect_lang([o]) for o in q.options}) == 1, q.options
    assert seen["number_choice"] and seen["idea_choice"]


# ---- How many questions a quiz can have ------------------------------------------------------


def test_the_start_page_says_how_many_questions_and_a_longer_quiz_is_warned_about(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    with session.begin():
        user = session.scalars(select(User)).one()
    # Seven cards on robotics: three papers with a number, one without.
    papers = [paper(i, ("robotics",), number=(f"{i}x", i, "×")) for i in range(1, 4)]
    study(session, [*papers, paper(4, ("robotics",))], user)
    page = html(client.get("/quiz").data)
    topic = page.select_one(".quiz-topic")
    assert "7 questions available" in topic.get_text()
    sizes = [(o["value"], o.get_text(), o.has_attr("selected")) for o in topic.select("option")]
    assert sizes == [("5", "5", False), ("7", "7 (all)", True)]

    response = auth.post("/quiz", {"topic": "robotics", "size": "10"})
    assert response.status_code == 303  # type: ignore[attr-defined]
    first = html(client.get(response.headers["Location"]).data)  # type: ignore[attr-defined]
    # Said before the first question is answered.
    assert first.select_one(".flash").get_text() == (
        "Only 7 questions are available for this topic; the quiz will have 7."
    )
    assert "Question 1 of 7" in first.select_one("#quiz").get_text()
    assert first.select_one("h1") is not None
    # Not repeated on the next page, nor said when the quiz is as long as asked.
    assert html(client.get(response.headers["Location"]).data).select_one(".flash") is None  # type: ignore[attr-defined]
    response = auth.post("/quiz", {"topic": "robotics", "size": "5"})
    assert html(client.get(response.headers["Location"]).data).select_one(".flash") is None  # type: ignore[attr-defined]

    with session.begin():
        deck_id = session.scalars(select(Deck.id)).one()
    response = auth.post("/quiz?lang=ko", {"deck": str(deck_id), "size": "20"})
    first = html(client.get(response.headers["Location"]).data)  # type: ignore[attr-defined]
    assert first.select_one(".flash").get_text() == (
        "이 덱으로 낼 수 있는 문제는 7개뿐이어서 퀴즈는 7문제입니다."
    )


# ---- Review the missed cards today: one number -----------------------------------------------

TODAY = date(2025, 3, 10)  # NOW in UTC


def limits_of(session: Session, user_id: int) -> review.StudyLimits:
    with session.begin():
        user = session.get_one(User, user_id)
        return review.StudyLimits(
            user.id, user.timezone, user.new_cards_per_day, user.reviews_per_day
        )


def today_count(session: Session, user_id: int) -> int:
    """The home page's number: what today's queue holds."""
    return progress.overview(session, limits_of(session, user_id), now=NOW).due


def missed_scenario(session: Session, *, bury_siblings: bool = True) -> tuple[int, int]:
    """A reader who missed every card of eight papers (the eighth's number card aside) in a
    quiz, whose cards stand each way a missed card can: new, due, asked again today,
    suspended, scheduled later — alone or beside a sibling. Returns (user id, quiz id)."""
    drafts = [paper(i, ("robotics",), number=(f"{i}.5x", i + 0.5, "×")) for i in range(1, 9)]
    user_id = study(session, drafts).id
    with session.begin():
        session.get_one(User, user_id).bury_siblings = bury_siblings
        rows = session.execute(
            select(Paper.method, Card.kind, ReviewState)
            .join(Card, Card.paper_id == Paper.id)
            .join(ReviewState, ReviewState.card_id == Card.id)
            .where(ReviewState.user_id == user_id)
        ).all()
        state = {(m, kind.value.split("_")[0]): s for m, kind, s in rows}
        later = TODAY + timedelta(days=9)
        for key, due in {
            # Method1: both new.
            ("Method2", "method"): TODAY - timedelta(days=1),  # due: its sibling waits
            ("Method2", "headline"): later,
            ("Method3", "method"): TODAY,  # answered below 4 today, below: again today
            ("Method3", "headline"): later,
            ("Method4", "method"): later,  # suspended after the quiz, below
            ("Method4", "headline"): later,
            ("Method5", "method"): later,  # both later: one card of the paper a day
            ("Method5", "headline"): later,
            ("Method6", "method"): later,  # its sibling is new
            ("Method7", "method"): later,
            ("Method7", "headline"): later + timedelta(days=3),
            ("Method8", "method"): later,  # its number card is answered right
            ("Method8", "headline"): later,
        }.items():
            state[key].due_on, state[key].repetitions, state[key].interval_days = due, 2, 6
        redrilled = state[("Method3", "method")].id
        suspended = state[("Method4", "method")].card_id
        right = state[("Method8", "headline")].card_id
    with session.begin():
        version = session.get_one(ReviewState, redrilled).version
    limits = limits_of(session, user_id)
    answered = review.answer(session, limits, state_id=redrilled, version=version, grade=2, now=NOW)
    assert answered.applied
    quiz_id = quiz.start(session, user_id, lang="en", now=NOW, deck_id=deck_of(session), size=16)
    for q in questions(session, quiz_id):
        wrong = str((q.correct_index + 1) % len(q.options)) if q.options else "123456"
        good = str(q.correct_index) if q.options else q.answer
        given = good if q.card_id == right else wrong
        quiz.answer(session, user_id, quiz_id, q.position, given=given, now=NOW)
    cards.set_suspended(session, user_id, suspended, suspended=True)
    return user_id, quiz_id


def deck_of(session: Session) -> int:
    with session.begin():
        return session.scalars(select(Deck.id)).one()


@pytest.mark.parametrize("bury_siblings", [True, False])
def test_the_missed_cards_that_move_are_what_todays_queue_grows_by(
    session: Session, bury_siblings: bool
) -> None:
    user_id, quiz_id = missed_scenario(session, bury_siblings=bury_siblings)
    assert len(quiz.result(session, user_id, quiz_id).missed) == 15
    plan = quiz_missed.missed_plan(session, user_id, quiz_id, now=NOW)
    before = today_count(session, user_id)
    moved = quiz_missed.make_missed_due(session, user_id, quiz_id, now=NOW)
    assert moved == plan.count == today_count(session, user_id) - before
    assert plan.count + plan.staying == 15
    assert (plan.new, plan.in_queue, plan.suspended, plan.over_limit) == (3, 2, 1, 0)
    if bury_siblings:
        # Method4's number (its sibling is suspended) and Method8's key idea move, and one
        # card each of Method5 and Method7. Method2, 3 and 6's wait behind a due, answered or
        # new sibling; Method5's and Method7's second card behind the first.
        assert (plan.count, plan.waiting) == (4, 5)
    else:
        assert (plan.count, plan.waiting) == (9, 0)
    # The missed cards kept their ease, interval and repetitions; nothing was logged.
    with session.begin():
        states = session.scalars(
            select(ReviewState).where(ReviewState.card_id.in_(plan.moving))
        ).all()
        assert {(s.due_on, s.interval_days, s.repetitions) for s in states} == {(TODAY, 6, 2)}
        assert session.scalar(select(func.count(ReviewLog.id))) == 1


def test_the_missed_cards_past_todays_review_limit_stay(session: Session) -> None:
    user_id, quiz_id = missed_scenario(session, bury_siblings=False)
    with session.begin():
        # Of five reviews a day, one is due (Method2's key idea; Method3's, asked again today,
        # is a re-drill): room for four of the nine missed cards scheduled later.
        session.get_one(User, user_id).reviews_per_day = 5
    before = today_count(session, user_id)
    plan = quiz_missed.missed_plan(session, user_id, quiz_id, now=NOW)
    assert (plan.count, plan.over_limit) == (4, 5)
    assert quiz_missed.make_missed_due(session, user_id, quiz_id, now=NOW) == 4
    assert today_count(session, user_id) - before == 4


def test_the_button_the_flash_and_today_say_one_number(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    # Eight missed cards: two new, two due today already, two asked again today (answered
    # below 4 this morning), two scheduled later. The old page said "Review the 8 missed
    # cards today", the flash "4 missed cards are due today", and Today grew by 2.
    auth.register()
    with session.begin():
        user = session.scalars(select(User)).one()
        user.bury_siblings = False
    study(session, [paper(i, ("robotics",)) for i in range(1, 9)], user)
    # The pages live in the present.
    now = utcnow()
    today = now.date()
    with session.begin():
        states = session.scalars(
            select(ReviewState).where(ReviewState.user_id == user.id).order_by(ReviewState.card_id)
        ).all()
        for state, due in zip(
            states[2:],
            [today, today - timedelta(1), today, today] + [today + timedelta(5)] * 2,
            strict=True,
        ):
            state.due_on, state.repetitions, state.interval_days = due, 1, 1
        again = [s.id for s in states[4:6]]
    limits = limits_of(session, user.id)
    for state_id in again:
        with session.begin():
            version = session.get_one(ReviewState, state_id).version
        answered = review.answer(
            session, limits, state_id=state_id, version=version, grade=1, now=now
        )
        assert answered.applied

    def today_on_the_page() -> int:
        numbers = html(client.get("/").data).select(".due-numbers .big-number")
        return sum(int(n.get_text()) for n in numbers)

    response = auth.post("/quiz", {"topic": "robotics", "size": "10"})
    take = response.headers["Location"]  # type: ignore[attr-defined]
    for q in questions(session, int(take.rsplit("/", 1)[1])):
        data = {"position": str(q.position)}
        data |= {"choice": str((q.correct_index + 1) % 4)} if q.options else {"typed": "0"}
        auth.post(take + "/answer", data)
    results = html(client.get(take + "/results").data)
    assert len(results.select(".quiz-row.wrong")) == 8
    button = results.select_one(".quiz-missed button")
    assert button.get_text() == "Review the 2 missed cards today"
    staying = [li.get_text() for li in results.select(".quiz-missed-staying li")]
    assert staying == [
        "4 are already in today's queue.",
        "2 are still new: they come as new cards.",
    ]
    before = today_on_the_page()
    response = auth.post(take + "/missed", {})
    page = html(client.get(response.headers["Location"]).data)  # type: ignore[attr-defined]
    flash = page.select_one(".flash").get_text()
    assert flash == "2 missed cards joined today's reviews."
    assert re.findall(r"\d+", button.get_text()) == re.findall(r"\d+", flash)
    assert today_on_the_page() - before == int(button["data-count"]) == 2
    # Done once: no button any more, and a second post adds nothing.
    assert page.select_one(".quiz-missed button") is None
    auth.post(take + "/missed", {})
    assert today_on_the_page() - before == 2
