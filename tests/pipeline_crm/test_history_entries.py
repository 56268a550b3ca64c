"""The history's entries, written by Jinja2 (`pipeline_crm.history.entries_html`), are what the
Django template's loop wrote, byte for byte."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pipeline_crm.history import FieldChange, HistoryEntry, entries_html
from tests import factories

# The loop `templates/partials/history.html` held before the entries moved to Jinja2.
DJANGO_LOOP = """{% load i18n crm %}{% for entry in history %}
  <li>
    <div class="meta">
      <strong>{% if entry.who %}{{ entry.who|display_name }}{% else %}{% translate "System" %}{% endif %}</strong>
      · {{ entry.kind }}{% if entry.object_label %} · {{ entry.object_label }}{% endif %}
      · <time datetime="{{ entry.when|date:'c' }}">{{ entry.when|date:"SHORT_DATETIME_FORMAT" }}</time>
      {% if entry.origin %}<span class="badge">{{ entry.origin }}</span>{% endif %}
    </div>
    {% if entry.changes %}
    <table>
      {% for change in entry.changes %}
      <tr><td class="field">{{ change.label|capfirst }}</td><td><span class="old">{{ change.old }}</span> → <span class="new">{{ change.new }}</span></td></tr>
      {% endfor %}
    </table>
    {% endif %}
  </li>
  {% endfor %}"""  # noqa: E501


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv", "de", "pl", "nb"])
def test_entries_are_the_django_loops_markup(language):
    person = factories.UserFactory(first_name="Åsa", last_name="O'Brien <&>")
    entries = [
        HistoryEntry(
            when=datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # the night summer time begins
            who=person,
            kind=_("changed"),
            origin=_("form"),
            object_label='Line: "Licence" & <more>',
            changes=[
                FieldChange("amount", "1,000.00", "1,920,000.00"),
                FieldChange("probability", 10, 12345),
                FieldChange("description", "it's <b>", "—"),
                FieldChange("is active", _("yes"), _("no")),
                FieldChange("expected close date", date(2026, 1, 5), Decimal("7.50")),
            ],
            history_id=2,
        ),
        HistoryEntry(
            when=datetime(2026, 12, 7, 9, 5, 1, tzinfo=UTC),
            who=None,
            kind="created",
            origin="",
            object_label="",
            changes=[],
            history_id=1,
        ),
    ]
    with translation.override(language):
        django = engines["django"].from_string(DJANGO_LOOP).render({"history": entries})
        assert str(entries_html(entries)) == django
    assert "O&#x27;Brien &lt;&amp;&gt;" in django
