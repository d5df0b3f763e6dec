"""Writing a user's progress into a package's collection, once genanki has written its notes
and cards as new: each card's scheduling columns, the review log, and a creation day and time
zone that make Anki read the due days as the dates we meant.

Anki counts a review card's due day from the collection's creation day (``crt``), and when it
imports a package with scheduling it moves those days by how far the package's collection is
ahead of the user's own. With the creation time at noon of ``crt_day`` in the user's time
zone, and that zone's offset as the collection's creation offset (the "new" day cutoff of
Anki's v2 and v3 schedulers, starting each day at 4 am as Anki does by default), a card due
``n`` days after ``crt_day`` shows in Anki as due on that same calendar date.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from studyapp.apkg.scheduling import (
    AnkiCard,
    CardProgress,
    RevlogIds,
    RevlogRow,
    anki_card,
    creation_day,
    revlog_rows,
)
from studyapp.srs.calendar import local_day

__all__ = ["ROLLOVER_HOUR", "creation_stamp", "write_progress"]

#: The hour Anki starts a new day at, by default; the package's collection says the same.
ROLLOVER_HOUR = 4


def creation_stamp(crt_day: date, timezone: str) -> tuple[int, int]:
    """The collection's creation time (noon of ``crt_day`` in ``timezone``, in epoch seconds)
    and that zone's offset then, in minutes west of UTC as Anki stores it."""
    noon = datetime.combine(crt_day, time(12), tzinfo=ZoneInfo(timezone))
    offset = noon.utcoffset() or timedelta(0)
    return int(noon.timestamp()), -int(offset.total_seconds() // 60)


def write_progress(
    collection: sqlite3.Connection,
    guids: Sequence[str],
    progress: Mapping[str, CardProgress],
    *,
    now: datetime,
    timezone: str,
) -> None:
    """Give the collection's cards (one per note, by note GUID, in export order) their
    progress and write their review log. A card without progress stays new, at its place in
    the export. ``now`` is the moment of the export (aware), ``timezone`` the user's."""
    now = now.astimezone(UTC)
    today = local_day(now, timezone)
    crt_day = creation_day(progress.values(), today)
    crt, minutes_west = creation_stamp(crt_day, timezone)
    (conf_text,) = collection.execute("SELECT conf FROM col").fetchone()
    conf = json.loads(conf_text)
    # Anki's v2 scheduler with its new day cutoff: the days are counted from crt's local date.
    conf.update(schedVer=2, creationOffset=minutes_west, rollover=ROLLOVER_HOUR)
    collection.execute("UPDATE col SET crt = ?, conf = ?", (crt, json.dumps(conf)))
    card_ids = dict(
        collection.execute(
            "SELECT notes.guid, cards.id FROM cards JOIN notes ON notes.id = cards.nid"
        )
    )
    cards: list[tuple[int | str, ...]] = []
    revlog: list[RevlogRow] = []
    ids = RevlogIds()
    for position, guid in enumerate(dict.fromkeys(guids), start=1):
        card_id = card_ids[guid]
        held = progress.get(guid)
        if held is None:
            columns = AnkiCard(0, 0, position, 0, 0, 0, 0, 0, "")
        else:
            columns = anki_card(held, position=position, crt_day=crt_day, today=today, now=now)
            revlog.extend(revlog_rows(held, card_id, ids))
        cards.append((*columns, card_id))
    collection.executemany(
        "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?,"
        " lapses = ?, left = ?, data = ? WHERE id = ?",
        cards,
    )
    collection.executemany("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", revlog)
