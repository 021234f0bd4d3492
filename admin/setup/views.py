"""The studio's setup lists: locations, class types, staff, weekly schedules, packages,
intro offers, and the audit log. Each is a ``SetupModelView`` (scoped, guarded, audited)."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.form import TimeField
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from wtforms import SelectField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp, ValidationError

from admin.setup.base import SetupModelView
from admin.setup.fields import (
    WEEKDAY_LABELS,
    CommaListField,
    RowSelectField,
    TimezoneField,
    WeekdaysField,
    e164_phone,
)
from app import audit
from app.booking.policies import load_policy
from app.booking.schedules import generate_sessions
from app.models import (
    CATEGORIES,
    CLASS_KINDS,
    PACKAGE_KINDS,
    STAFF_ROLES,
    ClassType,
    Staff,
    Studio,
)

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
ROLE_LABELS = {"owner": "Owner", "manager": "Manager", "instructor": "Instructor", "front_desk": "Front desk"}
KIND_LABELS = {
    "class": "Group class",
    "appointment": "1:1 appointment",
    "drop_in": "Drop-in",
    "class_pack": "Class pack",
    "membership": "Membership",
}


def studio_timezone(session) -> ZoneInfo:
    """The signed-in studio's timezone, read once per request."""
    if "setup_tz" not in g:
        studio = session.get(Studio, current_user.studio_id)
        g.setup_tz = ZoneInfo(studio.timezone if studio else "UTC")
    return g.setup_tz


