"""Characters that text coming in cannot hold, wherever it comes from (a request, a file, a
feed, a taxonomy): checked where it enters, so that what is stored is what was sent.
"""

from __future__ import annotations

import re

__all__ = ["control_character", "unusable_character"]

_UNUSABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def unusable_character(value: str) -> str | None:
    """Why ``value`` cannot be stored or encoded, or ``None`` when it can.

    A NUL is refused by PostgreSQL; a lone surrogate (``\\ud800`` left by a broken JSON
    escape or a bad decode) is not Unicode text, so it cannot be written as UTF-8, hashed or
    tokenized. Both are refused wherever an article comes in rather than replaced, so what is
    stored is what was sent.
    """
    found = _UNUSABLE.search(value)
    if found is None:
        return None
    char, at = found.group(), found.start()
    if char == "\x00":
        return f"a NUL character (\\x00) at position {at}; remove it"
    return (
        f"a lone surrogate ({char.encode('unicode_escape').decode()}) at position {at}, which "
        "is not valid Unicode text; fix the encoding of the input"
    )


def control_character(value: str, *, lines: bool = False) -> str | None:
    """Which control character (C0, DEL, C1) ``value`` holds and where, or ``None``; with
    ``lines``, tab, line feed and carriage return are text."""
    found = (_CONTROL_BUT_LINES if lines else _CONTROL).search(value)
    if found is None:
        return None
    char = found.group().encode("unicode_escape").decode()
    return f"a control character ({char}) at position {found.start()}"
