"""Error messages that stay on one line and a readable length, whatever text a file holds."""

from __future__ import annotations

import unicodedata

#: Longest message printed; the rest is cut and marked with an ellipsis.
MAX_MESSAGE = 600


def _escape(ch: str) -> str:
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or f"\\u{ord(ch):04x}"


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\u2028``) and
    cut to ``limit`` characters: a key, an id or a value quoted from a file may hold anything."""
    out = "".join(_escape(ch) if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text[: limit + 1])
    return out if len(out) <= limit else out[: limit - 1] + "…"


__all__ = ["MAX_MESSAGE", "one_line"]
