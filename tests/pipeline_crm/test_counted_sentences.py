"""A count inside a translated sentence is grouped like every other number of the page
(sv: "14 147 affärer"): `blocktranslate count` picks the plural form by the bare number, so
the sentence prints the number grouped by `|count` under another name; a sentence made in
Python (`ngettext`) prints it through `grouped_count`."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

from pipeline_crm.numbers import grouped_count

TEMPLATES = Path(settings.BASE_DIR) / "templates"
TAG = re.compile(
    r"{%\s*blocktrans(?:late)?\s+(?P<args>[^%]*(?<![|\w])count\s[^%]*)%}(?P<body>.*?)"
    r"{%\s*endblocktrans",
    re.S,
)
COUNTER = re.compile(r"(?<![|\w])count\s+(?P<name>\w+)=")  # the tag's `count`, not the filter


def counted_sentences():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in TAG.finditer(path.read_text()):
            name = COUNTER.search(tag["args"])["name"]
            yield path.relative_to(TEMPLATES), name, tag["body"]


def test_templates_have_counted_sentences():
    assert len(list(counted_sentences())) >= 20


@pytest.mark.parametrize(("path", "name", "body"), list(counted_sentences()))
def test_no_sentence_prints_its_bare_counter(path, name, body):
    assert not re.search(r"{{\s*" + name + r"\s*}}", body), (
        f"{path}: print the count with |count under another name, "
        f"as in `count counter=n with deals=n|count`"
    )


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [("sv", 1, "1 affär"), ("sv", 14147, "14\xa0147 affärer"), ("en", 14147, "14,147 deals")],
)
def test_a_counted_sentence_groups_its_count_and_picks_the_plural_by_it(language, n, expected):
    template = engines["django"].from_string(
        "{% load i18n crm %}{% blocktranslate count counter=n with deals=n|count "
        "amount=amount %}{{ deals }} deal, {{ amount }}{% plural %}{{ deals }} deals, "
        "{{ amount }}{% endblocktranslate %}"
    )
    with translation.override(language):
        assert template.render({"n": n, "amount": "x"}) == f"{expected}, x"


@pytest.mark.parametrize("path", sorted({path for path, _name, _body in counted_sentences()}))
def test_every_template_with_a_counted_sentence_compiles(path):
    engines["django"].get_template(str(path))


# Sentences made in Python whose count is the data's (deals moved by a stage preset, by a
# bulk change, rows deactivated): their catalogs take the grouped count as text.
PYTHON_COUNTED = [
    ("%(count)s deal moved.", "%(count)s deals moved.", "1\xa0500 affärer flyttade."),
    ("%(count)s deal reassigned.", "%(count)s deals reassigned.", "1\xa0500 affärer fick ny"),
    (
        "%(count)s open deal moved to its new stage.",
        "%(count)s open deals moved to their new stages.",
        "1\xa0500 öppna affärer flyttades",
    ),
    (
        "%(count)s deal was not moved and stays in its retired stage:",
        "%(count)s deals were not moved and stay in their retired stages:",
        "1\xa0500 affärer flyttades inte",
    ),
    ("%(count)s row deactivated.", "%(count)s rows deactivated.", "1\xa0500 rader"),
]


@pytest.mark.parametrize(("singular", "plural", "swedish"), PYTHON_COUNTED)
def test_a_python_sentence_groups_its_count(singular, plural, swedish):
    with translation.override("sv"):
        assert swedish in translation.ngettext(singular, plural, 1500) % {
            "count": grouped_count(1500)
        }
    for language in ("nb", "pl", "de"):  # every catalog takes the count as text
        with translation.override(language):
            text = translation.ngettext(singular, plural, 1500) % {"count": grouped_count(1500)}
            assert grouped_count(1500) in text or "1.500" in text


def test_python_sentences_print_the_grouped_count():
    """No `ngettext` of the project's Python formats its count as a bare number (`%(count)d`),
    but for the forms' limits, which are constants below a thousand."""
    limits = {"forecasting/forms.py", "forecasting/reports/accuracy.py"}
    bare = [
        str(path.relative_to(settings.BASE_DIR))
        for app in ("accounts", "activities", "forecasting", "home", "jobs", "opportunities")
        + ("pipeline_crm", "quotes")
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "%(count)d" in path.read_text()
    ]
    assert sorted(set(bare) - limits) == []


# A count printed on its own, outside a sentence: `{{ x.count }}`, `{{ x.deal_count }}`,
# `{{ total }}`, `{{ done }}` without a filter (a badge of 26 391 due deals printed 26391).
BARE_COUNT = re.compile(r"{{\s*(?:[\w.]+\.)?(?:\w+_)?(?:count|total|done)\s*}}")


def test_no_template_prints_a_bare_count():
    """Outside sentences too, a count is printed through |count (sv: 26 391). Inside a
    `blocktranslate`, the names of its `with` are printed as they were given, grouped there."""
    bare = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = TAG.sub("", path.read_text())  # the counted sentences: checked above
        text = re.sub(r"{%\s*blocktrans.*?endblocktrans\w*\s*%}", "", text, flags=re.S)
        if "quotes/pdf" in str(path):  # the PDF's figures are formatted by the quote
            continue
        bare += [f"{path.relative_to(TEMPLATES)}: {m[0]}" for m in BARE_COUNT.finditer(text)]
    assert bare == []
