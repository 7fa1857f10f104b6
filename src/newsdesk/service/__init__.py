"""The newsroom service: a FastAPI app over the classifier and the article store.

Needs the ``service`` extra: ``pip install 'newsdesk[service]'``.
"""

from __future__ import annotations

from newsdesk.errors import require

for _module in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "pydantic_settings"):
    require(_module, feature="the newsdesk service", extra="service")

from newsdesk.service.app import create_app  # noqa: E402
from newsdesk.service.settings import Settings  # noqa: E402

__all__ = ["Settings", "create_app"]
