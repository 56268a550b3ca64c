"""One rounding of percentages (`pipeline_crm.money.percent`), whichever report shows one."""

from decimal import Decimal

import pytest

from forecasting.reports.budget import BudgetRow
from forecasting.reports.winloss import WinLossRow
from pipeline_crm.money import percent
from quotes.reports import Row as QuoteReportRow


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (Decimal("94.85"), 100, Decimal("94.9")),  # half up, never to the even 94.8
        (Decimal("94.75"), 100, Decimal("94.8")),
        (1, 3, Decimal("33.3")),
        (2, 3, Decimal("66.7")),
        (0, 5, Decimal("0.0")),
        (5, 4, Decimal("125.0")),
        (1, 0, None),
        (1, None, None),
    ],
)
def test_percent_rounds_half_up_to_one_decimal(part, whole, expected):
    assert percent(part, whole) == expected


def test_every_report_gives_94_85_as_94_9():
    budget = BudgetRow(area=None, budget=Decimal("100.00"), won=Decimal("94.85"))
    win_loss = WinLossRow(won_count=1897, lost_count=103)  # 94.85 %
    quotes = QuoteReportRow(key=None, label="", accepted=1897, declined=103)
    margin = QuoteReportRow(
        key=None, label="", won_amount=Decimal("100.00"), won_margin=Decimal("94.85")
    )
    assert budget.percent == win_loss.win_rate == quotes.win_rate == Decimal("94.9")
    assert margin.won_margin_percent == Decimal("94.9")
