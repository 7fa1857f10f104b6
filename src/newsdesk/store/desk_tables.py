"""Tables of the review desk: editors' accounts, the model registry, background jobs, and the
sections of multi-label articles.

They share :data:`newsdesk.store.tables.metadata`, so migrations and ``create_all`` see them.

``models`` lists every model the service has served or trained: the one it started with and
each candidate retrained from corrections (its folder, metrics and comparison with the model
that was active when it was trained). ``model_activations`` is the history of which model was
active from when, newest last: the active model is the latest row, and rolling back activates
the one before it. ``desk_jobs`` tracks background work (retraining, comparing) so that any
page, in any worker process, can show its progress. ``article_sections`` lists the other
sections of multi-label articles, for the public section pages.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from newsdesk.store.tables import SEQ, articles, metadata

__all__ = [
    "article_sections",
    "desk_jobs",
    "desk_secrets",
    "model_activations",
    "models",
    "signin_attempts",
    "users",
]

WHEN = DateTime(timezone=True)

users = Table(
    "users",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    # "scrypt$n$r$p$salt$hash" (see newsdesk.store.users.hash_password).
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    # Bumped when the password changes or the user is signed out everywhere: session cookies
    # carry the epoch they were issued under and stop working when it moves on.
    Column("session_epoch", Integer, nullable=False, default=0),
    Column("created_at", WHEN, nullable=False),
    Column("disabled_at", WHEN, nullable=True),
)

models = Table(
    "models",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("version", String(255), nullable=False, unique=True),
    # A saved-model folder; NULL for a zero-shot classifier built from the taxonomy.
    Column("path", Text, nullable=True),
    Column("kind", String(32), nullable=False),  # initial | retrained
    Column("status", String(16), nullable=False),  # training | ready | failed
    Column("created_at", WHEN, nullable=False),
    Column("created_by", String(255), nullable=True),
    Column("metrics", JSON, nullable=True),
    Column("comparison", JSON, nullable=True),
    Column("training", JSON, nullable=True),
    Column("error", Text, nullable=True),
)

model_activations = Table(
    "model_activations",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("version", String(255), nullable=False),
    Column("activated_at", WHEN, nullable=False),
    Column("activated_by", String(255), nullable=True),
    Column("note", Text, nullable=True),
)

# The sections of a multi-label article other than its primary one, as it stands now: the
# editor's (``score`` NULL) once corrected, else the call's, with their probabilities. Section
# pages and feeds read them besides the primary section (``articles.section`` and
# ``corrected_section``). Rewritten by every correction; revision 0003 filled it.
article_sections = Table(
    "article_sections",
    metadata,
    Column(
        "article_seq",
        SEQ,
        ForeignKey("articles.seq", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("section", String(255), primary_key=True),
    Column("score", Float, nullable=True),
)
Index("ix_article_sections_section", article_sections.c.section, article_sections.c.article_seq)

desk_jobs = Table(
    "desk_jobs",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # retrain | compare
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("progress", Float, nullable=False, default=0.0),
    Column("message", Text, nullable=False, default=""),
    Column("model_version", String(255), nullable=True),
    Column("created_by", String(255), nullable=True),
    Column("created_at", WHEN, nullable=False),
    Column("finished_at", WHEN, nullable=True),
    Column("result", JSON, nullable=True),
    Column("error", Text, nullable=True),
)

# The review queue walks unreviewed articles by ``articles.priority``, lowest first: the
# margin between the two most probable sections when an article is filed, its place in the
# teaching order once a model re-ranks the queue, a random draw for random picks (see
# ``store.queue_order``). A page of it reads a few index entries instead of sorting the whole
# table. The index is partial, over the unreviewed articles, so both databases read it in
# order (neither derives an order from ``IS NULL`` on a leading column). Its condition is on
# ``corrected_at`` (set with ``corrected_section``, by every correction), which no other index
# covers: on ``corrected_section`` SQLite would pick that column's own index, misled by its
# statistics (one value, NULL, holds nearly every row), and sort every waiting article.
Index(
    "ix_articles_review",
    articles.c.priority,
    articles.c.seq,
    postgresql_where=articles.c.corrected_at.is_(None),
    sqlite_where=articles.c.corrected_at.is_(None),
)
# The latest reviewed random picks, for the estimate of accuracy on unreviewed articles:
# partial, over random picks only, so that no query of all articles can use it (a
# ``corrected_at`` index of every article would draw SQLite off the review index).
Index(
    "ix_articles_random_picks",
    articles.c.corrected_at,
    postgresql_where=articles.c.random_pick.is_(True),
    sqlite_where=articles.c.random_pick.is_(True),
)
# The dashboard's figures read these alone, not the table: calls against editors' sections,
# and the sections filed each day.
Index("ix_articles_reviewed_calls", articles.c.corrected_section, articles.c.section)
Index(
    "ix_articles_filed_sections",
    articles.c.filed_at,
    articles.c.section,
    articles.c.corrected_section,
)
# The queue's source filter.
Index("ix_articles_source", articles.c.source)

# Sign-in attempts, shared by every service process on this database (see
# newsdesk.store.signin): one row a throttled key ("user:<name>" or "addr:<address>"), holding
# the attempts counted in the window that began at ``window_start`` and, once there were too
# many, when the key may try again. Times are seconds since the epoch, compared in Python.
signin_attempts = Table(
    "signin_attempts",
    metadata,
    Column("key", String(320), primary_key=True),
    Column("window_start", Float, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("locked_until", Float, nullable=True),
)

# Secrets the desk makes itself when the operator sets none (the key that signs session
# cookies): made once, by whichever process starts first, and read by every other one.
desk_secrets = Table(
    "desk_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
