"""Where the desk keeps what every service process must agree on: sign-in attempts and the
session key it made itself.

Two places: the database (the default, :class:`DatabaseSignInState`) or Redis
(:class:`RedisSignInState`, when ``NEWSDESK_REDIS_URL`` is set). Either way several workers,
on one machine or many, count one account's attempts together and accept each other's
session cookies. Both follow the rules of :func:`newsdesk.store.signin.count_attempt`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from newsdesk.errors import require
from newsdesk.store import signin
from newsdesk.store.engine import Store
from newsdesk.store.errors import StoreUnavailableError
from newsdesk.store.signin import LockoutRules

if TYPE_CHECKING:
    import redis

__all__ = ["DatabaseSignInState", "RedisSignInState", "SignInState", "open_signin_state"]


class SignInState(Protocol):
    def count_attempt(self, keys: Sequence[str], now: float, rules: LockoutRules) -> float: ...

    def forget_attempts(self, key: str) -> None: ...

    def take_back_attempt(self, key: str) -> None: ...

    def shared_secret(self, name: str) -> str: ...


class DatabaseSignInState:
    """Sign-in state in the store's ``signin_attempts`` and ``desk_secrets`` tables."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def count_attempt(self, keys: Sequence[str], now: float, rules: LockoutRules) -> float:
        with self.store.write() as conn:
            return signin.count_attempt(conn, keys, now, rules)

    def forget_attempts(self, key: str) -> None:
        with self.store.write() as conn:
            signin.forget_attempts(conn, key)

    def take_back_attempt(self, key: str) -> None:
        with self.store.write() as conn:
            signin.take_back_attempt(conn, key)

    def shared_secret(self, name: str) -> str:
        with self.store.write() as conn:
            return signin.shared_secret(conn, name)


# Counts every key's attempt or none, in one step of the server (the same rules as the
# database's): a key locked until later refuses; a key whose window ended starts a new one;
# the attempt past the limit locks its key. Returns the seconds to wait, as a string.
_COUNT = """
local now, most, window, lockout = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
    tonumber(ARGV[4])
local wait = 0
for _, key in ipairs(KEYS) do
  local until_ = tonumber(redis.call('HGET', key, 'locked_until') or '0')
  if until_ - now > wait then wait = until_ - now end
end
if wait > 0 then return tostring(wait) end
for _, key in ipairs(KEYS) do
  local start = tonumber(redis.call('HGET', key, 'window_start') or '0')
  local attempts = tonumber(redis.call('HGET', key, 'attempts') or '0')
  if start <= now - window then start, attempts = now, 0 end
  attempts = attempts + 1
  if attempts > most then
    redis.call('HSET', key, 'window_start', now, 'attempts', 0, 'locked_until', now + lockout)
    wait = lockout
  else
    redis.call('HSET', key, 'window_start', start, 'attempts', attempts, 'locked_until', 0)
  end
  redis.call('EXPIRE', key, math.ceil(window + lockout))
end
return tostring(wait)
"""
_TAKE_BACK = """
if tonumber(redis.call('HGET', KEYS[1], 'attempts') or '0') > 0 then
  redis.call('HINCRBY', KEYS[1], 'attempts', -1)
end
"""


class RedisSignInState:
    """Sign-in state in Redis, under keys starting ``prefix`` (``newsdesk:{signin}:``).

    The ``{signin}`` hash tag keeps every key on one node of a Redis Cluster, as the scripts
    that count attempts need; a prefix of one's own lets deployments (or test runs) share a
    Redis database.
    """

    PREFIX = "newsdesk:{signin}:"

    def __init__(self, url: str, *, prefix: str = PREFIX, timeout_s: float = 5.0) -> None:
        require("redis", feature="sign-in state in Redis (NEWSDESK_REDIS_URL)", extra="service")
        import redis

        self.url = url
        self.prefix = prefix
        self.client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        self._count = self.client.register_script(_COUNT)
        self._take_back = self.client.register_script(_TAKE_BACK)

    def _call(self, work: Any, *args: Any, **kwargs: Any) -> Any:
        import redis

        try:
            return work(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailableError(
                f"Redis at {self.url} does not answer ({exc}); sign-in needs it "
                "(NEWSDESK_REDIS_URL)"
            ) from exc

    def count_attempt(self, keys: Sequence[str], now: float, rules: LockoutRules) -> float:
        names = [self.prefix + key for key in keys]
        args = [repr(now), rules.max_attempts, repr(rules.window_s), repr(rules.lockout_s)]
        return float(self._call(self._count, keys=names, args=args))

    def forget_attempts(self, key: str) -> None:
        self._call(self.client.delete, self.prefix + key)

    def take_back_attempt(self, key: str) -> None:
        self._call(self._take_back, keys=[self.prefix + key])

    def shared_secret(self, name: str) -> str:
        key = f"{self.prefix}secret:{name}"
        self._call(self.client.set, key, signin.new_secret(), nx=True)
        value = self._call(self.client.get, key)
        return value.decode() if isinstance(value, bytes) else str(value)


def open_signin_state(
    store: Store, redis_url: str | None, redis_prefix: str = RedisSignInState.PREFIX
) -> SignInState:
    """Redis (keys under ``redis_prefix``) when ``redis_url`` is given, else the database of
    ``store``."""
    if redis_url:
        return RedisSignInState(redis_url, prefix=redis_prefix)
    return DatabaseSignInState(store)
