"""The desk tests' fixtures (defined in ``desk_fixtures``)."""

from ui.desk_fixtures import (  # noqa: F401 (fixtures)
    app_factory,
    client,
    database_url,
    editor,
    labeled,
    lexical_classifier,
    seeded,
)
