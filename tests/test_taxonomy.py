from __future__ import annotations

import re
from pathlib import Path

import pytest

from newsdesk.errors import TaxonomyError
from newsdesk.taxonomy import Section, Taxonomy, check_taxonomy, language_warnings, load_taxonomy


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tax.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_taxonomy_has_the_twelve_sections() -> None:
    tax = Taxonomy.default()
    assert tax.names == [
        "Art", "Causes", "Analysis", "Cloak & Dagger", "Economy - Finance", "Health",
        "Literature", "Music", "أخرى", "News & Politics", "Real Time Facts", "Sports",
    ]  # fmt: skip
    assert tax.other is not None and tax.other.name == "أخرى"
    for section in tax.sections:
        assert section.description.get("en") and section.description.get("ar"), section.name


def test_round_trip_through_yaml(tmp_path: Path) -> None:
    tax = Taxonomy.default()
    again = load_taxonomy(write(tmp_path, tax.to_yaml()))
    assert again == tax


def test_plain_string_description_is_english(tmp_path: Path) -> None:
    tax = load_taxonomy(
        write(
            tmp_path,
            "name: t\nsections:\n  - name: A\n    description: alpha\n"
            "  - name: B\n    keywords: [b1, b2]\n",
        )
    )
    assert tax["A"].description == {"en": "alpha"}
    assert tax["B"].keywords == {"en": ("b1", "b2")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: t\nsections: []\n", r"tax\.yaml: no sections"),
        ("name: t\n", r"tax\.yaml: no sections"),
        (
            "name: t\nsections:\n  - name: A\n    description: a\n  - name: a\n    description: b\n",
            r"section 'a' appears twice",
        ),
        (
            "name: t\nsections:\n  - {name: A, other: true}\n  - {name: B, other: true}\n",
            r"'A', 'B' are all marked 'other: true'; only one section can be the catch-all",
        ),
        (
            "name: t\nsections:\n  - name: A\n    descripton: a\n  - name: B\n    description: b\n",
            r"section 'A': unknown key\(s\) 'descripton'; allowed keys are",
        ),
        (
            "name: t\nsections:\n  - name: A\n    description: {en: ''}\n"
            "  - name: B\n    description: b\n",
            r"section 'A': description for 'en' is empty",
        ),
        (
            "name: t\nsections:\n  - name: A\n  - name: B\n    description: b\n",
            r"section 'A' has no description, keywords or examples",
        ),
        ("name: t\nsections:\n  - name: [A\n", r"tax\.yaml: line \d+, column \d+: invalid YAML"),
        ("name: t\ncolour: red\nsections: []\n", r"unknown top-level key\(s\) 'colour'"),
        ("sections:\n  - name: A\n", r"missing 'name'"),
        (
            "name: " + "ص" * 101 + "\nsections:\n  - {name: A, description: a}\n"
            "  - {name: B, description: b}\n",
            r"the name is 101 characters long; keep it to 100",
        ),
        (
            "name: t\nsections:\n  - {name: " + "A" * 101 + ", description: a}\n"
            "  - {name: B, description: b}\n",
            r"section 1: the name is 101 characters long; keep it to 100",
        ),
        # hostile strings, as YAML's escapes write them: refused with where they are
        (
            'name: "t\\0"\nsections:\n  - {name: A, description: a}\n'
            "  - {name: B, description: b}\n",
            r"the name holds a NUL character",
        ),
        (
            'name: t\nsections:\n  - {name: "A\\ud800", description: a}\n'
            "  - {name: B, description: b}\n",
            r"section 1: the name holds a lone surrogate",
        ),
        (
            'name: t\nsections:\n  - {name: "A\\x1b[31m", description: a}\n'
            "  - {name: B, description: b}\n",
            r"section 1: the name holds a control character \(\\x1b\)",
        ),
        (
            'name: t\nsections:\n  - name: A\n    description: {ar: "رياضة\\ud800"}\n'
            "  - {name: B, description: b}\n",
            r"section 'A': the description for 'ar' holds a lone surrogate",
        ),
        (
            'name: t\nsections:\n  - name: A\n    keywords: {en: [ok, "b\\0ad"]}\n'
            "  - {name: B, description: b}\n",
            r"section 'A': a keyword holds a NUL character",
        ),
        (
            'name: t\nsections:\n  - name: A\n    examples: ["fine", "\\x07bell"]\n'
            "  - {name: B, description: b}\n",
            r"section 'A': example 2 holds a control character",
        ),
    ],
)
def test_invalid_taxonomies_name_file_section_and_fix(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(write(tmp_path, text))


def test_missing_file_and_unknown_bundled_name(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="taxonomy file not found"):
        load_taxonomy(tmp_path / "nope.yaml")
    with pytest.raises(TaxonomyError, match="neither a file nor a bundled taxonomy"):
        load_taxonomy("nope")


def test_taxonomy_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        Taxonomy(name="t", sections=(Section(name="A", description={"en": "a"}),))


def test_from_labels_builds_sorted_sections() -> None:
    tax = Taxonomy.from_labels(["sport", "business", "sport", "tech"])
    assert tax.names == ["business", "sport", "tech"]
    assert tax.other is None


def test_check_taxonomy_lists_every_problem_of_a_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: t\ncolour: red\nsections:\n"
        "  - name: A\n    descripton: a\n"
        "  - name: B\n    form: essay\n"
        "  - name: C\n"
        "  - name: a\n    description: again\n",
    )
    problems = check_taxonomy(path)
    expected = [
        r"unknown top-level key\(s\) 'colour'",
        r"section 'A': unknown key\(s\) 'descripton'",
        r"section 'B': unknown form 'essay'",
        r"section 'B' has no description, keywords or examples",
        r"section 'C' has no description, keywords or examples",
        r"section 'a' appears twice",
    ]
    assert len(problems) == len(expected)
    for pattern, problem in zip(expected, problems, strict=True):
        assert re.search(pattern, problem), (pattern, problem)
        assert problem.startswith(str(path))
    with pytest.raises(TaxonomyError, match=r"'colour'.* \(and 5 more; `newsdesk taxonomy check`"):
        load_taxonomy(path)


