from __future__ import annotations

from store.fixtures import *  # noqa: F403 (the shared fixtures)
