"""Text that reaches a terminal stays text: one line, a readable length, no control sequences.

A name, an id or a file name may hold anything a JSON string or a file system allows: line
breaks, an escape character that makes a terminal clear the screen, set its title or hide what
follows, a C1 control (U+009B opens a control sequence on many terminals), a bidirectional
override that reorders what is shown, or a lone surrogate that cannot be written as UTF-8 at all.
:func:`printable` escapes all of these (``\\n``, ``\\u001b``, ``\\ud800``) and keeps every other
character, emoji and accents included; :func:`one_line` also cuts a message to a readable length.
Every human-readable line the commands print goes through one of them.
"""

from __future__ import annotations

import re
import unicodedata

#: Longest message printed; the rest is cut and marked with an ellipsis.
MAX_MESSAGE = 600

#: Categories escaped: controls (C0, DEL, C1), line and paragraph separators, lone surrogates.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
#: Format characters that reorder or hide text (bidirectional embeddings, overrides, isolates).
#: Other format characters (zero-width joiners in emoji, soft hyphens) are harmless and kept.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SIMPLE = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(ch: str) -> str:
    return _SIMPLE.get(ch) or f"\\u{ord(ch):04x}"


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES or ch in _BIDI_CONTROLS


def printable(text: str) -> str:
    """``text`` with every control character, line separator, bidirectional control and lone
    surrogate escaped; nothing else changes, and nothing is cut."""
    if not _UNSAFE.search(text):
        return text
    return "".join(_escape(ch) if _unsafe(ch) else ch for ch in text)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` escaped as by :func:`printable` (``\\n``, ``\\u2028``) and cut to ``limit``
    characters: a key, an id or a value quoted from a file may hold anything."""
    out = printable(text[: limit + 1])
    return out if len(out) <= limit else out[: limit - 1] + "…"


__all__ = ["MAX_MESSAGE", "one_line", "printable"]
