"""Importing deals from an old CRM: the `import_opportunities` command and the service."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, BusinessArea
from opportunities.import_reader import HEADERS
from opportunities.import_service import import_opportunities
from opportunities.models import LossReason, Opportunity, Stage

from ..factories import AccountFactory, BusinessAreaFactory, StageFactory

pytestmark = pytest.mark.django_db

ROW = {
    "Name": "Server refresh",
    "Account": "Nordic Steel AB",
    "Business area": "",
    "Stage": "Quote sent",
    "Status": "open",
    "Owner": "alice",
    "Expected close date": "2026-06-30",
    "Amount": "125000.50",
    "Probability": "",
    "Loss reason": "",
    "Closed date": "",
}


def csv_bytes(*rows: dict, delimiter: str = ",", bom: bool = False) -> bytes:
    lines = [delimiter.join(HEADERS)]
    lines += [delimiter.join({**ROW, **row}[h] for h in HEADERS) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def run(
    *rows: dict,
    dry_run: bool = False,
    create_lookups: bool = False,
    user=None,
    number_format: str = "machine",
    **kwargs,
):
    return import_opportunities(
        csv_bytes(*rows, **kwargs),
        filename="deals.csv",
        dry_run=dry_run,
        create_lookups=create_lookups,
        user=user,
        number_format=number_format,
    )


def errors_of(result) -> list[tuple[int | None, str]]:
    return [(error.row, error.column) for error in result.errors]


@pytest.fixture
def area():
    return BusinessAreaFactory(name="Industry")


@pytest.fixture
def deals_file(tmp_path):
    def write(*rows: dict, **kwargs):
        path = tmp_path / "deals.csv"
        path.write_bytes(csv_bytes(*rows, **kwargs))
        return str(path)

    return write


def test_command_imports_open_won_and_lost_deals(salesperson, area, deals_file, capsys):
    path = deals_file(
        {"Name": "Open deal", "Business area": "Industry"},
        {"Name": "Won deal", "Status": "won", "Stage": "Order", "Closed date": "2026-02-15"},
        {"Name": "Lost deal", "Status": "lost", "Loss reason": "Price"},
    )
    call_command("import_opportunities", path)

    deals = {deal.name: deal for deal in Opportunity.objects.all()}
    assert set(deals) == {"Open deal", "Won deal", "Lost deal"}
    opened, won, lost = deals["Open deal"], deals["Won deal"], deals["Lost deal"]
    assert (opened.status, opened.probability, opened.business_area) == ("open", 25, area)
    assert opened.amount == Decimal("125000.50")
    assert opened.weighted_amount == Decimal("31250.13")
    assert opened.expected_close_date == date(2026, 6, 30) and opened.owner == salesperson
    assert (won.status, won.probability, won.closed_date) == ("won", 100, date(2026, 2, 15))
    assert (lost.status, lost.probability, lost.loss_reason.name) == ("lost", 0, "Price")
    assert lost.closed_date == timezone.localdate()
    assert "Imported deals.csv: 3 deals, 1 new accounts" in capsys.readouterr().out


def test_won_deal_without_closed_date_closes_today(salesperson):
    result = run({"Status": "won"})
    assert result.errors == []
    deal = Opportunity.objects.get()
    assert (deal.status, deal.closed_date) == ("won", timezone.localdate())


def test_empty_probability_takes_the_stage_default(salesperson):
    run({"Stage": "Short list", "Probability": ""})
    deal = Opportunity.objects.get()
    assert deal.probability == 50 and not deal.is_probability_manual


def test_given_probability_is_kept_and_marked_manual(salesperson):
    run({"Stage": "Short list", "Probability": "35"})
    deal = Opportunity.objects.get()
    assert deal.probability == 35 and deal.is_probability_manual


def test_won_and_lost_force_their_probability_over_the_file(salesperson):
    run(
        {"Name": "Won", "Status": "won", "Probability": "40"},
        {"Name": "Lost", "Status": "lost", "Loss reason": "Price", "Probability": "40"},
    )
    assert Opportunity.objects.get(name="Won").probability == 100
    assert Opportunity.objects.get(name="Lost").probability == 0


def test_unknown_account_is_created_once(salesperson):
    result = run(
        {"Name": "One", "Account": "Fjord Data AS"},
        {"Name": "Two", "Account": "  fjord data as "},
    )
    assert result.created_accounts == 1
    account = Account.objects.get()
    assert account.name == "Fjord Data AS"
    assert set(account.opportunities.values_list("name", flat=True)) == {"One", "Two"}


def test_existing_account_is_matched_ignoring_case_and_spaces(salesperson, area):
    account = AccountFactory(name="Nordic Steel AB", business_area=area)
    result = run({"Name": "", "Account": " NORDIC steel ab "})
    assert result.created_accounts == 0
    deal = Opportunity.objects.get()
    assert deal.account == account
    assert deal.name == "Nordic Steel AB"  # an empty name takes the account's
    assert deal.business_area == area  # an empty area takes the account's


def test_unknown_owner_is_a_row_error(salesperson):
    result = run({}, {"Owner": "nobody"})
    assert errors_of(result) == [(3, "Owner")]
    assert "nobody" in result.errors[0].message
    assert Opportunity.objects.count() == 0


def test_unknown_stage_area_and_reason_are_row_errors(salesperson):
    result = run(
        {"Stage": "Discovery"},
        {"Business area": "Marine"},
        {"Status": "lost", "Loss reason": "Budget cut"},
    )
    assert errors_of(result) == [(2, "Stage"), (3, "Business area"), (4, "Loss reason")]
    assert not Stage.objects.filter(name="Discovery").exists()


def test_create_lookups_appends_them_with_probability_zero(salesperson):
    last_stage_order = max(Stage.objects.values_list("order", flat=True))
    last_reason_order = max(LossReason.objects.values_list("order", flat=True))
    result = run(
        {"Stage": "Discovery"},
        {"Stage": "discovery", "Business area": "Marine"},
        {"Status": "lost", "Loss reason": "Budget cut"},
        create_lookups=True,
    )
    assert result.errors == []
    assert [str(lookup) for lookup in result.created_lookups] == [
        "stage “Discovery”",
        "business area “Marine”",
        "loss reason “Budget cut”",
    ]
    stage = Stage.objects.get(name="Discovery")
    assert (stage.order, stage.default_probability) == (last_stage_order + 10, 0)
    assert LossReason.objects.get(name="Budget cut").order == last_reason_order + 10
    assert BusinessArea.objects.get(name="Marine").order == 10
    assert Opportunity.objects.filter(stage=stage).count() == 2
    assert Opportunity.objects.get(business_area__name="Marine").probability == 0


def test_lookups_match_exact_name_first_then_any_case(salesperson):
    StageFactory(name="Demo", default_probability=30)
    StageFactory(name="DEMO", default_probability=40)
    result = run({"Name": "Exact", "Stage": "DEMO"}, {"Name": "Ambiguous", "Stage": "demo"})
    assert errors_of(result) == [(3, "Stage")]
    result = run({"Name": "Exact", "Stage": "DEMO"}, {"Name": "Lower", "Stage": "quote SENT"})
    assert result.errors == []
    assert Opportunity.objects.get(name="Exact").probability == 40
    assert Opportunity.objects.get(name="Lower").stage.name == "Quote sent"


def test_lost_deal_requires_loss_reason(salesperson):
    result = run({"Status": "lost"})
    assert errors_of(result) == [(2, "Loss reason")]


def test_closed_date_on_an_open_deal_is_an_error(salesperson):
    result = run({"Closed date": "2026-01-31"})
    assert [str(error) for error in result.errors] == [
        "Row 2, Closed date: Closed date is only for won or lost deals."
    ]


def test_bad_cells_are_reported_with_row_and_column(salesperson):
    result = run(
        {"Expected close date": "31/06/2026"},
        {"Amount": "-10"},
        {"Amount": '"12,50"'},
        {"Probability": "150"},
        {"Expected close date": ""},
        {"Status": "pending"},
    )
    assert errors_of(result) == [
        (2, "Expected close date"),
        (3, "Amount"),
        (4, "Amount"),
        (5, "Probability"),
        (6, "Expected close date"),
        (7, "Status"),
    ]


def test_dry_run_writes_nothing(salesperson, deals_file, capsys):
    path = deals_file({"Account": "New Account AB", "Stage": "Discovery"})
    call_command("import_opportunities", path, "--dry-run", "--create-lookups")
    out = capsys.readouterr().out
    assert out.startswith("Dry run, nothing was written.")
    assert "would create 1 deals, 1 new accounts, new stage “Discovery”" in out
    assert Opportunity.objects.count() == 0
    assert not Account.objects.exists()
    assert not Stage.objects.filter(name="Discovery").exists()


def test_dry_run_counts_what_would_be_created(salesperson):
    result = run({"Stage": "Discovery"}, {}, dry_run=True, create_lookups=True)
    assert (result.created, result.created_accounts, len(result.created_lookups)) == (2, 1, 1)
    assert Opportunity.objects.count() == 0


def test_one_bad_row_stops_the_whole_import(salesperson, deals_file, capsys):
    path = deals_file({"Name": "Good"}, {"Name": "Bad", "Amount": "lots"}, {"Name": "Also good"})
    with pytest.raises(CommandError, match="1 error in deals.csv; nothing was written"):
        call_command("import_opportunities", path)
    assert capsys.readouterr().out.startswith("Row 3, Amount: ")
    assert Opportunity.objects.count() == 0
    assert not Account.objects.exists()


def test_semicolon_delimiter_and_bom(salesperson):
    result = run({"Account": "Ölands Bröd AB", "Amount": "99.90"}, delimiter=";", bom=True)
    assert result.errors == []
    deal = Opportunity.objects.get()
    assert deal.account.name == "Ölands Bröd AB" and deal.amount == Decimal("99.90")


def test_blank_lines_keep_the_spreadsheet_row_numbers(salesperson):
    data = csv_bytes({}, {"Owner": "nobody"}).replace(b"\r\nServer", b"\r\n\r\nServer", 1)
    result = import_opportunities(data, filename="deals.csv", dry_run=True, create_lookups=False)
    assert errors_of(result) == [(4, "Owner")]


def test_header_must_name_every_column():
    data = b"Name,Account,Stage\r\nDeal,Acme,Prospect\r\n"
    result = import_opportunities(data, filename="deals.csv", dry_run=True, create_lookups=False)
    assert len(result.errors) == 1 and result.errors[0].row is None
    assert "Business area, Status, Owner" in result.errors[0].message


def test_stage_gate_the_row_does_not_meet_is_a_row_error(salesperson):
    StageFactory(name="Contract", requires_amount=True)
    result = run({"Stage": "Contract", "Amount": ""})
    assert errors_of(result) == [(2, "Stage")]
    assert "an amount" in result.errors[0].message


def test_won_stage_needs_status_won(salesperson):
    result = run({"Stage": "Order", "Status": "open"})
    assert errors_of(result) == [(2, "Stage")]


def test_history_records_the_import_and_its_user(salesperson, manager, deals_file):
    path = deals_file({"Name": "Open"}, {"Name": "Won", "Status": "won"})
    call_command("import_opportunities", path, "--user", manager.username)
    for deal in Opportunity.objects.all():
        records = list(deal.history.all())
        assert records and {r.history_change_reason for r in records} == {"import"}
        assert {r.history_user for r in records} == {manager}
    account_record = Account.objects.get().history.get()
    assert (account_record.history_change_reason, account_record.history_user) == (
        "import",
        manager,
    )


def test_unknown_history_user_is_refused(deals_file):
    with pytest.raises(CommandError, match="No user"):
        call_command("import_opportunities", deals_file({}), "--user", "ghost")


def test_row_with_more_cells_than_the_header_is_named(salesperson):
    result = run({}, {"Amount": "12,50"})
    assert [str(error) for error in result.errors] == [
        "Row 3 has more cells than the header has columns."
    ]


def test_rows_cost_only_their_own_save(salesperson, area):
    """Users, lookups and accounts are read once, new accounts and history written in bulk."""

    def queries(count: int) -> int:
        rows = [
            {"Name": f"Deal {i}", "Account": f"Account {i}", "Business area": "Industry"}
            for i in range(count)
        ]
        rows[0].update(Status="lost", **{"Loss reason": "Price"})
        with CaptureQueriesContext(connection) as context:
            assert run(*rows, dry_run=True).created == count
        return len(context)

    # a savepoint, the insert and the savepoint's release; SQLite splits the one history insert
    # by its limit of variables per statement (one more for 30 deals)
    assert queries(30) - queries(10) <= 3 * 20 + 1


@pytest.mark.parametrize(
    ("number_format", "amount"),
    [("en", "1,920,000.50"), ("sv", "1 920 000,50"), ("de", "1.920.000,50")],
)
def test_amounts_in_a_declared_language(salesperson, number_format, amount):
    result = run({"Amount": amount}, number_format=number_format, delimiter=";")
    assert result.errors == []
    assert Opportunity.objects.get().amount == Decimal("1920000.50")


@pytest.mark.parametrize("amount", ["1,920,000.50", "1 920 000,50", "800,000", "1e5", "NaN"])
def test_amounts_are_machine_format_unless_declared(salesperson, amount):
    assert errors_of(run({"Amount": amount}, delimiter=";")) == [(2, "Amount")]
