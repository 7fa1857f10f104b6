"""The two faces of :class:`TaxonomySuggestions`: a taxonomy YAML to edit, an HTML report to read.

The YAML is the user's taxonomy with the suggested keywords and examples added, each marked by
a comment saying it was suggested and how many articles back it; draft sections follow as
comments, so the file validates as written and a draft counts only once the user uncomments
it. The HTML report is one self-contained page (no script, no external resource); every text
from the archive is escaped and carries ``dir="auto"`` so Arabic reads right to left.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from newsdesk.classify.keywords import fold_text, keyword_key
from newsdesk.classify.suggest import (
    ConfusablePair,
    DraftSection,
    Keyword,
    SectionSuggestion,
    TaxonomySuggestions,
)
from newsdesk.taxonomy import Section

__all__ = ["suggestions_html", "suggestions_yaml"]

_MARK = "# suggested"


def _scalar(text: str) -> str:
    """A YAML scalar for any text: a JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(text, ensure_ascii=False)


def suggestions_yaml(found: TaxonomySuggestions) -> str:
    """The suggested taxonomy as commented YAML; ``taxonomy check`` accepts it as written."""
    taxonomy = found.taxonomy
    lines = [
        f"# Suggested by 'newsdesk taxonomy suggest' from {found.articles} unlabeled articles.",
        "# Lines marked 'suggested' were added: keep, edit or delete them. Counts are articles",
        "# the section won with confidence that hold the keyword. Drafts at the end are",
        "# commented out: uncomment one to add that section.",
        f"name: {_scalar(taxonomy.name)}",
    ]
    if taxonomy.description:
        lines.append(f"description: {_scalar(taxonomy.description)}")
    if taxonomy.multi_label:
        lines.append("multi_label: true")
    lines.append("sections:")
    pairs_of = _pairs_by_section(found.pairs)
    for section, suggestion in zip(taxonomy.sections, found.sections, strict=True):
        lines += _section_yaml(section, suggestion, pairs_of.get(section.name, []))
    for draft in found.drafts:
        lines += [f"  # {line}" if line else "  #" for line in _draft_yaml(draft)]
    return "\n".join(lines) + "\n"


def _pairs_by_section(pairs: tuple[ConfusablePair, ...]) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}
    for pair in pairs:
        shared = ", ".join(pair.shared) or "no distinctive words"
        for this, that in ((pair.first, pair.second), (pair.second, pair.first)):
            notes.setdefault(this, []).append(
                f"hard to tell from '{that}': {pair.articles} articles fall between them "
                f"(shared words: {shared})"
            )
    return notes


def _section_yaml(section: Section, found: SectionSuggestion, notes: list[str]) -> list[str]:
    head = f"{found.name}: won {found.won} articles, {found.confident} with confidence"
    lines = ["", f"  # {head}"]
    if found.rare:
        lines.append(
            "  # few articles fall here: check that its description says what the archive calls "
            "it, or remove it"
        )
    lines += [f"  # {note}" for note in notes]
    lines.append(f"  - name: {_scalar(section.name)}")
    if section.description:
        lines.append("    description:")
        lines += [
            f"      {_scalar(lang)}: {_scalar(text)}" for lang, text in section.description.items()
        ]
    known = {keyword_key(fold_text(w)) for words in section.keywords.values() for w in words}
    new = [k for k in found.keywords if keyword_key(fold_text(k.word)) not in known]
    langs = list(section.keywords) + [k.lang for k in new if k.lang not in section.keywords]
    if langs:
        lines.append("    keywords:")
    for lang in dict.fromkeys(langs):
        words = [f"        - {_scalar(w)}" for w in section.keywords.get(lang, ())]
        words += [
            f"        - {_scalar(k.word)}  {_MARK}: in {k.articles} of {found.confident}"
            for k in new
            if k.lang == lang
        ]
        lines += [f"      {_scalar(lang)}:{'' if words else ' []'}", *words]
    examples = [e for e in found.examples if e not in section.examples]
    if section.examples or examples:
        lines.append("    examples:")
        lines += [f"      - {_scalar(e)}" for e in section.examples]
        lines += [f"      - {_scalar(e)}  {_MARK}: a typical headline" for e in examples]
    if section.other:
        lines.append("    other: true")
    if section.form:
        lines.append(f"    form: {section.form}")
    return lines


