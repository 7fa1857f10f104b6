"""Errors of the store, below :class:`newsdesk.errors.NewsdeskError`::

StoreError (RuntimeError)        the database cannot be opened or used
└── SchemaOutdatedError          the database's schema is not the one this newsdesk needs
"""

from __future__ import annotations

from newsdesk.errors import NewsdeskError

__all__ = ["SchemaOutdatedError", "StoreError"]


class StoreError(NewsdeskError, RuntimeError):
    """The database cannot be opened or used; the message says which and how to fix it."""


class SchemaOutdatedError(StoreError):
    """The database was made by another version of newsdesk: run ``newsdesk db upgrade``."""
