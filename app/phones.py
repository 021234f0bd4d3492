"""Phone numbers in E.164, parsed by ``phonenumbers`` (Google's libphonenumber rules)."""
from __future__ import annotations

import phonenumbers


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
