"""The Jinja2 environment of the desk: autoescaping always on, and the filters pages use.

Article titles and texts are user input: they are only ever rendered escaped (no ``|safe``
anywhere), and only ``http``/``https`` URLs become links (:func:`safe_url`). Characters
XML 1.0 forbids are dropped from everything a page or feed writes (:func:`xml_text`): a stored
string from before the edges refused them must not stop a feed reader at that article.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jinja2
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from newsdesk.article import LANG_PATTERN

__all__ = [
    "COMMAND_KEYS",
    "RTL_LANGS",
    "SHORTCUT_KEYS",
    "build_templates",
    "safe_url",
    "section_slug",
    "shortcut_keys",
    "text_dir",
    "xml_lang",
    "xml_text",
]

# Control characters but tab, newline and carriage return; lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LANG = re.compile(LANG_PATTERN)


def xml_text(text: str | None) -> str:
    """``text`` without the characters XML 1.0 forbids (``None`` reads as empty)."""
    return _NOT_XML.sub("", text or "")


def xml_lang(lang: str | None) -> str | None:
    """``lang`` when it is a language tag fit for ``lang=``/``xml:lang``, else ``None``."""
    return lang if lang and _LANG.fullmatch(lang) else None


def _printable(value: Any) -> Any:
    """Every ``{{ value }}`` of a page goes through here (Jinja's ``finalize``)."""
    if isinstance(value, Markup):
        return Markup(xml_text(value))
    return xml_text(value) if isinstance(value, str) else value


RTL_LANGS = frozenset({"ar", "arz", "ary", "fa", "he", "ur", "ps", "ckb", "yi", "dv", "ug"})
# The article page's commands; section keys never take these, whatever the taxonomy's size.
COMMAND_KEYS = {"confirm": "Enter", "save": "s"}
SHORTCUT_KEYS = "".join(
    key for key in "123456789qwertyuiopasdfghjklzxcvbnm" if key not in COMMAND_KEYS.values()
)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL; ``None`` for anything else (javascript:...)."""
    if not url:
        return None
    text = url.strip()
    if any(ord(c) < 32 for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def text_dir(lang: str | None) -> str:
    """``rtl`` for right-to-left languages, else ``auto`` (the browser decides from the text)."""
    return "rtl" if (lang or "").split("-")[0].lower() in RTL_LANGS else "auto"


def section_slug(name: str) -> str:
    """The URL form of a section name: ``Cloak & Dagger`` -> ``cloak-dagger``; Arabic stays."""
    text = unicodedata.normalize("NFKC", name).casefold()
    slug = re.sub(r"[^\w]+", "-", text).strip("-_")
    return slug or "section"


def shortcut_keys(sections: list[str]) -> dict[str, str]:
    """One keyboard key a section, in taxonomy order: 1-9, then q, w, e... (never a command
    key); sections past the 34th have none and are picked with the mouse or Tab."""
    return dict(zip(sections, SHORTCUT_KEYS, strict=False))


def _pct(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def _when(value: datetime | str | None) -> str:
    """A stored time, in UTC (the store's), saying so: editors may sit in any time zone."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    when = value.astimezone(UTC) if value.tzinfo else value
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _width(value: float | None) -> str:
    """A CSS width for a bar: a number we computed, never user text."""
    share = 0.0 if value is None else max(0.0, min(1.0, float(value)))
    return f"width: {100 * share:.1f}%"


def build_templates() -> Jinja2Templates:
    """The desk's templates (package data ``newsdesk/ui/templates``)."""
    folder = resources.files("newsdesk.ui").joinpath("templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,
    )
    filters: dict[str, Any] = {
        "pct": _pct,
        "when": _when,
        "width": _width,
        "safe_url": safe_url,
        "text_dir": text_dir,
        "slug": section_slug,
        "xml_lang": xml_lang,
    }
    env.filters.update(filters)
    env.globals["command_keys"] = COMMAND_KEYS
    return Jinja2Templates(env=env)
