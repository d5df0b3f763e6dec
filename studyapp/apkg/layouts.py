"""Where an Anki collection keeps its note types, decks and settings, for both layouts.

Schema 11 (every legacy file) keeps them as JSON in the single `col` row. Schema 15 and later
(schema 18 in modern packages) keep them in tables, with protobuf blobs for the note type and
template settings. We read those blobs with a tiny protobuf wire-format reader that knows only
varints and length-delimited fields, enough for the few fields we need; the field numbers come
from Anki's notetypes.proto and import_export.proto.

Functions here return plain tuples and dicts; reading.py turns them into its dataclasses.
Malformed content raises LayoutError (a ValueError) or KeyError/TypeError, which reading.py
reports as a damaged package.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DEFAULT_ROLLOVER = 4

# (ord, name, question format, answer format)
TemplateRow = tuple[int, str, str, str]
# (id, name, is cloze, field names, templates)
NoteTypeRow = tuple[int, str, bool, tuple[str, ...], tuple[TemplateRow, ...]]

# Protobuf field numbers (anki/notetypes_pb2, anki/import_export_pb2).
_NOTETYPE_KIND = 1  # Notetype.Config.kind; 1 is KIND_CLOZE
_KIND_CLOZE = 1
_TEMPLATE_QFMT = 1  # Notetype.Template.Config.q_format
_TEMPLATE_AFMT = 2  # Notetype.Template.Config.a_format
_LEGACY_CLOZE_TYPE = 1  # "type" of a model in the schema 11 JSON


class LayoutError(ValueError):
    """A protobuf blob or JSON document in the collection is malformed."""


# The protobuf wire format: each field is a varint key (number << 3 | wire type) then a value.

Message = dict[int, list[int | bytes]]


def parse_message(data: bytes) -> Message:
    """Every field of one protobuf message, by field number, in the order they appear."""
    fields: Message = {}
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == 0:
            value, position = _varint(data, position)
        elif wire_type == 2:
            length, position = _varint(data, position)
            if position + length > len(data):
                raise LayoutError("a protobuf field runs past the end of its message")
            value, position = data[position : position + length], position + length
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
            if position + size > len(data):
                raise LayoutError("a protobuf field runs past the end of its message")
            value = int.from_bytes(data[position : position + size], "little")
            position += size
        else:
            raise LayoutError(f"unsupported protobuf wire type {wire_type}")
        fields.setdefault(number, []).append(value)
    return fields


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = 0
    for shift in range(0, 70, 7):
        if position >= len(data):
            raise LayoutError("a protobuf varint is cut short")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
    raise LayoutError("a protobuf varint is too long")


def first_int(message: Message, number: int, default: int) -> int:
    """The last value of a varint field (protobuf's rule for repeated scalars), or `default`."""
    values = message.get(number)
    if not values:
        return default
    value = values[-1]
    if not isinstance(value, int):
        raise LayoutError(f"protobuf field {number} is not a number")
    return value


def first_str(message: Message, number: int, default: str) -> str:
    values = message.get(number)
    if not values:
        return default
    value = values[-1]
    if not isinstance(value, bytes):
        raise LayoutError(f"protobuf field {number} is not a string")
    return value.decode("utf-8")


def all_bytes(message: Message, number: int) -> list[bytes]:
    values = message.get(number, [])
    if not all(isinstance(value, bytes) for value in values):
        raise LayoutError(f"protobuf field {number} is not a message")
    return [value for value in values if isinstance(value, bytes)]


# Schema 11: JSON in the `col` row.


def _json_object(text: object, what: str) -> dict[str, Any]:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if not isinstance(text, str):
        raise LayoutError(f"the collection's {what} are missing")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise LayoutError(f"the collection's {what} are not JSON") from error
    if not isinstance(value, dict):
        raise LayoutError(f"the collection's {what} are not a JSON object")
    return value


def legacy_notetypes(models_json: object) -> list[NoteTypeRow]:
    rows = []
    for model in _json_object(models_json, "note types").values():
        fields = sorted(model["flds"], key=lambda field: int(field["ord"]))
        templates = sorted(
            (
                (int(t["ord"]), str(t["name"]), str(t["qfmt"]), str(t["afmt"]))
                for t in model["tmpls"]
            ),
            key=lambda template: template[0],
        )
        rows.append(
            (
                int(model["id"]),
                str(model["name"]),
                int(model.get("type", 0)) == _LEGACY_CLOZE_TYPE,
                tuple(str(field["name"]) for field in fields),
                tuple(templates),
            )
        )
    return rows


def legacy_decks(decks_json: object) -> dict[int, str]:
    return {
        int(deck["id"]): str(deck["name"]) for deck in _json_object(decks_json, "decks").values()
    }


def legacy_rollover(conf_json: object) -> int:
    conf = _json_object(conf_json, "settings") if conf_json else {}
    return _hour(conf.get("rollover", DEFAULT_ROLLOVER))


def legacy_creation_offset(conf_json: object) -> int | None:
    conf = _json_object(conf_json, "settings") if conf_json else {}
    return _offset(conf.get("creationOffset"))


# Schema 15 and later: tables.


def table_notetypes(db: sqlite3.Connection) -> list[NoteTypeRow]:
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in db.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(int(ntid), []).append((int(ord_), str(name)))
    templates: dict[int, list[TemplateRow]] = {}
    for ntid, ord_, name, config in db.execute("SELECT ntid, ord, name, config FROM templates"):
        message = parse_message(bytes(config))
        templates.setdefault(int(ntid), []).append(
            (
                int(ord_),
                str(name),
                first_str(message, _TEMPLATE_QFMT, ""),
                first_str(message, _TEMPLATE_AFMT, ""),
            )
        )
    rows = []
    for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        kind = first_int(parse_message(bytes(config)), _NOTETYPE_KIND, 0)
        rows.append(
            (
                int(ntid),
                str(name),
                kind == _KIND_CLOZE,
                tuple(field for _, field in sorted(fields.get(int(ntid), []))),
                tuple(sorted(templates.get(int(ntid), []))),
            )
        )
    return rows


def table_decks(db: sqlite3.Connection) -> dict[int, str]:
    return {
        int(did): str(name).replace("\x1f", "::")
        for did, name in db.execute("SELECT id, name FROM decks")
    }


def _table_setting(db: sqlite3.Connection, key: str) -> object:
    """A setting of the config table, as its JSON value (None when not set)."""
    row = db.execute("SELECT val FROM config WHERE KEY = ?", (key,)).fetchone()
    if row is None:
        return None
    value = row[0]
    try:
        text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LayoutError(f"the collection's setting {key!r} is not JSON") from error


def table_rollover(db: sqlite3.Connection) -> int:
    value = _table_setting(db, "rollover")
    return DEFAULT_ROLLOVER if value is None else _hour(value)


def table_creation_offset(db: sqlite3.Connection) -> int | None:
    return _offset(_table_setting(db, "creationOffset"))


def _offset(value: object) -> int | None:
    """The collection's UTC offset when it was made, in minutes west of UTC (as Anki keeps
    it); None when not set or not a time zone's offset."""
    if isinstance(value, bool) or not isinstance(value, int) or not -1440 < value < 1440:
        return None
    return value


def _hour(value: object) -> int:
    """The rollover hour; Anki's default when the setting is not an hour of the day."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        return DEFAULT_ROLLOVER
    return value
