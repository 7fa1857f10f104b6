"""Repository functions for API keys. Keys are shown once, at creation; only a hash is kept.

A key reads ``nd_<prefix>_<secret>``: the prefix finds the row, and the SHA-256 of the whole
key is compared in constant time. The secret has 256 random bits, so a fast hash is enough
(no password stretching is needed for keys that cannot be guessed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from newsdesk.store.errors import StoreError
from newsdesk.store.records import ApiKey, KeyRole, as_utc, utcnow
from newsdesk.store.tables import api_keys

__all__ = ["create_key", "hash_key", "list_keys", "revoke_key", "verify_key"]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(conn: Connection, role: KeyRole, *, name: str | None = None) -> tuple[ApiKey, str]:
    """Make a key with ``role``; return its record and the key itself (shown only now)."""
    prefix = secrets.token_hex(6)
    key = f"nd_{prefix}_{secrets.token_urlsafe(32)}"
    now = utcnow()
    record = ApiKey(name=name or f"{role.value}-{prefix}", prefix=prefix, role=role, created_at=now)
    try:
        with conn.begin_nested():
            conn.execute(
                api_keys.insert().values(
                    name=record.name,
                    prefix=prefix,
                    key_hash=hash_key(key),
                    role=role.value,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise StoreError(
            f"an API key named {record.name!r} exists already; pick another name"
        ) from None
    return record, key


def verify_key(conn: Connection, key: str) -> ApiKey | None:
    """The live (not revoked) key record for ``key``, or ``None``."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "nd":
        return None
    row = conn.execute(select(api_keys).where(api_keys.c.prefix == parts[1])).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, hash_key(key)):
        return None
    return _record(row)


def list_keys(conn: Connection) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    return [_record(row) for row in conn.execute(select(api_keys).order_by(api_keys.c.seq))]


def revoke_key(conn: Connection, name: str) -> ApiKey | None:
    """Revoke the key called ``name``; return it, or ``None`` when there is none."""
    conn.execute(
        update(api_keys)
        .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    row = conn.execute(select(api_keys).where(api_keys.c.name == name)).one_or_none()
    return _record(row) if row is not None else None


def _record(row: Row[Any]) -> ApiKey:
    return ApiKey(
        name=row.name,
        prefix=row.prefix,
        role=KeyRole(row.role),
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
    )