def _choices(values: tuple[str, ...], labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    return [(v, (labels or {}).get(v, v)) for v in values]


def _names(view: SetupModelView, model: type, *, where: Any = None) -> list[tuple[int, str]]:
    query = select(model.id, model.name).order_by(model.name)
    if where is not None:
        query = query.where(where)
    return [(row.id, row.name) for row in view.session.execute(query)]


# --------------------------------------------------------------------------- places


class LocationView(SetupModelView):
    """Where classes happen. A new location starts in the studio's own timezone."""

    capability = "settings"
    entity = "location"
    column_list = ("name", "address", "timezone")
    column_searchable_list = ("name", "address")
    column_default_sort = "name"
    form_columns = ("name", "address", "timezone")
    form_overrides = {"timezone": TimezoneField}
    form_args = {"name": {"validators": [DataRequired()]}}
    can_export = True
    in_use_message = "This location still has classes or schedules; it can't be deleted."

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        if not form.timezone.raw_data:  # not posted yet: suggest the studio's timezone
            form.timezone.data = studio_timezone(self.session).key
        return form


# --------------------------------------------------------------------------- catalog


class ClassTypeView(SetupModelView):
    capability = "catalog"
    entity = "class_type"
    column_list = ("name", "category", "kind", "duration_min", "capacity", "credits", "active")
    column_labels = {
        "duration_min": "Minutes",
        "credits": "Credits per booking",
        "kind": "Kind",
        "aliases": "Other names clients use",
    }
    column_formatters = {"kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind)}
    column_searchable_list = ("name",)
    column_filters = ("category", "active")
    column_default_sort = "name"
    form_columns = (
        "name",
        "category",
        "kind",
        "duration_min",
        "capacity",
        "credits",
        "aliases",
        "description",
        "active",
    )
    form_choices = {"category": _choices(CATEGORIES), "kind": _choices(CLASS_KINDS, KIND_LABELS)}
    form_overrides = {"aliases": CommaListField}
    form_args = {
        "name": {"validators": [DataRequired()]},
        "duration_min": {"label": "Minutes", "validators": [DataRequired(), NumberRange(min=5, max=600)]},
        "capacity": {
            "validators": [DataRequired(message="Capacity must be at least 1."), NumberRange(min=1, max=1000)]
        },
        "credits": {"label": "Credits per booking", "validators": [NumberRange(min=0, max=100)]},
        "aliases": {
            "label": "Other names clients use",
            "description": "Comma-separated, e.g. flow, vinyasa. The bot understands these too.",
        },
    }
    can_export = True
    in_use_message = "This class type has sessions, schedules or packages; untick Active instead of deleting it."


class PackageView(SetupModelView):
    capability = "catalog"
    entity = "package"
    column_list = ("name", "kind", "credits", "price", "valid_days", "class_type_id", "active")
    column_labels = {"credits": "Credits", "valid_days": "Valid for (days)", "class_type_id": "For"}
    column_formatters = {
        "kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind),
        "credits": lambda v, c, m, n: "Unlimited" if m.credits is None else m.credits,
        "class_type_id": lambda v, c, m, n: v._class_name(m.class_type_id),
    }
    column_default_sort = "name"
    form_columns = ("name", "kind", "credits", "price", "valid_days", "class_type_id", "active")
    form_choices = {"kind": _choices(PACKAGE_KINDS, KIND_LABELS)}
    form_overrides = {"class_type_id": RowSelectField}
    form_args = {
        "name": {"validators": [DataRequired()]},
        "credits": {"label": "Credits (blank: unlimited while valid)", "validators": [Optional(), NumberRange(min=1)]},
        "price": {"validators": [DataRequired(message="Give a price (0 for free)."), NumberRange(min=0)]},
        "valid_days": {"label": "Valid for (days)", "validators": [Optional(), NumberRange(min=1, max=3660)]},
        "class_type_id": {"label": "For class type", "blank": "Any class"},
    }
    can_export = True
    in_use_message = "Clients hold this package; untick Active instead of deleting it."

    def _class_name(self, class_type_id: int | None) -> str:
        if class_type_id is None:
            return "Any class"
        ct = self.session.get(ClassType, class_type_id)
        return ct.name if ct else ""

    def _fill(self, form: Any) -> Any:
        form.class_type_id.fill(_names(self, ClassType))
        return form

    def create_form(self, obj: Any = None) -> Any:
        return self._fill(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._fill(super().edit_form(obj))


class IntroOfferView(PackageView):
    entity = "intro_offer"
    column_list = ("name", "price", "sessions", "class_type_id", "active")
    column_labels = {"sessions": "Sessions included", "class_type_id": "Class type"}
    column_formatters = {"class_type_id": lambda v, c, m, n: v._class_name(m.class_type_id)}
    form_columns = ("name", "class_type_id", "sessions", "price", "description", "active")
    form_choices: dict = {}
    form_args = {
        "name": {"validators": [DataRequired()]},
        "price": {"validators": [DataRequired(message="Give a price (0 for free)."), NumberRange(min=0)]},
        "sessions": {"label": "Sessions included", "validators": [DataRequired(), NumberRange(min=1, max=50)]},
        "class_type_id": {"label": "Class type"},
    }
    in_use_message = "Leads came in through this offer; untick Active instead of deleting it."


# --------------------------------------------------------------------------- people


class StaffView(SetupModelView):
    """Staff. Managers may add and edit everyone but owners, and may not make an owner."""

    capability = "staff"
    entity = "staff"
    column_list = ("name", "role", "phone", "email", "active")
    column_formatters = {"role": lambda v, c, m, n: ROLE_LABELS.get(m.role, m.role)}
    column_searchable_list = ("name", "email", "phone")
    column_filters = ("role", "active")
    column_default_sort = "name"
    column_exclude_list = ("studio_id", "key", "password_hash")
    column_details_exclude_list = ("studio_id", "password_hash")
    column_export_exclude_list = ("studio_id", "password_hash")
    form_columns = ("name", "role", "phone", "email", "specialties", "active")
    form_overrides = {"role": SelectField, "specialties": CommaListField}
    form_args = {
        "name": {"validators": [DataRequired()]},
        "role": {"choices": _choices(STAFF_ROLES, ROLE_LABELS)},
        "phone": {
            "validators": [e164_phone],
            "description": "With country code, e.g. +44 7700 900123. "
            "Staff who text the studio number from it get the staff commands.",
        },
        "email": {"validators": [Optional(), Regexp(EMAIL, message="That doesn't look like an email address.")]},
        "specialties": {"description": "Comma-separated, e.g. yoga, pilates"},
    }
    can_export = True
    in_use_message = "This person still teaches classes or has bookings; untick Active instead."

    def _owner_only(self) -> bool:
        return current_user.role != "owner"

    def _limit_roles(self, form: Any) -> Any:
        if self._owner_only():
            form.role.choices = [c for c in form.role.choices if c[0] != "owner"]
        return form

    def create_form(self, obj: Any = None) -> Any:
        return self._limit_roles(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._limit_roles(super().edit_form(obj))

    def get_one(self, id: Any) -> Any:
        model = super().get_one(id)
        if model.role == "owner" and self._owner_only() and request.endpoint.endswith(("edit_view", "delete_view")):
            abort(403)
        return model

    def handle_action(self, return_view: str | None = None):
        if self._owner_only():
            ids = [int(i) for i in request.form.getlist("rowid") if i.isdigit()]
            if ids and self.session.scalar(
                select(func.count(Staff.id)).where(Staff.id.in_(ids), Staff.role == "owner")
            ):
                abort(403)
        return super().handle_action(return_view)

    def _owners_left(self, model: Any) -> int:
        return (
            self.session.scalar(
                select(func.count(Staff.id)).where(Staff.role == "owner", Staff.active.is_(True), Staff.id != model.id)
            )
            or 0
        )

    def check_change(self, model: Any, is_created: bool) -> None:
        if model.role == "owner" and self._owner_only():
            abort(403)  # the form refuses it too; this is the server-side wall
        if not is_created:
            was = audit.committed_snapshot(model)
            if was["role"] == "owner" and self._owner_only():
                abort(403)
            if (
                was["role"] == "owner"
                and was["active"]
                and not (model.role == "owner" and model.active)
                and self._owners_left(model) == 0
            ):
                raise ValidationError("A studio needs at least one active owner.")

    def check_delete(self, model: Any) -> None:
        if model.role == "owner" and self._owner_only():
            abort(403)
        if model.id == current_user.login.staff_id:
            raise ValidationError("You can't delete yourself.")
        if model.role == "owner" and self._owners_left(model) == 0:
            raise ValidationError("A studio needs at least one active owner.")


# --------------------------------------------------------------------------- timetable


def _time(view: Any, context: Any, model: Any, name: str) -> str:
    value = getattr(model, name)
    return value.strftime("%H:%M") if value else ""


class ScheduleView(SetupModelView):
    """Weekly timetable lines, and the button that turns them into dated sessions."""

    capability = "catalog"
    entity = "schedule"
    has_key = False
    list_template = "setup/schedules.html"
    column_list = ("class_type", "weekdays", "start_time", "location", "instructor", "starts_on", "ends_on", "active")
    column_labels = {
        "class_type": "Class",
        "weekdays": "Days",
        "start_time": "Starts",
        "starts_on": "From",
        "ends_on": "Until",
    }
    column_formatters = {
        "class_type": lambda v, c, m, n: m.class_type.name,
        "location": lambda v, c, m, n: m.location.name,
        "instructor": lambda v, c, m, n: m.instructor.name if m.instructor else "",
        "weekdays": lambda v, c, m, n: ", ".join(WEEKDAY_LABELS.get(d, d) for d in m.days),
        "start_time": _time,
    }
    column_sortable_list = ("start_time", "starts_on")
    form_columns = (
        "class_type",
        "location",
        "instructor",
        "weekdays",
        "start_time",
        "duration_min",
        "capacity",
        "starts_on",
        "ends_on",
        "active",
    )
    form_overrides = {"weekdays": WeekdaysField, "start_time": TimeField}
    form_widget_args = {"start_time": {"data-date-format": "HH:mm", "placeholder": "18:30"}}
    form_args = {
        "class_type": {"label": "Class", "get_label": "name", "validators": [DataRequired()]},
        "location": {"get_label": "name", "validators": [DataRequired()]},
        "instructor": {"get_label": "name", "blank_text": "No instructor"},
        "start_time": {
            "label": "Starts at (local time)",
            "validators": [DataRequired(message="Give the start time as HH:MM, e.g. 18:30.")],
            "formats": ("%H:%M", "%H:%M:%S", "%I:%M %p"),
            "default_format": "%H:%M",
        },
        "duration_min": {
            "label": "Minutes (blank: the class type's)",
            "validators": [Optional(), NumberRange(min=5, max=600)],
        },
        "capacity": {"label": "Capacity (blank: the class type's)", "validators": [Optional(), NumberRange(min=1)]},
        "starts_on": {"label": "From", "validators": [DataRequired()]},
        "ends_on": {"label": "Until (blank: no end)"},
    }

    def check_change(self, model: Any, is_created: bool) -> None:
        if model.ends_on is not None and model.ends_on < model.starts_on:
            raise ValidationError("The schedule can't end before it starts.")

    def get_save_return_url(self, model: Any, is_created: bool = False) -> str:
        """After saving a schedule: the list, offering to generate its sessions at once."""
        return url_for(f"{self.endpoint}.index_view", saved=model.id)

    @expose("/generate/", methods=("POST",))
    def generate_view(self):
        """Create the coming sessions of every active schedule (up to the booking window),
        in each location's timezone, with one audit line."""
        session = self.session
        days = load_policy(session).booking_window_days
        line = audit.record(
            session,
            actor=audit.staff_actor(current_user.login),
            action="generate_sessions",
            entity="schedule",
            after={"days": days},
        )
        created = generate_sessions(session, days=days)
        line.after = {"days": days, "created": created}
        session.commit()  # the view is the outermost caller: the sessions and their audit line together
        flash(
            f"{created} new session{'s' if created != 1 else ''} added for the next {days} days."
            if created
            else f"Every session for the next {days} days is already there.",
            "success",
        )
        return redirect(url_for(".index_view"))


# --------------------------------------------------------------------------- audit


def _when(view: Any, context: Any, model: Any, name: str) -> str:
    return model.created_at.astimezone(studio_timezone(view.session)).strftime("%a %d %b %Y %H:%M")


ENTITY_LABELS = {
    "studio_settings": "Studio settings",
    "location": "Location",
    "class_type": "Class type",
    "staff": "Staff",
    "schedule": "Schedule",
    "package": "Package",
    "intro_offer": "Intro offer",
    "session": "Session",
    "client": "Client",
    "booking": "Booking",
    "credits": "Credits",
}
ACTION_LABELS = {"create": "Added", "edit": "Changed", "delete": "Deleted", "generate_sessions": "Generated sessions"}


def _changes(view: Any, context: Any, model: Any, name: str) -> str:
    before, after = model.before or {}, model.after or {}
    if model.action == "edit":
        keys = [k for k in after if before.get(k) != after.get(k)]
        return ", ".join(keys)
    return ""


def _json(view: Any, context: Any, model: Any, name: str) -> Markup:
    value = getattr(model, name)
    if value is None:
        return Markup("")
    return Markup("<pre style='white-space:pre-wrap'>%s</pre>") % escape(json.dumps(value, indent=2, sort_keys=True))


class AuditLogView(SetupModelView):
    """Read-only: who changed what, newest first."""

    capability = "audit"
    entity = "audit_log"
    has_key = False
    can_create = False
    can_edit = False
    can_delete = False
    action_disallowed_list = ("delete",)
    column_list = ("created_at", "actor", "action", "entity", "entity_id", "changes")
    column_labels = {"created_at": "When", "actor": "Who", "entity": "What", "entity_id": "Id", "changes": "Changed"}
    column_formatters = {
        "created_at": _when,
        "changes": _changes,
        "entity": lambda v, c, m, n: ENTITY_LABELS.get(m.entity, m.entity),
        "action": lambda v, c, m, n: ACTION_LABELS.get(m.action, m.action),
    }
    column_formatters_detail = {
        "created_at": _when,
        "before": _json,
        "after": _json,
        "entity": lambda v, c, m, n: ENTITY_LABELS.get(m.entity, m.entity),
    }
    column_filters = ("action", "entity", "actor")
    column_searchable_list = ("actor", "entity", "entity_id")
    column_default_sort = [("created_at", True), ("id", True)]
    column_sortable_list = ("created_at",)
