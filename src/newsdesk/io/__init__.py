"""Reading articles from files and streams, and writing results as JSON Lines."""

from __future__ import annotations

from newsdesk.io.readers import STDIN, InputFormat, check_source, count_records, read_articles
from newsdesk.io.records import Rejected
from newsdesk.io.writers import JsonLinesWriter

__all__ = [
    "STDIN",
    "InputFormat",
    "JsonLinesWriter",
    "Rejected",
    "check_source",
    "count_records",
    "read_articles",
]
