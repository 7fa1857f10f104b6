"""Article extraction from web pages: title, body text, date and language (trafilatura).

Needs the ``ingest`` extra. Bytes are decoded in the page's own encoding (see
:mod:`newsdesk.io.charset`). The language is the page's declared ``<html lang>`` unless the
extracted text is plainly written in Arabic script, which wins over a wrong declaration.
"""

from __future__ import annotations

import re

from newsdesk.article import Article
from newsdesk.errors import ArticleError, require
from newsdesk.io.charset import decode_html

__all__ = ["extract_article", "script_language"]

_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")


def script_language(text: str, declared: str | None = None) -> str | None:
    """``"ar"`` when most letters are Arabic script, else ``declared`` (lower-cased)."""
    sample = text[:4000]
    letters = len(_LETTER.findall(sample))
    if letters and len(_ARABIC.findall(sample)) / letters > 0.5:
        return "ar"
    return declared.lower() if declared else None


def extract_article(
    html: str | bytes,
    *,
    url: str | None = None,
    id: str | None = None,
    source: str | None = None,
    min_words: int = 15,
    content_type: str = "",
) -> Article:
    """The article in ``html``; raise :class:`ArticleError` when the page holds none.

    A body of fewer than ``min_words`` words is not an article (a login form, a menu).
    ``id`` defaults to ``url``; ``source`` to the site name the page declares.
    ``content_type`` is the HTTP header the page came with, for its charset.
    """
    require("trafilatura", feature="extracting articles from web pages", extra="ingest")
    import trafilatura

    if isinstance(html, bytes):
        html = decode_html(html, content_type)
    where = url or "page"
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:  # trafilatura raises assorted parser errors on broken markup
        raise ArticleError(
            f"{where}: cannot parse the HTML ({type(exc).__name__}: {exc})"
        ) from None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if len(text.split()) < min_words:
        raise ArticleError(
            f"{where}: no article text found in the page"
            + (f" (only {len(text.split())} words)" if text else "")
        )
    title = (getattr(doc, "title", None) or "").strip()
    first, _, rest = text.partition("\n")
    if title and rest.strip() and " ".join(first.split()) == " ".join(title.split()):
        text = rest.strip()  # the headline repeated as the body's first line
    declared = _HTML_LANG.search(html[:5000])
    lang = script_language(f"{title}\n{text}", declared.group(1) if declared else None)
    return Article(
        text=text,
        title=title,
        id=id or url,
        lang=lang,
        url=url,
        published=getattr(doc, "date", None) or None,
        source=source or getattr(doc, "sitename", None) or getattr(doc, "hostname", None),
    )
