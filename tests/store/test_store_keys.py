from __future__ import annotations

import pytest

from newsdesk.store import KeyRole, Store, StoreError
from newsdesk.store import keys as repo
from newsdesk.store.tables import api_keys


def test_a_key_is_verified_by_its_hash_only(store: Store) -> None:
    with store.write() as conn:
        record, key = repo.create_key(conn, KeyRole.EDITOR, name="cms")
    assert key.startswith(f"nd_{record.prefix}_")
    with store.read() as conn:
        stored = conn.execute(api_keys.select()).one()
        assert key not in stored  # only the hash is kept
        assert stored.key_hash == repo.hash_key(key)
        assert repo.verify_key(conn, key) == record
        assert repo.verify_key(conn, key[:-1] + ("x" if key[-1] != "x" else "y")) is None
        assert repo.verify_key(conn, "nonsense") is None
        assert repo.verify_key(conn, f"nd_{record.prefix}_") is None


def test_revoked_keys_stop_working(store: Store) -> None:
    with store.write() as conn:
        _, key = repo.create_key(conn, KeyRole.READER, name="old")
    with store.write() as conn:
        revoked = repo.revoke_key(conn, "old")
        assert repo.revoke_key(conn, "missing") is None
    assert revoked is not None and revoked.revoked_at is not None
    with store.read() as conn:
        assert repo.verify_key(conn, key) is None
        assert [k.name for k in repo.list_keys(conn)] == ["old"]


def test_key_names_are_unique(store: Store) -> None:
    with store.write() as conn:
        repo.create_key(conn, KeyRole.ADMIN, name="boss")
    with (
        pytest.raises(StoreError, match="an API key named 'boss' exists already"),
        store.write() as conn,
    ):
        repo.create_key(conn, KeyRole.ADMIN, name="boss")


def test_roles_are_ordered() -> None:
    assert KeyRole.ADMIN.allows(KeyRole.EDITOR)
    assert KeyRole.EDITOR.allows(KeyRole.READER)
    assert not KeyRole.READER.allows(KeyRole.EDITOR)
    assert not KeyRole.EDITOR.allows(KeyRole.ADMIN)
