"""Taxonomies: an outlet's sections, loaded and validated from YAML.

A taxonomy file looks like::

    name: my-outlet
    multi_label: false          # optional
    sections:
      - name: Sports
        description: {en: "...", ar: "..."}
        keywords: {en: [...], ar: [...]}
        examples: ["short example text", ...]
      - name: Other
        other: true             # the catch-all that low-confidence articles fall back to
      - name: Analysis
        form: opinion           # a form, not a topic: opinion/explainer pieces (or: flash)

A ``description`` may also be a plain string (Arabic when written mostly in Arabic script,
else English); :func:`language_warnings` points out one whose script does not fit its key. Every section but the catch-all needs a non-empty description, keywords or
examples to be recognisable zero-shot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from newsdesk.characters import control_character, unusable_character
from newsdesk.errors import TaxonomyError

__all__ = [
    "DEFAULT_TAXONOMY",
    "Section",
    "Taxonomy",
    "check_taxonomy",
    "language_warnings",
    "load_taxonomy",
]

DEFAULT_TAXONOMY = "default"
_TOP_KEYS = {"name", "description", "multi_label", "sections"}
# a taxonomy's name is part of every model version (a 255-character column, beside the
# encoder's fingerprint of about 100), a section's is stored with every call
MAX_NAME = 100
_SECTION_KEYS = {"name", "description", "keywords", "examples", "other", "form"}
# Sections that are a way of writing rather than a topic; the zero-shot head reads form cues.
SECTION_FORMS = ("opinion", "flash")


@dataclass(frozen=True)
class Section:
    """One section: its name and what the zero-shot classifier knows of it."""

    name: str
    description: Mapping[str, str] = field(default_factory=dict)
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    other: bool = False
    form: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The section as it would be written in YAML."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = dict(self.description)
        if self.keywords:
            out["keywords"] = {lang: list(words) for lang, words in self.keywords.items()}
        if self.examples:
            out["examples"] = list(self.examples)
        if self.other:
            out["other"] = True
        if self.form:
            out["form"] = self.form
        return out


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of sections with at most one catch-all."""

    name: str
    sections: tuple[Section, ...]
    description: str = ""
    multi_label: bool = False

    def __post_init__(self) -> None:
        _validate(self, source=f"taxonomy '{self.name}'")

    @property
    def names(self) -> list[str]:
        """Section names in taxonomy order (the column order of every score table)."""
        return [s.name for s in self.sections]

    @property
    def other(self) -> Section | None:
        """The catch-all section, if the taxonomy has one."""
        return next((s for s in self.sections if s.other), None)

    def __getitem__(self, name: str) -> Section:
        for section in self.sections:
            if section.name == name:
                return section
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(s.name == name for s in self.sections)

    def __len__(self) -> int:
        return len(self.sections)

    def to_dict(self) -> dict[str, Any]:
        """The taxonomy as it would be written in YAML (and stored in a saved model)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.multi_label:
            out["multi_label"] = True
        out["sections"] = [s.to_dict() for s in self.sections]
        return out

    def to_yaml(self) -> str:
        """The taxonomy as YAML text."""
        import yaml

        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>") -> Taxonomy:
        """Build and validate a taxonomy from parsed YAML/JSON."""
        return _build(data, source)

    @classmethod
    def from_labels(cls, labels: Iterable[str], *, name: str = "from-labels") -> Taxonomy:
        """A taxonomy whose sections are ``labels``, each described by its own name."""
        unique = sorted({str(label).strip() for label in labels if str(label).strip()})
        if not unique:
            raise TaxonomyError("cannot build a taxonomy from labels: no labels were given")
        sections = tuple(
            Section(name=label, description={"en": label.replace("_", " ")}) for label in unique
        )
        return cls(name=name, sections=sections)

    @classmethod
    def default(cls) -> Taxonomy:
        """The twelve sections newsdesk ships with."""
        return load_taxonomy(DEFAULT_TAXONOMY)


def load_taxonomy(source: str | Path | Taxonomy | None = None) -> Taxonomy:
    """Load a taxonomy from a YAML file path, a bundled name (``default``), or pass one through.

    A file with several problems raises on the first and says how many more there are;
    :func:`check_taxonomy` lists them all.
    """
    if isinstance(source, Taxonomy):
        return source
    return _build(*_read(DEFAULT_TAXONOMY if source is None else source))


def _build(data: Any, source: str) -> Taxonomy:
    """The taxonomy in parsed YAML; raises on the first problem, counting the others."""
    problems: list[str] = []
    taxonomy = _parse(data, source, problems)
    if problems or taxonomy is None:
        more = len(problems) - 1
        hint = f" (and {more} more; `newsdesk taxonomy check` lists them all)" if more else ""
        raise TaxonomyError(problems[0] + hint)
    return taxonomy


def check_taxonomy(source: str | Path) -> list[str]:
    """Every problem of a taxonomy file, each naming the file, the section and the fix.

    An empty list means the file loads. A file that cannot be read or parsed as YAML has that
    one problem: nothing past it can be checked.
    """
    try:
        data, label = _read(source)
    except TaxonomyError as exc:
        return [str(exc)]
    problems: list[str] = []
    _parse(data, label, problems)
    return problems


def language_warnings(taxonomy: Taxonomy, source: str) -> list[str]:
    """Descriptions whose script does not fit their language key, each naming ``source``, the
    section and the key: one for ``en`` written mostly in Arabic script, one for ``ar`` with no
    Arabic script at all. They load (the key may be meant), but label prompts wrap a
    description in its key's language templates, so a misfiled one reads wrong."""
    warnings: list[str] = []
    for section in taxonomy.sections:
        for lang, text in section.description.items():
            if lang == "en" and _script_language(text) == "ar":
                found, fix = "is written in Arabic script", "move it under 'ar'"
            elif lang == "ar" and not any("\u0600" <= char <= "\u06ff" for char in text):
                found, fix = "has no Arabic script", "write it in Arabic, or move it under 'en'"
            else:
                continue
            warnings.append(
                f"{source}: section '{section.name}': the description for '{lang}' {found}; {fix}"
            )
    return warnings


