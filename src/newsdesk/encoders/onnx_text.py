"""Run an ONNX sentence-embedding model over texts: tokenize, cut, batch, pool, normalize.

Shared by the e5 encoder and by user-supplied model folders. What an article contributes is
decided here: by default its first ``max_tokens`` tokens (special tokens and the role prefix
included: title plus lead, as an article's text starts with its title); with ``window`` the
whole text is cut into windows of ``max_tokens`` tokens, each window is embedded, and the
windows are averaged by their token counts before the final L2 normalization.

Texts are sorted by token count and batched with their neighbours, so a batch pads to about
its own length instead of the longest text's (with ``rows_alone``, each window runs alone); the
output keeps the input order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.encoders.base import Role, normalize_rows
from newsdesk.errors import EncoderError

__all__ = ["ModelLoadError", "OnnxTextModel", "available_cores"]

logger = logging.getLogger(__name__)

# A cut at this many characters a token of budget always keeps enough text: tokens average
# 3-5 characters in English and Arabic. When it does not, the whole text is tokenized again.
_CHARS_PER_TOKEN = 10
# Tokens in one batch (rows x padded length): large enough to keep matrix kernels busy,
# small enough that activations stay well under 100 MB.
_BATCH_TOKENS = 4096


class ModelLoadError(EncoderError):
    """onnxruntime could not load the model file (corrupt, truncated, not ONNX)."""


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _open_session(model_path: Path, threads: int | None) -> Any:
    """An onnxruntime session for ``model_path`` on the CPU."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or available_cores()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # Idle threads sleep instead of spinning: on a small shared machine (or next to a web
    # server's event loop) spinning burns the cores the work needs; 2-3x slower under load.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelLoadError(f"onnxruntime cannot load {model_path}: {exc}") from exc


@dataclass(frozen=True)
class _Window:
    text: int
    ids: list[int]
    weight: int


