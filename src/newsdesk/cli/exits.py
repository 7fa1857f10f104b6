"""How every command reports an error: one ``error: ...`` line on stderr and an exit status.

The statuses are the CLI's contract with scripts: 1 when the work failed (a store, a model or a
file the command needed), 2 when the command line itself is wrong (so retrying cannot help), 3
when ``classify`` filed what it could but rejected some records. Library errors become
statuses here and nowhere deeper.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from newsdesk.errors import NewsdeskError

__all__ = [
    "EXIT_FAILED",
    "EXIT_REJECTED",
    "EXIT_USAGE",
    "fail",
    "fail_many",
    "reported",
    "usage_error",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3


def fail(message: object, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code``."""
    fail_many([message], code)


def fail_many(messages: Iterable[object], code: int = EXIT_FAILED) -> NoReturn:
    """Print an ``error: ...`` line for each of ``messages`` and exit with ``code``."""
    for message in messages:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def usage_error(message: str) -> NoReturn:
    """Print ``error: message`` on one line to stderr and exit 2: the command line is wrong."""
    fail(" ".join(message.split()), EXIT_USAGE)


@contextmanager
def reported(code: int = EXIT_FAILED) -> Iterator[None]:
    """Turn a :class:`~newsdesk.errors.NewsdeskError` raised inside into :func:`fail`."""
    try:
        yield
    except NewsdeskError as exc:
        problem = exc
    else:
        return
    fail(problem, code)
