"""The quote report: win rate, days to answer and won margin per salesperson and area, with
drill-down to the quotes and exports."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasting.models import SavedReport
from pipeline_crm.concurrency import LOCKED
from quotes import services
from quotes.models import Quote

from .conftest import deal_with_lines

pytestmark = pytest.mark.django_db

REPORT = reverse("quotes:report")


def _sent(owner, price: str, cost: str = "40"):
    deal = deal_with_lines(owner, ("1", price, "0", cost))
    quote = services.mark_sent(services.create_quote(deal, user=owner), user=owner)
    Quote.objects.filter(pk=quote.pk).update(sent_at=timezone.now() - timedelta(days=4))
    quote.refresh_from_db()
    return quote


@pytest.fixture
def quotes(salesperson, co_responsible):
    won = _sent(salesperson, "100")
    services.accept_quote(won, user=salesperson, seen_version=LOCKED)
    lost = _sent(salesperson, "200")
    services.decline_quote(lost, user=salesperson)
    expired = _sent(salesperson, "300")
    Quote.objects.filter(pk=expired.pk).update(status=Quote.Status.EXPIRED)
    waiting = _sent(co_responsible, "400")
    return won, lost, expired, waiting


def test_without_a_period_the_report_shows_the_current_quarter(client_for, salesperson):
    response = client_for(salesperson).get(REPORT)
    assert response.status_code == 302 and "start=" in response.url


def test_win_rate_days_and_won_margin_per_salesperson(client_for, manager, quotes, salesperson):
    response = client_for(manager).get(REPORT, {"pick": str(timezone.localdate().year)})
    assert response.status_code == 200
    report = response.context["report"]
    alice = next(row for row in report["people"] if row.key == salesperson.pk)
    assert (alice.sent, alice.accepted, alice.declined, alice.expired) == (3, 1, 1, 1)
    assert alice.win_rate == Decimal("33.3")  # 1 of 3, as every report rounds (money.percent)
    assert alice.won_amount == Decimal("100.00") and alice.won_margin == Decimal("60.00")
    assert alice.answer_days == pytest.approx(4.0, abs=0.1)
    total = report["people_total"]
    assert (total.sent, total.outstanding) == (4, 1)
    assert sum(row.sent for row in report["areas"]) == total.sent


def test_figures_drill_down_to_the_quotes(client_for, manager, quotes, salesperson):
    client = client_for(manager)
    report = client.get(REPORT, {"pick": str(timezone.localdate().year)}).context["report"]
    alice = next(row for row in report["people"] if row.key == salesperson.pk)
    listed = client.get(alice.links["accepted"]).context["table"].paginated_rows.data
    assert [quote.pk for quote in listed] == [quotes[0].pk]
    listed = client.get(alice.links["sent"]).context["table"].paginated_rows.data
    assert len(list(listed)) == 3


def test_export_has_a_row_per_salesperson_and_the_total(client_for, manager, quotes):
    response = client_for(manager).get(
        REPORT, {"pick": str(timezone.localdate().year), "export": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Salesperson"
    assert rows[-1][0] == "Total" and rows[-1][1] == "4"


def test_a_bad_period_is_refused_next_to_the_form(client_for, salesperson):
    response = client_for(salesperson).get(REPORT, {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 400


def test_the_reports_page_lists_the_quote_report(client_for, salesperson):
    page = client_for(salesperson).get(reverse("forecasting:index")).content.decode()
    assert f'href="{REPORT}"' in page and "Quote results" in page


def test_the_quote_report_is_saved_and_opened_with_its_filters(
    client_for, salesperson, other_salesperson
):
    client = client_for(salesperson)
    page = client.get(REPORT, {"pick": "2026"})
    save_form = page.context["save_form"]
    assert save_form.initial == {"kind": "quotes", "query": "pick=2026"}
    assert f'action="{reverse("forecasting:save")}"' in page.content.decode()
    response = client.post(
        reverse("forecasting:save"),
        {"name": "Quotes 2026", "kind": "quotes", "query": "pick=2026&export=csv"},
    )
    saved = SavedReport.objects.get(name="Quotes 2026")
    assert response.url == reverse("forecasting:saved", args=[saved.pk])
    assert (saved.kind, saved.get_kind_display(), saved.is_shared) == (
        "quotes",
        "Quote results",
        False,
    )
    assert client.get(response.url).url == f"{REPORT}?pick=2026"
    index = client.get(reverse("forecasting:index")).content.decode()
    assert "Quotes 2026" in index and "Quote results" in index
    # Private: another salesperson gets a 403.
    other = client_for(other_salesperson).get(reverse("forecasting:saved", args=[saved.pk]))
    assert other.status_code == 403


def test_an_unknown_report_kind_is_not_saved(client_for, salesperson):
    client_for(salesperson).post(
        reverse("forecasting:save"), {"name": "X", "kind": "nonsense", "query": ""}
    )
    assert not SavedReport.objects.exists()
