"""The CPU ``newsdesk classify`` spends beside its encoder: the CLI with the encoder's work taken out.

    python benchmarks/cli_overhead.py [--articles 2000] [--runs 3]

The articles of ``benchmarks/throughput.py`` are encoded once with e5-small; then the whole
``newsdesk classify FILE -o OUT`` (reading, language detection, scoring: keywords, form cues,
the label products; JSON out) runs in this process with an encoder that looks those vectors
up, and the process's CPU seconds are printed. On two cores this work competes with
onnxruntime for the cores, so it is what ``newsdesk classify`` loses to the bare encoder
besides start-up. CPU time, unlike wall time, is steady on a loaded machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import DEFAULT_DATA, OUT, write_articles

from newsdesk.cli.app import app
from newsdesk.encoders.base import Role
from newsdesk.encoders.registry import get_encoder, register_encoder
from newsdesk.io.readers import read_articles


class LookedUp:
    """e5-small's vectors of known article texts, looked up; anything else is encoded."""

    name = "e5-small"
    dim = 384
    cacheable = True

    def __init__(self, texts: list[str]) -> None:
        self.e5 = get_encoder("e5-small")
        self.fingerprint = self.e5.fingerprint
        digest = hashlib.sha256("\0".join([self.fingerprint, *texts]).encode()).hexdigest()
        saved = OUT / f"cli-overhead-{digest[:16]}.npy"  # encoded once, kept for reruns
        if not saved.exists():
            print(f"encoding {len(texts)} articles once ...", flush=True)
            batches = [self.e5.encode(texts[i : i + 32]) for i in range(0, len(texts), 32)]
            np.save(saved, np.concatenate(batches))
        self.known = dict(zip(texts, np.load(saved), strict=True))

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        if role is not Role.PASSAGE or any(t not in self.known for t in texts):
            return self.e5.encode(texts, role)
        return np.stack([self.known[t] for t in texts])


def main() -> None:
    from typer.testing import CliRunner

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = write_articles(Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA)), args.articles)
    encoder = LookedUp([a.content for a in read_articles(source)])
    register_encoder("looked-up", lambda **_: encoder)
    with tempfile.TemporaryDirectory() as tmp:
        command = ["classify", str(source), "-e", "looked-up", "-o", str(Path(tmp) / "out")]
        CliRunner().invoke(app, command)  # label vectors cached, imports done
        for _ in range(args.runs):
            began, cpu = time.perf_counter(), os.times()
            result = CliRunner().invoke(app, command)
            after = os.times()
            if result.exit_code != 0:
                raise SystemExit(f"newsdesk classify failed: {result.output[-500:]}")
            seconds = after.user - cpu.user + after.system - cpu.system
            print(
                f"{args.articles} articles: {seconds:.2f} CPU s ({1000 * seconds / args.articles:.2f}"
                f" ms an article), wall {time.perf_counter() - began:.2f} s, "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
