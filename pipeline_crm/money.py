"""Money: Decimal with two places, rounded half up in exactly one place."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(value: Decimal | int) -> Decimal:
    """Round to 0.01, half up (0.005 → 0.01): the company's one rounding rule."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted(amount: Decimal, probability: int) -> Decimal:
    """Weighted value of one deal: amount × probability / 100, rounded to 0.01 half up."""
    return round_money(Decimal(amount) * Decimal(probability) / Decimal(100))


PERCENT_STEP = Decimal("0.1")


def percent(part: Decimal | int, whole: Decimal | int | None) -> Decimal | None:
    """`part` of `whole` in %, to one decimal, half up (94.85 → 94.9), as every report and
    export shows a percentage (% of budget, win rate, shares); None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)


# The largest amount a money column holds (14 digits, 2 of them decimals).
MAX_MONEY = Decimal("999999999999.99")


def fits_money(value: Decimal) -> bool:
    """Whether `value` fits a money column (`MAX_MONEY` either way): a product or a sum of
    amounts that each fit may not, and the database would refuse it."""
    return abs(value) <= MAX_MONEY
