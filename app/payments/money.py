"""Amounts in Stripe's minor units (pence, cents; yen have none)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


def to_minor(amount: Decimal, currency: str) -> int:
    factor = Decimal(1) if currency.upper() in ZERO_DECIMAL else Decimal(100)
    return int((Decimal(amount) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(minor: int, currency: str) -> Decimal:
    factor = Decimal(1) if currency.upper() in ZERO_DECIMAL else Decimal(100)
    return (Decimal(int(minor)) / factor).quantize(Decimal("0.01"))


def percent_of(minor: int, percent: Decimal) -> int:
    return int((Decimal(minor) * percent / Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
