"""Editors' accounts: names, roles and scrypt password hashes.

Passwords are stretched with :func:`hashlib.scrypt` (n=2**14, r=8, p=1: about 16 MiB and a
few tens of milliseconds a check) and a random 16-byte salt; the stored form names its
parameters, so they can be raised later without invalidating existing hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from newsdesk.store.desk_tables import users
from newsdesk.store.errors import StoreError
from newsdesk.store.records import KeyRole, as_utc, utcnow

__all__ = [
    "User",
    "authenticate",
    "create_user",
    "disable_user",
    "end_sessions",
    "get_user",
    "hash_password",
    "list_users",
    "set_password",
    "verify_password",
]

_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 8
# Checked against when a name is unknown, so a sign-in takes as long whether or not it exists.
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
)


@dataclass(frozen=True)
class User:
    """An editor's account (never the password)."""

    name: str
    role: KeyRole
    session_epoch: int
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def can(self, needed: KeyRole) -> bool:
        """Whether this user's role allows what ``needed`` allows."""
        return self.active and self.role.allows(needed)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """The stored form of ``password``: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=64)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StoreError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD}"
        )


def create_user(conn: Connection, name: str, password: str, role: KeyRole) -> User:
    """Add an account; :class:`StoreError` when the name is taken or the password too short."""
    name = name.strip()
    if not name:
        raise StoreError("a user needs a name")
    _check_password(password)
    now = utcnow()
    try:
        with conn.begin_nested():
            conn.execute(
                users.insert().values(
                    name=name,
                    password_hash=hash_password(password),
                    role=role.value,
                    session_epoch=0,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise StoreError(f"a user named {name!r} exists already; pick another name") from None
    return User(name=name, role=role, session_epoch=0, created_at=now)


def set_password(conn: Connection, name: str, password: str) -> User | None:
    """Change a password; every session of that user ends."""
    _check_password(password)
    conn.execute(
        update(users)
        .where(users.c.name == name)
        .values(
            password_hash=hash_password(password),
            session_epoch=users.c.session_epoch + 1,
        )
    )
    return get_user(conn, name)


def end_sessions(conn: Connection, name: str) -> None:
    """Sign ``name`` out everywhere: every session cookie issued so far stops working."""
    conn.execute(
        update(users).where(users.c.name == name).values(session_epoch=users.c.session_epoch + 1)
    )


def disable_user(conn: Connection, name: str) -> User | None:
    """Stop an account signing in; its sessions end. ``None`` when there is no such user."""
    conn.execute(
        update(users)
        .where(users.c.name == name, users.c.disabled_at.is_(None))
        .values(disabled_at=utcnow(), session_epoch=users.c.session_epoch + 1)
    )
    return get_user(conn, name)


def get_user(conn: Connection, name: str) -> User | None:
    """The account called ``name``, or ``None``."""
    row = conn.execute(select(users).where(users.c.name == name)).one_or_none()
    return _record(row) if row is not None else None


def authenticate(conn: Connection, name: str, password: str) -> User | None:
    """The active account whose name and password match, else ``None``."""
    row = conn.execute(select(users).where(users.c.name == name.strip())).one_or_none()
    if row is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, row.password_hash) or row.disabled_at is not None:
        return None
    return _record(row)


def list_users(conn: Connection) -> list[User]:
    """Every account, oldest first."""
    return [_record(row) for row in conn.execute(select(users).order_by(users.c.seq))]


def _record(row: Row[Any]) -> User:
    return User(
        name=row.name,
        role=KeyRole(row.role),
        session_epoch=int(row.session_epoch),
        created_at=as_utc(row.created_at),
        disabled_at=as_utc(row.disabled_at) if row.disabled_at else None,
    )
