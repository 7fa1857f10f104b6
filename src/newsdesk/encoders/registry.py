"""The registry that maps encoder names (and folder paths) to backends, built lazily.

Each backend module is imported only when its name is first asked for, so a deployment that
uses the lexical encoder never loads onnxruntime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsdesk.encoders.base import Encoder
from newsdesk.errors import EncoderError

__all__ = [
    "DEFAULT_ENCODER",
    "available_encoders",
    "get_encoder",
    "parse_encoder_spec",
    "register_encoder",
]

DEFAULT_ENCODER = "e5-small"


_FACTORIES: dict[str, Callable[..., Encoder]] = {}
_CACHE: dict[tuple[str, tuple[tuple[str, object], ...]], Encoder] = {}
_LOCK = threading.Lock()


def register_encoder(name: str, factory: Callable[..., Encoder]) -> None:
    """Make ``get_encoder(name)`` build an encoder with ``factory`` (called once, lazily).

    Options given to :func:`get_encoder` (``window``, ``max_tokens``) are passed to
    ``factory`` as keyword arguments.
    """
    _FACTORIES[name] = factory


def _builtin_factories() -> dict[str, Callable[..., Encoder]]:
    def e5(**options: Any) -> Encoder:
        from newsdesk.encoders.e5 import E5Encoder

        return E5Encoder(**options)

    def use_m3(max_tokens: int | None = None, **options: Any) -> Encoder:
        from newsdesk.encoders.use import USEEncoder

        # USE counts words, not subword tokens
        return USEEncoder(**options) if max_tokens is None else USEEncoder(max_tokens, **options)

    def lexical(**options: Any) -> Encoder:
        from newsdesk.encoders.lexical import LexicalEncoder

        options.pop("threads", None)  # one thread of numpy: nothing to cap
        if options:
            raise EncoderError("the lexical encoder takes no options (window, max_tokens)")
        return LexicalEncoder()

    return {DEFAULT_ENCODER: e5, "use-m3": use_m3, "lexical": lexical}


def available_encoders() -> list[str]:
    """Names ``get_encoder`` accepts besides a folder path."""
    return sorted({**_builtin_factories(), **_FACTORIES})


def parse_encoder_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``"e5-small:window:256"`` into ``("e5-small", {"window": True, "max_tokens": 256})``.

    A folder path is returned whole when it exists (so paths with colons still work).
    """
    if Path(spec).is_dir() or ":" not in spec:
        return spec, {}
    base, *parts = spec.split(":")
    options: dict[str, Any] = {}
    for part in parts:
        if part == "window":
            options["window"] = True
        elif part.isdigit():
            options["max_tokens"] = int(part)
        else:
            raise EncoderError(
                f"unknown encoder option '{part}' in '{spec}'; options are 'window' and a "
                "token budget, as in 'e5-small:window' or 'e5-small:256'"
            )
    return base, options


def get_encoder(name: str | Encoder | None = None, **options: Any) -> Encoder:
    """Return the (shared, lazily built) encoder called ``name``, or pass an encoder through.

    ``name`` is ``e5-small`` (the default), ``use-m3``, ``lexical``, a registered name or a
    folder path, optionally followed by options: ``e5-small:window`` embeds whole articles
    in windows and averages them, ``e5-small:256`` sets the token budget (default 128).
    The same options can be given as keywords: ``get_encoder("e5-small", window=True)``.
    """
    if name is None:
        name = DEFAULT_ENCODER
    if not isinstance(name, str):
        return name
    base, parsed = parse_encoder_spec(name)
    unknown = set(options) - {"window", "max_tokens", "threads"}
    if unknown:
        raise EncoderError(
            f"get_encoder got unknown option(s) {', '.join(sorted(unknown))}; "
            "it takes window, max_tokens and threads"
        )
    merged = {**parsed, **{k: v for k, v in options.items() if v is not None}}
    key = (base, tuple(sorted(merged.items())))
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        factories = {**_builtin_factories(), **_FACTORIES}
        if base in factories:
            encoder = factories[base](**merged)
        elif Path(base).is_dir():
            from newsdesk.encoders.onnx_dir import OnnxDirEncoder

            encoder = OnnxDirEncoder(Path(base), **merged)
        else:
            raise EncoderError(
                f"unknown encoder '{base}'; use one of {', '.join(available_encoders())} "
                "or the path of a folder with model.onnx and tokenizer.json"
            )
        _CACHE[key] = encoder
        return encoder
