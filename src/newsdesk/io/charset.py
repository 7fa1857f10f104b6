"""Web pages' bytes to text, in the character encoding the page is written in.

The encoding is taken, in this order, from a byte-order mark, the HTTP ``Content-Type``
header, the page's own ``<meta charset>`` or ``<meta http-equiv="Content-Type">``, and else
guessed from the bytes (valid UTF-8 is UTF-8; otherwise charset-normalizer decides). A declared
encoding that is unknown or that the bytes do not follow is passed over for the next source, so
a page mislabelled UTF-8 is still read. Labels are read as browsers read them: ``iso-8859-1``,
``latin1`` and ``us-ascii`` mean windows-1252, whose printable characters in 0x80-0x9F (curly
quotes, the euro sign) pages labelled Latin-1 use all the time.
"""

from __future__ import annotations

import codecs
import re

__all__ = ["declared_charset", "decode_html"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# both <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_WINDOWS_1252 = frozenset(
    {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819",
     "us-ascii", "ascii", "ansi_x3.4-1968", "windows-1252", "cp1252", "x-cp1252"}
)  # fmt: skip
_GUESSES = (
    "cp1252", "iso8859_15", "cp1256", "iso8859_6", "cp1250", "cp1251", "koi8_r", "cp1253",
    "cp1254", "cp1255", "iso8859_8", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr",
)  # fmt: skip
_REFUSED = frozenset({"utf-7", "undefined"})
_PRESCAN_BYTES = 4096  # where a page's <meta charset> must be, a little past browsers' 1024


def declared_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header value, if any."""
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def decode_html(content: bytes, content_type: str = "") -> str:
    """``content`` decoded as the module docstring says; never raises."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    meta = _META_CHARSET.search(content[:_PRESCAN_BYTES])
    declared = (
        (declared_charset(content_type), False),
        (meta.group(1).decode("ascii") if meta else None, True),
    )
    for label, from_meta in declared:
        codec = _codec(label, from_meta=from_meta)
        if codec is not None:
            try:
                return content.decode(codec)
            except (UnicodeError, LookupError):
                continue  # mislabelled: the next source may know better
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return content.decode(_detected(content) or "utf-8", errors="replace")


def _codec(label: str | None, *, from_meta: bool) -> str | None:
    """Python's codec for a charset label, or ``None`` when there is no usable one."""
    if not label:
        return None
    name = label.strip().lower()
    if name in _WINDOWS_1252:
        return "cp1252"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # hex, rot13, base64 and zlib are codecs too, but not character encodings; UTF-7 is one
    # that browsers refuse, as it lets "+ADw-" hide a "<" from filters; "undefined" always raises
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    codec = info.name
    if from_meta and codec.startswith("utf-16"):
        return "utf-8"  # a <meta> that could be read as ASCII cannot be UTF-16 (as browsers say)
    return codec


def _detected(content: bytes) -> str | None:
    """charset-normalizer's guess among the legacy encodings news sites are written in.

    Left to choose among every code page, it can prefer a rare one (Baltic for a French page)
    that scores a little better on a short text; the candidates are therefore the encodings
    browsers meet on news pages in the languages they serve.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(content, cp_isolation=list(_GUESSES)).best()
    return best.encoding if best is not None else None