def test_check_taxonomy_of_a_valid_or_unreadable_file(tmp_path: Path) -> None:
    assert check_taxonomy(write(tmp_path, Taxonomy.default().to_yaml())) == []
    assert check_taxonomy(write(tmp_path, "name: [t\n")) == [
        f"{tmp_path / 'tax.yaml'}: line 2, column 1: invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        (
            'name: t\nsections:\n  - {name: sport, description: "Matches.\x00"}\n',
            "line 3, column 41",
            "a NUL character (\\x00)",
        ),
        (
            "name: t\nsections:\n  - name: رياضة\n    description: {ar: مباريات\x00}\n",
            "line 4, column 30",
            "a NUL character (\\x00)",
        ),
        ("name: t\x1b[31m\nsections: []\n", "line 1, column 8", "a control character (\\x1b)"),
    ],
)
def test_a_raw_character_yaml_refuses_is_named_with_its_line_and_column(
    tmp_path: Path, text: str, where: str, what: str
) -> None:
    path = write(tmp_path, text)
    message = f"{path}: {where}: {what}, which YAML does not allow; remove it"
    assert check_taxonomy(path) == [message]  # one line, one colon after the file's name
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(caught.value) == message


def test_language_warnings_name_a_description_whose_script_does_not_fit_its_key(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "name: t\nsections:\n"
        '  - {name: sport, description: {en: "كرة القدم (FIFA)", ar: "رياضة"}}\n'
        '  - {name: اقتصاد, description: {en: "Markets.", ar: "IMF, markets."}}\n'
        '  - {name: culture, description: {en: "Books: الكتب and the arts.", ar: "فنون (UNESCO)"}}\n'
        '  - {name: plain, description: "ثقافة وفنون"}\n',  # a plain line: its script's key
    )
    assert check_taxonomy(path) == []  # warnings do not stop a taxonomy loading
    assert language_warnings(load_taxonomy(path), str(path)) == [
        f"{path}: section 'sport': the description for 'en' is written in Arabic script; "
        "move it under 'ar'",
        f"{path}: section 'اقتصاد': the description for 'ar' has no Arabic script; "
        "write it in Arabic, or move it under 'en'",
    ]
    assert language_warnings(Taxonomy.default(), "default") == []


def test_line_breaks_and_tabs_in_a_description_are_text(tmp_path: Path) -> None:
    tax = load_taxonomy(
        write(
            tmp_path,
            'name: t\nsections:\n  - name: A\n    description: {en: "one\\tline\\nand another"}\n'
            "  - {name: B, description: b}\n",
        )
    )
    assert tax["A"].description == {"en": "one\tline\nand another"}


def test_labels_that_cannot_be_stored_are_no_sections() -> None:
    with pytest.raises(TaxonomyError, match=r"section 1: the name holds a NUL character"):
        Taxonomy.from_labels(["sport", "busi\x00ness"])
    with pytest.raises(TaxonomyError, match=r"section 2: the name is 101 characters long"):
        Taxonomy.from_labels(["x" * 101, "sport"])
    assert Taxonomy.from_labels(["رياضة", "sport"]).names == ["sport", "رياضة"]


def test_a_plain_description_in_arabic_script_is_arabic(tmp_path: Path) -> None:
    tax = load_taxonomy(
        write(
            tmp_path,
            'name: t\nsections:\n  - {name: economy, description: "اقتصاد ومال (IMF)"}\n'
            '  - {name: sport, description: "Football and the عربي league"}\n',
        )
    )
    assert tax["economy"].description == {"ar": "اقتصاد ومال (IMF)"}
    assert tax["sport"].description == {"en": "Football and the عربي league"}
