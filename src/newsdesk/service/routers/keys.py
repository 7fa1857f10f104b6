"""``/v1/keys``: API keys, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from newsdesk.article import NO_NUL_PATTERN
from newsdesk.service.dependencies import Admin, State
from newsdesk.service.errors import ApiError, ErrorBody
from newsdesk.service.schemas import ApiKeyOut, CreatedKey, KeyIn
from newsdesk.store import keys as repository
from newsdesk.store.errors import StoreError, StoreUnavailableError

router = APIRouter(tags=["keys"])


@router.get("/v1/keys", response_model=list[ApiKeyOut])
def list_keys(state: State, _key: Admin) -> list[ApiKeyOut]:
    """Every key (never the keys themselves), revoked ones included."""
    with state.store.read() as conn:
        return [ApiKeyOut.of(k) for k in repository.list_keys(conn)]


@router.post(
    "/v1/keys",
    status_code=201,
    response_model=CreatedKey,
    responses={409: {"model": ErrorBody, "description": "A key with this name exists."}},
)
def create_key(body: KeyIn, state: State, _key: Admin) -> CreatedKey:
    """Make a key; the response holds the key itself, shown only this once."""
    try:
        with state.store.write() as conn:
            record, key = repository.create_key(conn, body.role, name=body.name)
    except StoreUnavailableError:
        raise
    except StoreError as exc:
        raise ApiError(409, str(exc), field="name") from None
    return CreatedKey(**ApiKeyOut.of(record).model_dump(), key=key)


@router.delete(
    "/v1/keys/{name}",
    response_model=ApiKeyOut,
    responses={404: {"model": ErrorBody, "description": "No key with this name."}},
)
def revoke_key(
    name: Annotated[str, Path(pattern=NO_NUL_PATTERN)], state: State, _key: Admin
) -> ApiKeyOut:
    """Revoke a key; it stops working within the key cache time (``key_cache_s``)."""
    with state.store.write() as conn:
        record = repository.revoke_key(conn, name)
    if record is None:
        raise ApiError(404, f"no API key named {name!r}")
    state.keys.clear()
    return ApiKeyOut.of(record)
