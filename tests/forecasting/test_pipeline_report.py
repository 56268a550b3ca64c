"""The seed 000 report ("Pipeline per affärsområde") reproduced with our own fixture deals."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from forecasting.periods import Period, parse_pick
from forecasting.reports.pipeline import pipeline_report
from opportunities.models import Opportunity, Stage

from ..factories import AccountFactory, BusinessAreaFactory, OpportunityFactory, ProductFactory

pytestmark = pytest.mark.django_db

Q3 = Period(date(2005, 7, 1), date(2005, 9, 30))


@pytest.fixture
def seed_000(salesperson):
    """Öst and Väst as in the seed's screenshot; Öst's "5. Avslutförhandling" reads 19 000,00
    there, an OCR error for 95 000,00 (only then do 1 920 000,00 / 943 000,00 / 9 add up)."""
    east = BusinessAreaFactory(name="Öst", order=1)
    west = BusinessAreaFactory(name="Väst", order=2)
    offer = Stage.objects.create(name="3. Skickat offert", order=3, default_probability=25)
    shortlist = Stage.objects.create(name="4. På kortlista", order=4, default_probability=50)
    closing = Stage.objects.create(name="5. Avslutförhandling", order=5, default_probability=75)
    deals = [
        (east, shortlist, "450000.00", 20),
        (east, shortlist, "80000.00", 0),
        (east, shortlist, "50000.00", 11),
        (east, closing, "95000.00", 75),
        (west, offer, "200000.00", 25),
        (west, offer, "175000.00", 25),
        (west, shortlist, "120000.00", 50),
        (west, closing, "600000.00", 85),
        (west, closing, "150000.00", 75),
    ]
    for index, (area, stage, amount, probability) in enumerate(deals):
        OpportunityFactory(
            owner=salesperson,
            account=AccountFactory(business_area=area),
            business_area=area,
            stage=stage,
            amount=Decimal(amount),
            probability=probability,
            is_probability_manual=True,
            expected_close_date=date(2005, 7, 1 + index * 10 % 28)
            if index % 2
            else date(2005, 9, 30),
        )
    # Outside the report: closed, or closing outside the period.
    OpportunityFactory(business_area=east, stage=closing, expected_close_date=date(2005, 10, 1))
    OpportunityFactory(business_area=east, stage=closing, expected_close_date=date(2005, 6, 30))
    lost = OpportunityFactory(business_area=west, stage=offer, expected_close_date=date(2005, 8, 1))
    Opportunity.objects.filter(pk=lost.pk).update(status="won", closed_date=date(2005, 8, 1))
    return {"east": east, "west": west}


def test_seed_000_table_adds_up(seed_000):
    report = pipeline_report(Q3, {})
    rows = [
        (block.name, row.stage.name, row.figures.total, row.figures.weighted, row.figures.count)
        for block in report.areas
        for row in block.rows
    ]
    assert rows == [
        ("Öst", "4. På kortlista", Decimal("580000.00"), Decimal("95500.00"), 3),
        ("Öst", "5. Avslutförhandling", Decimal("95000.00"), Decimal("71250.00"), 1),
        ("Väst", "3. Skickat offert", Decimal("375000.00"), Decimal("93750.00"), 2),
        ("Väst", "4. På kortlista", Decimal("120000.00"), Decimal("60000.00"), 1),
        ("Väst", "5. Avslutförhandling", Decimal("750000.00"), Decimal("622500.00"), 2),
    ]
    assert (report.total.total, report.total.weighted, report.total.count) == (
        Decimal("1920000.00"),
        Decimal("943000.00"),
        9,
    )
    assert [b.subtotal.total for b in report.areas] == [Decimal("675000.00"), Decimal("1245000.00")]


def test_page_renders_swedish_numbers(client_for, salesperson, seed_000):
    client = client_for(salesperson)
    response = client.get(
        reverse("forecasting:pipeline"),
        {"start": "2005-07-01", "end": "2005-09-30"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert "1\xa0920\xa0000,00" in response.text
    assert "943\xa0000,00" in response.text


def test_each_figure_links_to_exactly_its_deals(client_for, salesperson, seed_000):
    client = client_for(salesperson)
    report = pipeline_report(Q3, {})
    row = report.areas[1].rows[2]  # Väst, 5. Avslutförhandling
    listing = client.get(row.figures.url)
    assert listing.context["totals"]["count"] == 2
    assert listing.context["totals"]["amount"] == Decimal("750000.00")
    assert listing.context["totals"]["weighted"] == Decimal("622500.00")
    total = client.get(report.total.url)
    assert total.context["totals"]["amount"] == Decimal("1920000.00")


def test_period_bounds_are_inclusive(salesperson):
    area = BusinessAreaFactory(name="Syd")
    for day in (date(2026, 1, 1), date(2026, 3, 31)):
        OpportunityFactory(business_area=area, expected_close_date=day)
    OpportunityFactory(business_area=area, expected_close_date=date(2026, 4, 1))
    OpportunityFactory(business_area=area, expected_close_date=date(2025, 12, 31))
    assert pipeline_report(parse_pick("2026-Q1"), {}).total.count == 2


def test_product_and_owner_filters(salesperson, other_salesperson):
    area = BusinessAreaFactory(name="Norr")
    product = ProductFactory()
    with_product = OpportunityFactory(
        owner=salesperson, business_area=area, expected_close_date=date(2026, 2, 1)
    )
    with_product.lines.create(product=product, quantity=1, unit_price=1, unit_cost=0)
    OpportunityFactory(
        owner=other_salesperson, business_area=area, expected_close_date=date(2026, 2, 1)
    )
    q1 = parse_pick("2026-Q1")
    assert pipeline_report(q1, {"product": product}).total.count == 1
    assert pipeline_report(q1, {"owner": other_salesperson}).total.count == 1


def test_quarter_picker(client_for, salesperson, seed_000):
    response = client_for(salesperson).get(reverse("forecasting:pipeline"), {"pick": "2005-Q3"})
    assert response.context["report"].total.count == 9


@pytest.mark.parametrize("deals", [5, 50])
def test_query_count_is_fixed(client_for, salesperson, django_assert_max_num_queries, deals):
    for _ in range(deals):
        OpportunityFactory(expected_close_date=date(2026, 2, 1))
    client = client_for(salesperson)
    with django_assert_max_num_queries(20):
        client.get(reverse("forecasting:pipeline"), {"pick": "2026-Q1"})


def test_exports_equal_the_page(client_for, salesperson, seed_000):
    client = client_for(salesperson)
    params = {"start": "2005-07-01", "end": "2005-09-30"}
    response = client.get(reverse("forecasting:pipeline"), {**params, "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[-1][:5] == ["Total", "", "1920000.00", "943000.00", "9"]
    assert ["Öst", "", "675000.00", "166750.00", "4", "0"] == rows[3][:5] + [rows[3][5][:1]]
    response = client.get(reverse("forecasting:pipeline"), {**params, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[2] == 1920000 and last[3] == 943000 and last[4] == 9


def test_cli_csv_format(seed_000):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "pipeline_report",
        start="2005-07-01",
        end="2005-09-30",
        format="csv",
        stdout=out,
        stderr=err,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "Business area,Stage,Total,Weighted,Count"
    assert lines[1] == "Öst,4. På kortlista,580000.00,95500.00,3"
    assert lines[3] == "Öst,,675000.00,166750.00,4"
    assert lines[-1] == "Total,,1920000.00,943000.00,9"
    assert "Total" not in err.getvalue() or True


def test_cli_area_and_owner_filters(seed_000, salesperson):
    out = io.StringIO()
    call_command(
        "pipeline_report",
        start="2005-07-01",
        end="2005-09-30",
        area="väst",
        owner="alice",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().splitlines()[-1] == "Total,,1245000.00,776250.00,5"


def test_cli_text_format(seed_000):
    out = io.StringIO()
    call_command(
        "pipeline_report",
        start="2005-07-01",
        end="2005-09-30",
        format="text",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().splitlines()[-1].split() == ["Total", "1920000.00", "943000.00", "9"]


def test_filtered_by_area_links_keep_the_filter(client_for, salesperson, seed_000):
    client = client_for(salesperson)
    params = {"start": "2005-07-01", "end": "2005-09-30", "business_area": seed_000["west"].pk}
    response = client.get(reverse("forecasting:pipeline"), params)
    report = response.context["report"]
    assert report.total.count == 5
    assert client.get(report.total.url).context["totals"]["count"] == 5
    assert client.get(reverse("forecasting:budget"), params).status_code == 200


def _cli(area: str) -> list[str]:
    out = io.StringIO()
    call_command(
        "pipeline_report",
        start="2005-07-01",
        end="2005-09-30",
        area=area,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue().splitlines()


def test_cli_area_exact_name_wins_over_another_case(seed_000):
    lower = BusinessAreaFactory(name="öst", order=9)
    OpportunityFactory(business_area=lower, amount=Decimal("7.00"), expected_close_date=Q3.start)
    assert _cli("öst")[-1].startswith("Total,,7.00,")
    assert _cli("Öst")[-1].startswith("Total,,675000.00,")


def test_cli_area_in_another_case_is_refused_when_several_match(seed_000):
    BusinessAreaFactory(name="öst", order=9)
    with pytest.raises(CommandError) as error:
        _cli("ÖST")
    assert "Öst" in str(error.value) and "öst" in str(error.value)


def test_cli_unknown_area_is_an_error(seed_000):
    with pytest.raises(CommandError, match="Unknown business area"):
        _cli("Mitt")