def _read(source: str | Path) -> tuple[Any, str]:
    """The parsed YAML of a file or bundled taxonomy, and the label its problems start with."""
    import yaml

    path = Path(source)
    if not path.exists() and isinstance(source, str) and "/" not in source:
        bundled = resources.files("newsdesk.taxonomies").joinpath(f"{source}.yaml")
        if not bundled.is_file():
            raise TaxonomyError(
                f"taxonomy '{source}' is neither a file nor a bundled taxonomy; "
                f"give the path to a YAML file or one of: {', '.join(bundled_taxonomies())}"
            )
        text = bundled.read_text(encoding="utf-8")
        label = f"bundled taxonomy '{source}'"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TaxonomyError(f"{path}: taxonomy file not found") from None
        except UnicodeDecodeError as exc:
            raise TaxonomyError(
                f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
            ) from None
        label = str(path)
    try:
        return yaml.safe_load(text), label
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, raw in the file
        raise TaxonomyError(_unreadable_character(label, text, exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise TaxonomyError(f"{label}:{where} invalid YAML: {problem}") from None


def _unreadable_character(label: str, text: str, exc: Any) -> str:
    """Where in ``text`` the character a YAML reader refused is, and which it is."""
    at = exc.position
    line = text.count("\n", 0, at) + 1
    column = at - text.rfind("\n", 0, at)
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    escaped = char.encode("unicode_escape").decode()
    kind = "a character"
    if char == "\x00":
        kind = "a NUL character"
    elif control_character(char) is not None:
        kind = "a control character"
    return (
        f"{label}: line {line}, column {column}: {kind} ({escaped}), which YAML does not "
        "allow; remove it"
    )


def bundled_taxonomies() -> list[str]:
    """Names of the taxonomies shipped inside the package."""
    folder = resources.files("newsdesk.taxonomies")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _script_language(text: str) -> str:
    """``ar`` for a line written mostly in Arabic script, else ``en``: the language a plain
    description is taken to be in (label prompts wrap it in that language's templates)."""
    arabic = sum("\u0600" <= char <= "\u06ff" for char in text)
    latin = sum(char.isascii() and char.isalpha() for char in text)
    return "ar" if arabic > latin else "en"


def _unfit(value: str, *, name: bool) -> str | None:
    """What in ``value`` cannot be stored, shown or encoded (``None``: nothing): a NUL, a lone
    surrogate, a control character, or for a name more than :data:`MAX_NAME` characters."""
    problem = unusable_character(value)
    if problem is not None:
        return f"holds {problem}"
    control = control_character(value, lines=not name)  # a text may break its lines
    if control is not None:
        return f"holds {control}; remove it"
    if name and len(value.strip()) > MAX_NAME:
        return (
            f"is {len(value.strip())} characters long; keep it to {MAX_NAME} (it is stored with "
            "every call)"
        )
    return None


def _texts_problems(where: str, texts: Iterable[tuple[str, Any]], problems: list[str]) -> None:
    """A problem for each (label, text) whose text :func:`_unfit` refuses."""
    for label, text in texts:
        why = _unfit(text, name=False) if isinstance(text, str) else None
        if why is not None:
            problems.append(f"{where}: {label} {why}")


def _parse(data: Any, source: str, problems: list[str]) -> Taxonomy | None:
    """The taxonomy in ``data``, or None when ``problems`` gained any: every one is collected."""
    found = len(problems)
    if not isinstance(data, dict):
        problems.append(
            f"{source}: expected a mapping with 'name' and 'sections', got {type(data).__name__}"
        )
        return None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        problems.append(
            f"{source}: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
            f"allowed keys are: {', '.join(sorted(_TOP_KEYS))}"
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{source}: missing 'name'; add a line such as 'name: my-outlet'")
    elif (why := _unfit(name, name=True)) is not None:
        problems.append(f"{source}: the name {why}")
        name = None
    description = data.get("description")
    if isinstance(description, str):
        _texts_problems(source, [("the description", description)], problems)
    raw_sections = data.get("sections")
    if not raw_sections:
        problems.append(f"{source}: no sections; add a 'sections:' list with at least two sections")
        return None
    if not isinstance(raw_sections, list):
        problems.append(f"{source}: 'sections' must be a list of sections")
        return None
    parsed = [_parse_section(raw, i, source, problems) for i, raw in enumerate(raw_sections, 1)]
    sections = tuple(s for s in parsed if s is not None)
    problems.extend(_problems_of(sections, source=source, count=len(raw_sections)))
    if len(problems) > found or not isinstance(name, str):
        return None
    taxonomy = Taxonomy.__new__(Taxonomy)
    object.__setattr__(taxonomy, "name", name.strip())
    object.__setattr__(taxonomy, "sections", sections)
    object.__setattr__(taxonomy, "description", str(data.get("description") or ""))
    object.__setattr__(taxonomy, "multi_label", bool(data.get("multi_label", False)))
    return taxonomy


def _parse_section(raw: Any, index: int, source: str, problems: list[str]) -> Section | None:
    """The section in ``raw``, adding every problem it has to ``problems``.

    A named section with problems still comes back, its faulty fields left empty, so that the
    checks across sections (duplicate names, two catch-alls) run too; without a name, None.
    """
    found = len(problems)
    where = f"{source}: section {index}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping with at least 'name', got {raw!r}")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: missing 'name'; every section needs a name")
        name = None
    elif (why := _unfit(name, name=True)) is not None:
        problems.append(f"{where}: the name {why}")
        name = None
    else:
        where = f"{source}: section '{name}'"
    unknown = sorted(set(raw) - _SECTION_KEYS)
    if unknown:
        problems.append(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"allowed keys are: {', '.join(sorted(_SECTION_KEYS))}"
        )
    description = raw.get("description") or {}
    if isinstance(description, str):
        description = {_script_language(description): description}
    if not isinstance(description, dict):
        problems.append(f"{where}: 'description' must be text or a mapping of language: text")
        description = {}
    for lang, text in description.items():
        if not isinstance(text, str) or not text.strip():
            problems.append(
                f"{where}: description for '{lang}' is empty; write a sentence saying what "
                "the section holds, or remove that language"
            )
    keywords = raw.get("keywords") or {}
    if isinstance(keywords, list):
        keywords = {"en": keywords}
    if not isinstance(keywords, dict) or not all(
        isinstance(words, list) and all(isinstance(w, str) for w in words)
        for words in keywords.values()
    ):
        problems.append(f"{where}: 'keywords' must map a language to a list of words")
    examples = raw.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        problems.append(f"{where}: 'examples' must be a list of texts")
    _texts_problems(
        where,
        [
            *((f"the description for '{lang}'", text) for lang, text in description.items()),
            *((f"a language key ({i})", lang) for i, lang in enumerate(description, 1)),
            *(
                ("a keyword", w)
                for words in (keywords.values() if isinstance(keywords, dict) else ())
                if isinstance(words, list)
                for w in words
            ),
            *(
                (f"example {i}", e)
                for i, e in enumerate(examples if isinstance(examples, list) else (), 1)
            ),
        ],
        problems,
    )
    other = raw.get("other", False)
    if not isinstance(other, bool):
        problems.append(f"{where}: 'other' must be true or false, got {other!r}")
    form = raw.get("form")
    if form is not None and form not in SECTION_FORMS:
        problems.append(
            f"{where}: unknown form {form!r}; use one of: {', '.join(SECTION_FORMS)}, "
            "or leave 'form' out for a topic section"
        )
    if name is None:
        return None
    section = Section(
        name=name.strip(),
        description={str(k): v.strip() for k, v in description.items() if isinstance(v, str)},
        keywords=(
            {str(k): tuple(w.strip() for w in v if w.strip()) for k, v in keywords.items()}
            if len(problems) == found
            else {}
        ),
        examples=tuple(e.strip() for e in examples if e.strip()) if len(problems) == found else (),
        other=other is True,
        form=form if form in SECTION_FORMS else None,
    )
    # A misspelt key is most likely the description itself, and a malformed field was given:
    # their own problems say so already.
    given = any(raw.get(key) for key in ("description", "keywords", "examples", "other"))
    if not unknown and not given:
        problems.append(_blank(section.name, source))
    return section


def _blank(name: str, source: str) -> str:
    """The problem of a section that zero-shot filing has nothing to recognise by."""
    return (
        f"{source}: section '{name}' has no description, keywords or examples; "
        "add a 'description' so it can be recognised"
    )


def _problems_of(sections: tuple[Section, ...], *, source: str, count: int) -> list[str]:
    """What is wrong with these sections together; ``count`` includes the unnamed ones."""
    problems: list[str] = []
    seen: set[str] = set()
    for section in sections:
        key = section.name.casefold()
        if key in seen:
            problems.append(
                f"{source}: section '{section.name}' appears twice; section names must be unique"
            )
        seen.add(key)
    others = [s.name for s in sections if s.other]
    if len(others) > 1:
        problems.append(
            f"{source}: sections {', '.join(repr(n) for n in others)} are all marked 'other: true'; "
            "only one section can be the catch-all"
        )
    if count < 2 or count - len(others) < 1:
        problems.append(f"{source}: a taxonomy needs at least two sections")
    return problems


def _validate(taxonomy: Taxonomy, *, source: str) -> None:
    if not taxonomy.sections:
        raise TaxonomyError(f"{source}: no sections; a taxonomy needs at least two sections")
    problems = [
        _blank(s.name, source)
        for s in taxonomy.sections
        if not (s.other or s.description or s.keywords or s.examples)
    ]
    problems += _problems_of(taxonomy.sections, source=source, count=len(taxonomy.sections))
    names = [("the name", taxonomy.name)]
    names += [(f"section {i}: the name", s.name) for i, s in enumerate(taxonomy.sections, 1)]
    problems += [
        f"{source}: {label} {why}" for label, name in names if (why := _unfit(name, name=True))
    ]
    if problems:
        raise TaxonomyError(problems[0])
