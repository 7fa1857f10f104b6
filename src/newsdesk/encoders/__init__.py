"""Text encoders behind one interface, chosen by name.

``get_encoder()`` gives e5-small, the default; ``get_encoder(NAME)`` takes ``"use-m3"``,
``"lexical"`` (a dependency-free hashing encoder for tests and tiny deployments) or the path of
a local folder holding an ONNX sentence-embedding model with its ``tokenizer.json``.
"""

from __future__ import annotations

from newsdesk.encoders.base import Encoder, Role
from newsdesk.encoders.registry import DEFAULT_ENCODER, get_encoder, register_encoder

__all__ = ["DEFAULT_ENCODER", "Encoder", "Role", "get_encoder", "register_encoder"]
