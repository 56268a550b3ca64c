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