def _draft_yaml(draft: DraftSection) -> list[str]:
    by_lang: dict[str, list[Keyword]] = {}
    for keyword in draft.keywords:
        by_lang.setdefault(keyword.lang, []).append(keyword)
    lines = [
        "",
        f"DRAFT: {draft.articles} articles fit no section well; they share these words.",
        "Name it, write its description, and uncomment it to add the section.",
        f"- name: {_scalar('draft: ' + draft.name)}",
        "  keywords:",
    ]
    for lang, words in by_lang.items():
        lines.append(f"    {lang}:")
        lines += [
            f"      - {_scalar(k.word)}  # in {k.articles} of {draft.articles}" for k in words
        ]
    lines.append("  examples:")
    lines += [f"    - {_scalar(h)}" for h in draft.headlines]
    return lines


# -- HTML ------------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3em .5em;
text-align:start;vertical-align:top}.n{text-align:end;font-variant-numeric:tabular-nums}
.kw{display:inline-block;background:#eef3fb;border-radius:.3em;padding:0 .35em;margin:.1em}
.warn{color:#a33}ul{margin:.2em 0;padding-inline-start:1.2em}
"""


def _t(text: Any) -> str:
    """Archive text, escaped, its direction taken from its own first strong letter."""
    return f'<span dir="auto">{escape(str(text))}</span>'


def _keywords_html(keywords: tuple[Keyword, ...], total: int) -> str:
    return " ".join(
        f'<span class="kw" dir="auto" title="{escape(k.lang)}">{escape(k.word)} '
        f"<small>{k.articles}/{total}</small></span>"
        for k in keywords
    )


def suggestions_html(found: TaxonomySuggestions) -> str:
    """A self-contained HTML page with every suggestion and its counts."""
    name = escape(found.taxonomy.name)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Suggestions for {name}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Suggestions for taxonomy {_t(found.taxonomy.name)}</h1>",
        f"<p>From {found.articles} unlabeled articles filed zero-shot with the taxonomy. "
        "Keyword counts: confidently filed articles of the section that hold the word.</p>",
        "<h2>Sections</h2>",
        "<table><tr><th>section</th><th class=n>won</th><th class=n>confident</th>"
        "<th>suggested keywords</th><th>typical headlines</th></tr>",
    ]
    for s in found.sections:
        warn = ' <span class="warn">(few articles)</span>' if s.rare else ""
        headlines = "".join(f"<li>{_t(h)}</li>" for h in s.examples)
        parts.append(
            f"<tr><td>{_t(s.name)}{warn}</td><td class=n>{s.won}</td>"
            f"<td class=n>{s.confident}</td><td>{_keywords_html(s.keywords, s.confident)}</td>"
            f"<td><ul>{headlines}</ul></td></tr>"
        )
    parts.append("</table>")
    rare = [s for s in found.sections if s.rare]
    parts.append("<h2>Sections almost no article falls into</h2>")
    parts.append(
        "<ul>" + "".join(f"<li>{_t(s.name)}: {s.won} articles</li>" for s in rare) + "</ul>"
        if rare
        else "<p>None.</p>"
    )
    parts.append("<h2>Sections the archive cannot tell apart</h2>")
    if found.pairs:
        parts.append(
            "<table><tr><th>sections</th><th class=n>articles between them</th>"
            "<th>shared words</th></tr>"
        )
        for p in found.pairs:
            shared = " ".join(f'<span class="kw" dir="auto">{escape(w)}</span>' for w in p.shared)
            parts.append(
                f"<tr><td>{_t(p.first)} / {_t(p.second)}</td><td class=n>{p.articles}</td>"
                f"<td>{shared}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>Groups of articles that fit no section (draft sections)</h2>")
    if not found.drafts:
        parts.append("<p>None.</p>")
    for d in found.drafts:
        headlines = "".join(f"<li>{_t(h)}</li>" for h in d.headlines)
        parts.append(
            f"<h3>{_t(d.name)} ({d.articles} articles)</h3>"
            f"<p>{_keywords_html(d.keywords, d.articles)}</p><ul>{headlines}</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
