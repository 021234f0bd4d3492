"""Phone numbers in E.164, parsed by ``phonenumbers`` (Google's libphonenumber rules), and
the one rule for the country a studio's national numbers are read in (``studio_region``)."""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from typing import TYPE_CHECKING

import phonenumbers

if TYPE_CHECKING:
    from app.models import Studio


class InvalidPhone(ValueError):
    pass


def to_e164(raw: str, region: str | None = None) -> str:
    """``"+44 7700 900301"`` -> ``"+447700900301"``; a national number needs ``region``.

    Raises ``InvalidPhone`` for anything libphonenumber cannot read as a possible number.
    """
    text = (raw or "").strip().removeprefix("whatsapp:")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """``"+447700900123"`` -> ``"+44 7700 900123"`` (international format); unreadable text is shown as it is."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA timezone -> ISO country, from the tz database's own zone.tab."""
    text = (importlib.resources.files("tzdata.zoneinfo") / "zone.tab").read_text()
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            out[parts[2]] = parts[0]
    return out


def studio_region(studio: Studio) -> str | None:
    """The country a studio's clients' national numbers belong to ("07700 900301" in a
    London studio is +44...): the studio's own numbers first, then its timezone."""
    for number in (studio.sms_number, studio.whatsapp_number, studio.contact_phone):
        if number:
            try:
                region = phonenumbers.region_code_for_number(phonenumbers.parse(number.removeprefix("whatsapp:")))
            except phonenumbers.NumberParseException:
                continue
            if region and region != "ZZ":
                return region
    return _zone_countries().get(studio.timezone)
