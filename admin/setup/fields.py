"""Form fields and validators in the studio's terms: timezones, phones, lists, weekdays."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import WEEKDAYS
from app.phones import InvalidPhone, to_e164

WEEKDAY_LABELS = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=False))


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    return [
        (name, name.replace("_", " "))
        for name in sorted(available_timezones())
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    ]


def valid_timezone(_form: Any, field: Any) -> None:
    """A real IANA zone (checked with zoneinfo, not just against the list)."""
    try:
        ZoneInfo(field.data or "")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Choose a timezone such as Europe/London or America/New_York.") from exc


class TimezoneField(SelectField):
    def __init__(self, label: str = "Timezone", validators: list | None = None, **kwargs: Any) -> None:
        kwargs.pop("choices", None)
        kwargs.pop("coerce", None)
        super().__init__(label, [valid_timezone, *(validators or [])], choices=timezone_choices(), **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data not in {value for value, _ in timezone_choices()}:
            raise ValidationError("Choose a timezone such as Europe/London or America/New_York.")


def e164_phone(_form: Any, field: Any) -> None:
    """Blank stays blank; anything else becomes E.164 or is refused with the reason."""
    raw = (field.data or "").strip()
    if not raw:
        field.data = None
        return
    try:
        field.data = to_e164(raw)
    except InvalidPhone as exc:
        raise ValidationError("Enter the phone number with its country code, e.g. +44 7700 900123.") from exc


class CommaListField(StringField):
    """A list of short words typed as ``flow, vinyasa`` (stored as a JSON list)."""

    def _value(self) -> str:
        return ", ".join(self.data or []) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = [part.strip() for part in valuelist[0].split(",") if part.strip()]
        else:
            self.data = []


class HoursListField(StringField):
    """Whole hours typed as ``24, 2`` (reminder times before a class)."""

    def _value(self) -> str:
        return ", ".join(str(h) for h in self.data) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = []
        self._bad: str | None = None
        for part in (valuelist[0] if valuelist else "").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 1 <= int(part) <= 168:
                self._bad = part
                continue
            self.data.append(int(part))
        self.data = sorted(set(self.data), reverse=True)

    def pre_validate(self, form: Any) -> None:
        if getattr(self, "_bad", None) is not None:
            raise ValidationError(f"{self._bad!r} is not a number of hours between 1 and 168.")


class WeekdaysField(SelectMultipleField):
    """Tick boxes for the days a class runs; stored as ``"mon,wed,fri"``."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str = "Days", validators: list | None = None, **kwargs: Any) -> None:
        kwargs.pop("choices", None)
        # "required" on every tick box would demand all seven; pre_validate asks for one
        validators = [v for v in validators or [] if not isinstance(v, (InputRequired, DataRequired))]
        super().__init__(label, validators, choices=list(WEEKDAY_LABELS.items()), **kwargs)

    def process_data(self, value: Any) -> None:
        self.data = [d for d in value.split(",") if d] if isinstance(value, str) else list(value or [])

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, ",".join(d for d in WEEKDAYS if d in (self.data or [])))

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            raise ValidationError("Tick at least one day.")
        super().pre_validate(form)


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class RowSelectField(SelectField):
    """Pick a row of the signed-in studio by id; the choices are filled per request from
    the studio session (``fill``), so another studio's rows are neither listed nor accepted."""

    def __init__(self, label: str, validators: list | None = None, blank: str | None = None, **kwargs: Any) -> None:
        self.blank = blank
        kwargs.pop("coerce", None)
        super().__init__(label, validators, coerce=optional_int, choices=[], **kwargs)

    def fill(self, rows: list[tuple[int, str]]) -> None:
        self.choices = ([("", self.blank)] if self.blank is not None else []) + list(rows)

    def pre_validate(self, form: Any) -> None:
        if self.data is None and self.blank is None:
            raise ValidationError("Please choose one.")
        if self.data is not None and self.data not in {value for value, _ in self.choices if value != ""}:
            raise ValidationError("Not one of this studio's choices.")