class OnnxTextModel:
    """An onnxruntime session plus its tokenizer, turning texts into unit vectors.

    ``prefixes`` maps a :class:`Role` to the text put before each window (``"passage: "``).
    ``pooling`` says how token embeddings become one vector when the model outputs
    ``[batch, tokens, dim]``: ``"mean"`` (masked mean) or ``"cls"`` (first token); a model
    whose output is already ``[batch, dim]`` is used as it is.

    ``rows_alone`` runs every window in a batch of its own. A graph quantized dynamically
    (onnxruntime's ``quantize_dynamic``, as e5-small's int8 graph is) scales its activations
    by the largest value in the whole batch, so in a batch a text's vector depends on the
    texts beside it: the same article could be filed differently in another file. Alone,
    a text always gets the same vector, for about a tenth more time on 2 cores.
    """

    def __init__(
        self,
        model_path: Path,
        tokenizer_path: Path,
        *,
        max_tokens: int = 128,
        window: bool = False,
        prefixes: dict[Role, str] | None = None,
        pooling: str = "mean",
        threads: int | None = None,
        rows_alone: bool = False,
    ) -> None:
        from tokenizers import Tokenizer

        if pooling not in ("mean", "cls"):
            raise EncoderError(f"pooling must be 'mean' or 'cls', not '{pooling}'")
        self.max_tokens = max_tokens
        self.window = window
        self.pooling = pooling
        self.rows_alone = rows_alone
        # the model opens on another thread while the tokenizer loads: both release the GIL,
        # and together they are most of a warm start
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-open") as pool:
            opening = pool.submit(_open_session, model_path, threads)
            try:
                self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
            except Exception as exc:
                raise EncoderError(
                    f"cannot read the tokenizer {tokenizer_path} ({exc}); it must be a Hugging Face "
                    "tokenizer.json (save one with tokenizer.save_pretrained)"
                ) from exc
            self.tokenizer.no_truncation()
            self.tokenizer.no_padding()
            self._lead, self._tail = self._special_tokens()
            self._prefix_ids = {
                role: self._content_ids(text.rstrip()) for role, text in (prefixes or {}).items()
            }
            self.pad_id = self._pad_id()
            budget = max_tokens - len(self._lead) - len(self._tail)
            if budget - max((len(ids) for ids in self._prefix_ids.values()), default=0) < 1:
                raise EncoderError(
                    f"max_tokens={max_tokens} leaves no room for text; use at least 16"
                )
            self.session = opening.result()  # raises what opening the model raised
        self._inputs = {i.name for i in self.session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._inputs
        if missing:
            raise EncoderError(
                f"{model_path} lacks the input(s) {', '.join(sorted(missing))}; a sentence-"
                f"embedding model takes input_ids and attention_mask (it has: "
                f"{', '.join(sorted(self._inputs))})"
            )
        self._output = self.session.get_outputs()[0].name
        self.dim = self._probe_dim()

    # ---- tokenization ----
    def _content_ids(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def _special_tokens(self) -> tuple[list[int], list[int]]:
        """The special tokens the tokenizer's template puts before and after a text."""
        probe = self.tokenizer.encode("a", add_special_tokens=True)
        ids, special = probe.ids, probe.special_tokens_mask
        content = [i for i, flag in enumerate(special) if not flag]
        if not content:
            return [], []
        return list(ids[: content[0]]), list(ids[content[-1] + 1 :])

    def _pad_id(self) -> int:
        padding = self.tokenizer.padding
        if padding and "pad_id" in padding:
            return int(padding["pad_id"])
        for token in ("<pad>", "[PAD]"):
            found = self.tokenizer.token_to_id(token)
            if found is not None:
                return int(found)
        return 0

    def _windows(self, texts: Sequence[str], role: Role) -> list[_Window]:
        prefix = self._prefix_ids.get(role, [])
        budget = self.max_tokens - len(self._lead) - len(self._tail) - len(prefix)
        if self.window:
            encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
            content = [list(e.ids) for e in encoded]
        else:
            content = self._leads(texts, budget)
        windows = []
        for index, ids in enumerate(content):
            pieces = [ids[i : i + budget] for i in range(0, len(ids), budget)] or [[]]
            for piece in pieces:
                windows.append(
                    _Window(index, self._lead + prefix + piece + self._tail, max(len(piece), 1))
                )
        return windows

    def _leads(self, texts: Sequence[str], budget: int) -> list[list[int]]:
        """The first ``budget`` content tokens of each text, tokenizing only what is needed."""
        limit = budget * _CHARS_PER_TOKEN
        cut = [_cut_at_space(text, limit) for text in texts]
        encoded = self.tokenizer.encode_batch(cut, add_special_tokens=False)
        leads = []
        for text, short, enc in zip(texts, cut, encoded, strict=True):
            ids = list(enc.ids)
            if len(ids) < budget and len(short) < len(text):
                ids = self._content_ids(text)
            leads.append(ids[:budget])
        return leads

    # ---- inference ----
    def _run(self, windows: Sequence[_Window]) -> np.ndarray:
        length = max(len(w.ids) for w in windows)
        ids = np.full((len(windows), length), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(windows), length), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window.ids)] = window.ids
            mask[row, : len(window.ids)] = 1
        feed: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        out = np.asarray(self.session.run([self._output], feed)[0], dtype=np.float32)
        if out.ndim == 2:
            return out
        if out.ndim != 3:
            raise EncoderError(
                f"the model's output '{self._output}' has shape {out.shape}; expected "
                "[batch, dim] (pooled) or [batch, tokens, dim] (token embeddings)"
            )
        if self.pooling == "cls":
            return out[:, 0, :]
        weights = mask[:, :, None].astype(np.float32)
        return (out * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)

    def _probe_dim(self) -> int:
        window = _Window(0, self._lead + self._content_ids("probe") + self._tail, 1)
        return int(self._run([window]).shape[1])

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        """Unit vectors for ``texts`` (float32, ``[len(texts), dim]``), in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        windows = self._windows(texts, role)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        budget = 0 if self.rows_alone else _BATCH_TOKENS
        start = 0
        while start < len(order):
            # rows are sorted by length, so the last row of a batch sets its padded length
            stop = start + 1
            while (
                stop < len(order) and (stop - start + 1) * len(windows[order[stop]].ids) <= budget
            ):
                stop += 1
            batch = [windows[i] for i in order[start:stop]]
            vectors = self._run(batch)
            for window, vector in zip(batch, vectors, strict=True):
                sums[window.text] += window.weight * vector
            start = stop
        return normalize_rows(sums)


def _cut_at_space(text: str, limit: int) -> str:
    """``text`` up to the last space before ``limit`` characters (whole when shorter)."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit)
    return text[: space if space > 0 else limit]
