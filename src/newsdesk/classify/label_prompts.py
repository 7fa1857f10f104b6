"""Label prompts: the texts a section is also known by when its taxonomy says little.

A newsroom's first taxonomy is a section name and one short line. One short text is a poor
target: the encoder places "Sport." wherever short generic texts go, not where sports news
goes. Embedding the same label several ways (the name alone, the line alone, each wrapped in a
news-like sentence in the line's language) and averaging over them is prompt ensembling: what
the variants share is the topic, what they do not share (length, wording) averages out.

Templates are generic (no topic words), one set per language; a language without templates
uses the English ones, which e5 matches across languages.
"""

from __future__ import annotations

import re

from newsdesk.taxonomy import Section

__all__ = ["TEMPLATES", "label_prompts", "readable_name"]

# "{}" is the name or the description line, lower-cased where the script has case
TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": ("News about {}.", "This article is about {}."),
    "ar": ("أخبار {}", "مقال عن {}"),
    "fr": ("Actualités : {}.", "Cet article parle de {}."),
}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# a description longer than this is a definition already, not a label to wrap
_MAX_WORDS = 8


def readable_name(name: str) -> str:
    """A section name as words: ``middleEast`` -> ``middle East``, ``ARTS & CULTURE`` ->
    ``arts & culture``, ``science/technology`` -> ``science and technology``."""
    words = _CAMEL.sub(" ", name).replace("_", " ")
    words = re.sub(r"\s*/\s*", " and ", words)
    return " ".join((words.lower() if words.isupper() else words).split())


def _language(text: str) -> str:
    return "ar" if _ARABIC.search(text) else "en"


def _wrapped(text: str, lang: str) -> list[str]:
    phrase = text.strip().rstrip(".。!").strip()
    if not phrase:
        return []
    if phrase[:1].isupper() and not phrase[:2].isupper():
        phrase = phrase[0].lower() + phrase[1:]
    return [template.format(phrase) for template in TEMPLATES.get(lang, TEMPLATES["en"])]


def label_prompts(section: Section) -> list[str]:
    """The name and every short description line, each alone and wrapped in the templates
    of its language; long descriptions are left to the description sentences."""
    name = readable_name(section.name)
    prompts = [name, *_wrapped(name, _language(name))]
    for lang, line in section.description.items():
        if len(line.split()) <= _MAX_WORDS:
            prompts += _wrapped(line, lang if lang in TEMPLATES else _language(line))
    return list(dict.fromkeys(p for p in prompts if p))
