"""The review queue's page token: the keyset ``after`` of :func:`~newsdesk.store.review.queue_page`.

A token is opaque to whoever holds it (a CMS plugin, a link of the desk): the base64 of the
last item's key, so the next page starts after it however the queue changed meanwhile. A
token that is not one of ours is a :class:`ValueError`, never a query.
"""

from __future__ import annotations

import base64
import binascii
import math

from newsdesk.store.articles import MAX_SEQ

__all__ = ["MAX_TOKEN_CHARS", "decode_queue_key", "encode_queue_key"]

MAX_TOKEN_CHARS = 128
"""Longer than any token :func:`encode_queue_key` makes."""


def encode_queue_key(key: tuple[float, int]) -> str:
    """The token of the queue key ``key`` (the ``after`` that :func:`queue_page` returned)."""
    rank, seq = key
    return base64.urlsafe_b64encode(f"{rank!r}:{seq}".encode()).decode().rstrip("=")


def decode_queue_key(token: str) -> tuple[float, int]:
    """The queue key a token stands for; :class:`ValueError` when it is not one we made."""
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        rank, _, seq = raw.decode("ascii").partition(":")
        key = float(rank), int(seq)
        if not (math.isfinite(key[0]) and 0 <= key[1] <= MAX_SEQ):
            raise ValueError
    except (ValueError, binascii.Error):  # UnicodeDecodeError is a ValueError
        raise ValueError(
            "not a queue page token; pass the 'next' of the previous page, or leave 'after' "
            "out for the first page"
        ) from None
    return key
