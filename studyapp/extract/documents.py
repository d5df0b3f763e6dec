"""Reading a summary document: bytes to text, with errors a reader can act on."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

__all__ = [
    "DEFAULT_MAX_BYTES",
    "PROBLEMS",
    "DocumentError",
    "decode_document",
    "document_size",
    "normalize_text",
    "read_document",
]

#: Larger than any summary a person writes; large enough for a 1,000-paper digest.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


#: What can be wrong with a document, in English for the command line. The web interface says
#: the same in the reader's language, keyed by the same codes (``studyapp.web.imports``).
PROBLEMS = {
    "too_large": "is %(size).1f MB; the limit is %(limit).0f MB. Split it into smaller files.",
    "folder": "is a folder, not a file",
    "missing": "no such file",
    "unreadable": "cannot be read (permission denied)",
    "empty": "is empty. Paste or upload a summary with at least one paper.",
    "binary": "looks like a binary file, not text. Save the summary as .md or .txt and try again.",
    "encoding": "is not UTF-8 or CP949/EUC-KR text. Re-save it as UTF-8 and try again.",
    "no_paper": "no paper was recognised (read as %(format)s). Give each paper a title line "
    "followed by sentences about it, or choose the format with --format.",
}


class DocumentError(ValueError):
    """A document that cannot be read as a summary. ``str()`` is the message for the user;
    ``code`` (a key of :data:`PROBLEMS`) and ``params`` let an interface say it in its language.
    """

    def __init__(self, source: str, code: str, **params: object) -> None:
        super().__init__(f"{source}: {PROBLEMS[code] % params}")
        self.source = source
        self.code = code
        self.params = params


def read_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of the file at ``path``, or a :class:`DocumentError` saying what is wrong."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_large(source, size, max_bytes)
        data = path.read_bytes()
    except IsADirectoryError:
        raise DocumentError(source, "folder") from None
    except FileNotFoundError:
        raise DocumentError(source, "missing") from None
    except PermissionError:
        raise DocumentError(source, "unreadable") from None
    return decode_document(data, source=source, max_bytes=max_bytes)


def _too_large(source: str, size: int, limit: int) -> DocumentError:
    return DocumentError(source, "too_large", size=size / 1024 / 1024, limit=limit / 1024 / 1024)


def document_size(text: str) -> int:
    """The size a text counts for against a limit: its size in the smaller of UTF-8 and CP949.

    A Korean file saved as CP949 grows by half when it comes back as UTF-8 text (a pasted
    summary, or the text a preview sends back to be saved): within the limit as a file, it
    must stay within it as text.
    """
    utf8 = len(text.encode("utf-8", "replace"))
    try:
        return min(utf8, len(text.encode("cp949")))
    except UnicodeEncodeError:
        return utf8


def decode_document(
    data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES, size: int | None = None
) -> str:
    """Decode an uploaded or read document: UTF-8 (with or without BOM, or UTF-16 with BOM),
    else CP949/EUC-KR, which Korean files often use. Refuses empty, binary and oversized input;
    ``size`` is what counts against ``max_bytes`` when it is not ``len(data)``.
    """
    size = len(data) if size is None else size
    if size > max_bytes:
        raise _too_large(source, size, max_bytes)
    if not data.strip():
        raise DocumentError(source, "empty")
    return normalize_text(_decode(data, source), source=source)


def normalize_text(text: str, *, source: str) -> str:
    """Check and normalise text that arrived as text (a pasted summary) or was just decoded."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # No text file holds NUL, and no database text column takes it; a UTF-16 file can decode
    # to it without a NUL byte being seen first.
    if "\x00" in text or _looks_binary(text):
        raise DocumentError(source, "binary")
    # Lone surrogates cannot be stored or printed; they come from broken converters.
    text = text.encode("utf-8", "replace").decode("utf-8")
    # One kind of line break: the parsers split lines both ways (str.splitlines, which also
    # breaks at form feeds and U+2028, and "^" in patterns, which knows only "\n"), and they
    # must agree on where a line starts. Other control characters (terminal escapes, bells)
    # mean nothing in a summary and would reach cards and terminals; a byte order mark inside
    # the text (files joined together) would hide the heading on its line.
    text = _TERMINAL_ESCAPE.sub("", text)
    if _CLEANED.search(text):  # rare: translating every character costs more than looking
        text = text.translate(_CLEANUP)
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise DocumentError(source, "empty")
    return text


# Colour and cursor codes (ESC [ … letter) and window titles (ESC ] … BEL), whole.
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?)")
_LINE_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_CLEANUP = {
    **{ord(ch): None for ch in map(chr, [*range(32), *range(127, 160)]) if ch not in "\t\n"},
    **{ord(ch): "\n" for ch in _LINE_BREAKS},
    0xFEFF: None,
}
_CLEANED = re.compile("[" + re.escape("".join(map(chr, _CLEANUP))) + "]")
# Control characters (Unicode category Cc) other than line feed, tab and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")


def _decode(data: bytes, source: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DocumentError(source, "binary")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(source, "encoding")


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    return len(_CONTROL.findall(sample)) > max(8, len(sample) // 50)
