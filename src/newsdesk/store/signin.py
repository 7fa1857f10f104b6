"""Sign-in state every service process shares: attempts counted per key, and made secrets.

An attempt is counted *before* its password is checked, in one transaction that locks the
keys' rows (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transactions take the
whole database), so simultaneous attempts cannot all slip under the limit: once a key has had
``max_attempts`` attempts within ``window_s`` seconds, the next one locks it for
``lockout_s`` seconds (:class:`LockoutRules`) and every attempt until then is refused without being counted.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from newsdesk.store.desk_tables import desk_secrets, signin_attempts

__all__ = [
    "LockoutRules",
    "count_attempt",
    "forget_attempts",
    "new_secret",
    "shared_secret",
    "take_back_attempt",
]


@dataclass(frozen=True)
class LockoutRules:
    """After ``max_attempts`` attempts within ``window_s`` seconds a key is locked for
    ``lockout_s`` seconds."""

    max_attempts: int
    window_s: float
    lockout_s: float


def _insert_missing(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, leaving any whose primary key exists already as it is."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(rows).on_conflict_do_nothing())


def count_attempt(conn: Connection, keys: Sequence[str], now: float, rules: LockoutRules) -> float:
    """Count an attempt against each of ``keys``; the seconds to wait, 0 when it may go on.

    Run it in a write transaction (``Store.write``): the rows stay locked until it commits.
    """
    keys = sorted(set(keys))  # one order for every transaction: no deadlocks between them
    conn.execute(
        delete(signin_attempts).where(
            signin_attempts.c.window_start <= now - rules.window_s,
            or_(signin_attempts.c.locked_until.is_(None), signin_attempts.c.locked_until <= now),
        )
    )
    _insert_missing(
        conn,
        signin_attempts,
        [{"key": k, "window_start": now, "attempts": 0, "locked_until": None} for k in keys],
    )
    rows = conn.execute(
        select(signin_attempts)
        .where(signin_attempts.c.key.in_(keys))
        .order_by(signin_attempts.c.key)
        .with_for_update()
    ).all()
    locked = [row.locked_until - now for row in rows if (row.locked_until or 0) > now]
    if locked:
        return max(locked)
    wait = 0.0
    for row in rows:
        fresh = row.window_start <= now - rules.window_s
        values: dict[str, Any] = {
            "window_start": now if fresh else row.window_start,
            "attempts": 1 if fresh else row.attempts + 1,
            "locked_until": None,
        }
        if values["attempts"] > rules.max_attempts:
            values = {"window_start": now, "attempts": 0, "locked_until": now + rules.lockout_s}
            wait = rules.lockout_s
        conn.execute(update(signin_attempts).where(signin_attempts.c.key == row.key).values(values))
    return wait


def forget_attempts(conn: Connection, key: str) -> None:
    """Clear ``key``'s count (an account whose owner signed in)."""
    conn.execute(delete(signin_attempts).where(signin_attempts.c.key == key))


def take_back_attempt(conn: Connection, key: str) -> None:
    """Uncount one attempt of ``key`` (an address from which someone signed in)."""
    conn.execute(
        update(signin_attempts)
        .where(and_(signin_attempts.c.key == key, signin_attempts.c.attempts > 0))
        .values(attempts=signin_attempts.c.attempts - 1)
    )


def new_secret() -> str:
    """32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def shared_secret(conn: Connection, name: str) -> str:
    """The secret called ``name``, made (:func:`new_secret`) by the first caller."""
    _insert_missing(conn, desk_secrets, [{"name": name, "value": new_secret()}])
    value: str = conn.execute(
        select(desk_secrets.c.value).where(desk_secrets.c.name == name)
    ).scalar_one()
    return value
