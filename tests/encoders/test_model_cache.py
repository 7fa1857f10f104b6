from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from newsdesk.encoders import model_cache
from newsdesk.encoders.model_cache import cache_dir, cached_file, file_sha256, source_sha256
from newsdesk.errors import EncoderError


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


class CountingBuild:
    def __init__(self, content: bytes = b"model bytes" * 100) -> None:
        self.calls = 0
        self.content = content

    def __call__(self, target: Path) -> None:
        self.calls += 1
        target.write_bytes(self.content)


def test_cache_dir_follows_the_environment(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_dir() == cache
    monkeypatch.delenv("NEWSDESK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_dir() == Path("/somewhere/newsdesk")


def test_second_load_reuses_the_file(cache: Path) -> None:
    build = CountingBuild()
    first = cached_file("m.onnx", build, {"source": "abc"})
    mtime = first.stat().st_mtime_ns
    second = cached_file("m.onnx", build, {"source": "abc"})
    assert first == second == cache / "m.onnx"
    assert build.calls == 1 and second.stat().st_mtime_ns == mtime
    meta = json.loads((cache / "m.onnx.json").read_text())
    assert meta["sha256"] == file_sha256(first) and meta["source"] == "abc"
    assert [p.name for p in cache.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"garbage"),  # overwritten, other size
        lambda p: p.write_bytes(p.read_bytes()[:-10] + b"0123456789"),  # same size
        lambda p: p.unlink(),
        lambda p: Path(str(p) + ".json").unlink(),  # sidecar lost: unverifiable
        lambda p: Path(str(p) + ".json").write_text("{not json"),
    ],
)
def test_damaged_file_is_detected_and_rebuilt(damage: object) -> None:
    build = CountingBuild()
    path = cached_file("m.onnx", build)
    built = path.stat().st_mtime_ns
    damage(path)  # type: ignore[operator]
    _newer_than(path, built)
    again = cached_file("m.onnx", build)
    assert build.calls == 2 and again.read_bytes() == build.content


def test_same_content_with_new_mtime_is_accepted_by_its_sha256() -> None:
    build = CountingBuild()
    path = cached_file("m.onnx", build)
    os.utime(path, ns=(1, 1))
    cached_file("m.onnx", build)
    assert build.calls == 1


def test_changed_recipe_rebuilds() -> None:
    build = CountingBuild()
    cached_file("m.onnx", build, {"quantization": "v1"})
    cached_file("m.onnx", build, {"quantization": "v2"})
    assert build.calls == 2


def test_failed_build_leaves_nothing_behind(cache: Path) -> None:
    def broken(target: Path) -> None:
        target.write_bytes(b"half")
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        cached_file("m.onnx", broken)
    assert sorted(p.name for p in cache.iterdir()) == ["m.onnx.lock"]


def test_unwritable_cache_says_which_variable_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path / "file" / "cache"))
    with pytest.raises(EncoderError, match="point NEWSDESK_CACHE_DIR at a writable folder"):
        cached_file("m.onnx", CountingBuild())


def _newer_than(path: Path, mtime_ns: int) -> None:
    """Give a rewritten ``path`` an mtime past ``mtime_ns``, as a later write would have,
    however coarse the file system's clock (no waiting)."""
    if path.exists():
        os.utime(path, ns=(mtime_ns + 10_000_000_000, mtime_ns + 10_000_000_000))


def _slow_build(target: Path) -> None:
    log = target.parent / "builds.log"
    with log.open("a") as handle:
        handle.write(f"{os.getpid()}\n")
    for i in range(20):  # written in pieces, so a reader could catch half a file
        with target.open("ab") as handle:
            handle.write(bytes([i]) * 50_000)


def _worker(cache: str, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    os.environ["NEWSDESK_CACHE_DIR"] = cache
    path = model_cache.cached_file("m.onnx", _slow_build, {"v": 1})
    results.put(file_sha256(path))


def test_processes_building_at_once_make_one_valid_file(cache: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(str(cache), results)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    digests = {results.get(timeout=5) for _ in workers}
    assert all(w.exitcode == 0 for w in workers)
    assert len((cache / "builds.log").read_text().split()) == 1
    assert digests == {file_sha256(cache / "m.onnx")}
    assert (cache / "m.onnx").stat().st_size == 20 * 50_000


def test_source_digest_is_remembered_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(b"a" * 1000)
    digest = file_sha256(source)
    assert source_sha256(source) == digest
    calls: list[Path] = []
    monkeypatch.setattr(model_cache, "file_sha256", lambda p: calls.append(p) or "x")
    assert source_sha256(source) == digest
    assert calls == []
    written = source.stat().st_mtime_ns
    source.write_bytes(b"b" * 1000)
    _newer_than(source, written)
    assert source_sha256(source) == "x" and calls == [source]
