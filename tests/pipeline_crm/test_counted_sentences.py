"""A count inside a translated sentence is grouped like every other number of the page
(sv: "14 147 affärer"): `blocktranslate count` picks the plural form by the bare number, so
the sentence prints the number grouped by `|count` under another name."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

TEMPLATES = Path(settings.BASE_DIR) / "templates"
TAG = re.compile(
    r"{%\s*blocktrans(?:late)?\s+(?P<args>[^%]*\bcount\s[^%]*)%}(?P<body>.*?){%\s*endblocktrans",
    re.S,
)
COUNTER = re.compile(r"\bcount\s+(?P<name>\w+)=")


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
