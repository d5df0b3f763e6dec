"""Quiz mode: questions and distractors, typed numbers, scoring, and an untouched schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft
from studyapp.identity import CardKind
from studyapp.models import Deck, Quiz, QuizQuestion, ReviewLog, ReviewState, User
from studyapp.services import quiz
from studyapp.services.library import DeckImport, enroll, import_decks
from studyapp.services.quiz_questions import number_matches
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
    with pytest.raises(LookupError):
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
    with pytest.raises(ValueError):
        quiz.answer(session, reader.id, quiz_id, 1, given="  ", now=NOW)
    with session.begin():
        other = make_user(session, "other@example.com")
    with pytest.raises(LookupError):
        quiz.answer(session, other.id, quiz_id, 1, given="1", now=NOW)


def test_missed_cards_become_due_today_with_ease_and_interval_kept(
    session: Session, reader: User
) -> None:
    reader_id = reader.id
    later = date(2025, 3, 20)
    with session.begin():
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

    moved = quiz.make_missed_due(session, reader_id, quiz_id, timezone="Asia/Seoul", now=NOW)
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
        quiz.make_missed_due(session, reader_id, quiz_id, timezone="UTC", now=NOW + timedelta(1))
        == 0
    )


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
