from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from newsdesk.store import SchemaOutdatedError, Store, StoreError, migrate
from newsdesk.store.engine import normalize_url
from newsdesk.store.tables import metadata


def test_upgrade_creates_the_schema_the_code_uses(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    assert migrate.current_revision(store) is None
    before, after = migrate.upgrade(store)
    assert (before, after) == (None, migrate.head_revision())
    migrate.check_schema(store)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []  # the migrations build exactly the tables of tables.py
    assert migrate.upgrade(store) == (after, after)  # a second upgrade changes nothing
    store.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    migrate.upgrade(store)
    migrate.downgrade(store, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(store)
    assert {"articles", "corrections", "api_keys"} <= set(inspect(store.engine).get_table_names())
    store.dispose()


def test_an_empty_database_is_refused_with_the_command_to_run(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    with pytest.raises(SchemaOutdatedError, match=r"not set up .*run: newsdesk db upgrade"):
        migrate.check_schema(store)
    store.dispose()


def test_an_old_schema_is_refused_with_the_command_to_run(database_url: str) -> None:
    store = Store(database_url)
    with store.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutdatedError, match=r"does not know .*set up by a newer newsdesk"):
        migrate.check_schema(store)
    store.dispose()


def test_sqlite_files_use_wal(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/wal.db")
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.dispose()


def test_database_urls_pick_psycopg_and_refuse_other_databases() -> None:
    assert normalize_url("postgresql://u@h:5432/db").startswith("postgresql+psycopg://")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        normalize_url("mysql://u@h/db")
    with pytest.raises(StoreError, match="cannot read database URL"):
        normalize_url("not a url")


def test_revision_0002_fills_the_margin_of_articles_filed_before_it(
    empty_database_url: str,
) -> None:
    import sqlalchemy as sa

    from newsdesk.store.review import QueueFilter, margin_of, queue_page

    store = Store(empty_database_url)
    migrate.upgrade(store, "0001")
    old = sa.table(  # the articles table as revision 0001 made it (no margin column)
        "articles",
        *(
            sa.column(name)
            for name in ("id", "title", "text", "lang", "content_hash", "filed_at", "section")
        ),
        sa.column("confidence"),
        sa.column("scores", sa.JSON),
        sa.column("model_version"),
    )
    from datetime import UTC, datetime

    rows = [
        ("en-1", "Cup final", "The team won.", "en", {"Sports": 0.7, "Music": 0.2, "Art": 0.1}),
        ("ar-1", "نهائي الكأس", "فاز الفريق.", "ar", {"Sports": 0.4, "Music": 0.35, "Art": 0.25}),
        ("one", "Only one", "One score.", "en", {"Art": 1.0}),
    ]
    with store.engine.begin() as conn:
        for n, (article_id, title, body, lang, scores) in enumerate(rows):
            conn.execute(
                old.insert().values(
                    id=article_id,
                    title=title,
                    text=body,
                    lang=lang,
                    content_hash=f"{n:064d}",
                    filed_at=datetime(2025, 1, 1, tzinfo=UTC),
                    section=max(scores, key=scores.__getitem__),
                    confidence=max(scores.values()),
                    scores=scores,
                    model_version="v0",
                )
            )
    migrate.upgrade(store)
    with store.read() as conn:
        items, _ = queue_page(conn, QueueFilter(), limit=10)
        first, after = queue_page(conn, QueueFilter(), limit=1)
        rest, _ = queue_page(conn, QueueFilter(), limit=10, after=after)
    expected = {article_id: margin_of(scores) for article_id, _, _, _, scores in rows}
    assert {item.id: item.margin for item in items} == pytest.approx(expected)
    assert [item.id for item in items] == ["ar-1", "en-1", "one"]  # least decided first
    assert [item.id for item in first + rest] == ["ar-1", "en-1", "one"]  # pages by key
    store.dispose()


def test_revision_0003_lists_multi_label_articles_filed_before_it_under_each_section(
    empty_database_url: str,
) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from newsdesk.store.review import section_articles

    store = Store(empty_database_url)
    migrate.upgrade(store, "0002")
    old = sa.table(  # the articles table as revision 0002 made it
        "articles",
        *(
            sa.column(name)
            for name in ("id", "title", "text", "lang", "content_hash", "filed_at", "section")
        ),
        *(sa.column(name) for name in ("confidence", "model_version", "corrected_section")),
        *(sa.column(name, sa.JSON) for name in ("scores", "sections", "corrected_sections")),
    )
    scores = {"Economy": 0.9, "Sports": 0.7, "Art": 0.65}
    rows = [  # id, lang, call's sections, editor's sections
        ("ar-call", "ar", ["Economy", "Sports"], None),
        ("en-fixed", "en", ["Economy", "Art"], ["Health", "Sports"]),
        ("en-single", "en", None, None),
    ]
    with store.engine.begin() as conn:
        for n, (article_id, lang, sections, fixed) in enumerate(rows):
            conn.execute(
                old.insert().values(
                    id=article_id,
                    title=article_id,
                    text="نص" if lang == "ar" else "Text.",
                    lang=lang,
                    content_hash=f"{n:064d}",
                    filed_at=datetime(2025, 1, 1, tzinfo=UTC),
                    section="Economy",
                    confidence=0.9,
                    model_version="v0",
                    scores=scores,
                    sections=sections,
                    corrected_section=fixed[0] if fixed else None,
                    corrected_sections=fixed,
                )
            )
    migrate.upgrade(store)
    with store.read() as conn:

        def published(section: str) -> list[str | None]:
            items = section_articles(conn, section, min_confidence=0.6, limit=10)
            return [item.id for item in items]

        assert published("Sports") == ["en-fixed", "ar-call"]
        assert published("Art") == []  # the call said Art, the editor did not
        assert published("Health") == ["en-fixed"]
    store.dispose()


def test_revision_0005_gives_articles_filed_before_it_their_queue_priority(
    empty_database_url: str,
) -> None:
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from newsdesk.store.queue_order import filing_priority, is_random_pick
    from newsdesk.store.review import QueueFilter, queue_page

    store = Store(empty_database_url)
    migrate.upgrade(store, "0004")
    old = sa.table(  # the articles table as revision 0004 left it (no priority column)
        "articles",
        *(
            sa.column(name)
            for name in ("id", "title", "text", "lang", "content_hash", "filed_at", "section")
        ),
        sa.column("confidence"),
        sa.column("margin"),
        sa.column("scores", sa.JSON),
        sa.column("model_version"),
    )
    ids = [f"old-{n}" for n in range(30)]
    with store.engine.begin() as conn:
        for n, article_id in enumerate(ids):
            lang = "ar" if n % 2 else "en"
            conn.execute(
                old.insert().values(
                    id=article_id,
                    title="نهائي الكأس" if lang == "ar" else "Cup final",
                    text=f"story {n}",
                    lang=lang,
                    content_hash=f"{n:064d}",
                    filed_at=datetime(2025, 1, 1, tzinfo=UTC),
                    section="Sports",
                    confidence=0.5 + n / 100,
                    margin=n / 30,
                    scores={"Sports": 0.5 + n / 100, "Art": 0.5 - n / 100},
                    model_version="v0",
                )
            )
    migrate.upgrade(store)
    with store.read() as conn:
        items, _ = queue_page(conn, QueueFilter(), limit=100)
    assert sorted(item.id for item in items) == sorted(ids)
    assert [item.priority for item in items] == sorted(item.priority for item in items)
    for item in items:
        assert item.random_pick == is_random_pick(item.id)
        assert item.priority == pytest.approx(filing_priority(item.id, item.margin))
    assert any(item.random_pick for item in items) and not all(i.random_pick for i in items)
    migrate.downgrade(store, "0004")
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns("articles")}
    assert "priority" not in columns and "margin" in columns
    store.dispose()
