"""API-key authentication and role checks, as FastAPI dependencies.

A key is sent as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Checked keys are
trusted for ``key_cache_s`` seconds, so a revoked key may work that much longer on a busy
server; the cache saves a database read on every request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from newsdesk.service.errors import ApiError
from newsdesk.service.key_cache import KeyCache  # where create_app has always found it
from newsdesk.service.state import ServiceState, get_state
from newsdesk.store import keys as key_repository
from newsdesk.store.records import ApiKey, KeyRole

__all__ = ["KeyCache", "require_role"]

_bearer = HTTPBearer(auto_error=False, description="An API key made by 'newsdesk keys create'.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The same key.")


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


async def _authenticate(
    state: ServiceState,
    bearer: HTTPAuthorizationCredentials | None,
    header_key: str | None,
) -> ApiKey:
    key = bearer.credentials if bearer is not None else header_key
    if not key:
        raise _unauthorized(
            "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
            "(make one with: newsdesk keys create --role reader)"
        )
    record = state.keys.get(key)
    if record is None:
        record = await run_in_threadpool(_lookup, state, key)
        if record is None:
            raise _unauthorized("invalid or revoked API key")
        state.keys.put(key, record)
    return record


def _lookup(state: ServiceState, key: str) -> ApiKey | None:
    with state.store.read() as conn:
        return key_repository.verify_key(conn, key)


def require_role(role: KeyRole) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that returns the caller's key, or answers 401 (no key) or 403 (role)."""

    async def dependency(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
        header_key: str | None = Depends(_header),
    ) -> ApiKey:
        record = await _authenticate(get_state(request), bearer, header_key)
        if not record.role.allows(role):
            raise ApiError(
                403,
                f"this needs a key with the '{role.value}' role (or higher); "
                f"key '{record.name}' has '{record.role.value}'",
            )
        return record

    dependency.__name__ = f"require_{role.value}"
    return dependency
