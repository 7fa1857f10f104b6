"""Errors of the store, below :class:`newsdesk.errors.NewsdeskError`::

StoreError (RuntimeError)        the database cannot be opened or used
├── SchemaOutdatedError          the database's schema is not the one this newsdesk needs
└── StoreUnavailableError        the database (or Redis) does not answer now; try again later
"""

from __future__ import annotations

from newsdesk.errors import NewsdeskError

__all__ = ["SchemaOutdatedError", "StoreError", "StoreUnavailableError"]


class StoreError(NewsdeskError, RuntimeError):
    """The database cannot be opened or used; the message says which and how to fix it."""


class SchemaOutdatedError(StoreError):
    """The database was made by another version of newsdesk: run ``newsdesk db upgrade``."""


class StoreUnavailableError(StoreError):
    """The database (or Redis) refused the connection, timed out or went away.

    Unlike other store errors this one passes: the service answers 503 with ``Retry-After``.
    """
