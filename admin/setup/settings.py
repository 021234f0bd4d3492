"""Studio settings & policies: the studio's one row and its one policy row, on one page.

Edit only: a studio is created by sign-up and never deleted from here. The studio row
is a global table, so this page reads it by the signed-in studio's id and nothing else.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import BooleanField, DecimalField, Form, IntegerField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from admin import remember_studio_name
from admin.onboarding import CURRENCIES, DATE_ORDERS
from admin.setup.base import GuardedView
from admin.setup.fields import HoursListField, TimezoneField, e164_phone
from admin.setup.views import EMAIL
from app import audit
from app.booking.policies import load_policy
from app.conversation.desk import forget_catalog
from app.db import get_db
from app.models import LATE_CANCEL_RULES, OVERLAP_RULES, WAITLIST_MODES, InboundAddress, Studio
from app.phones import InvalidPhone, to_e164


def numbers_taken(posted: Any) -> dict[str, str]:
    """For each number typed in the form that another studio already receives texts on, why
    it can't be saved here. A cross-studio look-up, so it runs in an explicit system session
    (the global inbound-address map and the studios' own numbers)."""
    wanted: dict[str, str] = {}
    for field in NUMBER_FIELDS:
        try:
            wanted[field] = to_e164(posted.get(field, ""))
        except InvalidPhone:
            continue
    if not wanted:
        return {}
    values = set(wanted.values())
    mine = current_user.studio_id
    with get_db().system("studio settings: is this Twilio number another studio's?") as s:
        owned = set(
            s.scalars(
                select(InboundAddress.address).where(
                    InboundAddress.address.in_(values), InboundAddress.studio_id != mine
                )
            )
        )
        for sms, whatsapp in s.execute(
            select(Studio.sms_number, Studio.whatsapp_number).where(
                Studio.id != mine, or_(Studio.sms_number.in_(values), Studio.whatsapp_number.in_(values))
            )
        ):
            owned |= {sms, whatsapp} & values
    return {
        field: "Another studio already uses this number. Check it in your Twilio console."
        for field, value in wanted.items()
        if value in owned
    }


def _addresses(session: Any, studio: Studio) -> None:
    """The inbound-address map follows the studio's numbers: texts to them reach this studio."""
    wanted = {(NUMBER_FIELDS[f], getattr(studio, f)) for f in NUMBER_FIELDS if getattr(studio, f)}
    rows = session.scalars(select(InboundAddress).where(InboundAddress.studio_id == studio.id)).all()
    for row in rows:
        if (row.channel, row.address) not in wanted:
            session.delete(row)
    have = {(r.channel, r.address) for r in rows}
    for channel, address in wanted - have:
        session.add(InboundAddress(channel=channel, address=address, studio_id=studio.id))


RULES = [("forfeit_credit", "The client loses the credit"), ("fee", "Charge a fee"), ("none", "Nothing happens")]
WAITLIST = [
    ("offer", "Text the next person an offer to claim"),
    ("auto", "Book the next person automatically"),
    ("broadcast", "Text everyone waiting; first to reply gets it"),
]
FALLBACK = [("sms", "Send it by SMS instead"), ("none", "Hold it")]
OVERLAP = [("ask", "Ask the client first"), ("allow", "Allow it"), ("refuse", "Refuse it")]
assert {v for v, _ in RULES} == set(LATE_CANCEL_RULES) and {v for v, _ in WAITLIST} == set(WAITLIST_MODES)
assert {v for v, _ in OVERLAP} == set(OVERLAP_RULES)

STUDIO_FIELDS = (
    "name",
    "timezone",
    "currency",
    "date_order",
    "contact_phone",
    "contact_email",
    "sms_number",
    "whatsapp_number",
    "whatsapp_template_sid",
    "whatsapp_fallback",
)
NUMBER_FIELDS = {"sms_number": "sms", "whatsapp_number": "whatsapp"}  # field -> inbound channel
POLICY_FIELDS = (
    "booking_window_days",
    "cancel_window_hours",
    "late_cancel",
    "late_cancel_fee",
    "no_show",
    "no_show_fee",
    "waitlist_mode",
    "waitlist_offer_minutes",
    "fill_to_forgive",
    "reminder_hours",
    "quiet_start",
    "quiet_end",
    "no_show_review_hours",
    "waitlist_cutoff_minutes",
    "overlap_rule",
    "late_arrival_minutes",
    "self_check_in",
    "check_in_opens_minutes",
    "human_idle_minutes",
    "erasure_by_text",
)
BLANK_MEANS = {
    "check_in_opens_minutes": 30,
    "human_idle_minutes": 60,
}  # a blank optional field with a NOT NULL column: its default
MONEY = [InputRequired(message="Give an amount (0 for none)."), NumberRange(min=0, max=10000)]


class SettingsForm(Form):
    name = StringField("Studio name", [DataRequired(), Length(max=200)])
    timezone = TimezoneField("Studio timezone")
    currency = SelectField("Currency", choices=[(c, c) for c in CURRENCIES])
    date_order = SelectField("Dates and times", choices=list(DATE_ORDERS))
    contact_phone = StringField("Phone clients can call", [e164_phone])
    contact_email = StringField(
        "Email", [Optional(), Regexp(EMAIL, message="That doesn't look like an email address.")]
    )
    booking_window_days = IntegerField("Clients can book up to (days ahead)", [InputRequired(), NumberRange(1, 365)])
    cancel_window_hours = IntegerField(
        "Free cancellation until (hours before class)", [InputRequired(), NumberRange(0, 168)]
    )
    late_cancel = SelectField("When someone cancels late", choices=RULES)
    late_cancel_fee = DecimalField("Late-cancel fee", MONEY, places=2)
    no_show = SelectField("When someone doesn't show up", choices=RULES)
    no_show_fee = DecimalField("No-show fee", MONEY, places=2)
    fill_to_forgive = BooleanField("Forgive a late cancel when someone from the waitlist takes the spot")
    waitlist_mode = SelectField("When a spot frees up", choices=WAITLIST)
    waitlist_offer_minutes = IntegerField("Minutes to claim an offered spot", [InputRequired(), NumberRange(5, 1440)])
    reminder_hours = HoursListField(
        "Reminders (hours before class)", description="Comma-separated, e.g. 24, 2. Leave blank for no reminders."
    )
    quiet_start = TimeField("Quiet hours start", [Optional()], description="No texts between these times, e.g. 21:00")
    quiet_end = TimeField("Quiet hours end", [Optional()], description="e.g. 08:00")
    no_show_review_hours = IntegerField(
        "Hours to review no-shows before the rule applies",
        [InputRequired(), NumberRange(0, 168)],
        description="Check clients in or waive until then; the client is told only after.",
    )
    waitlist_cutoff_minutes = IntegerField(
        "No waitlist offers this close to class (minutes)",
        [InputRequired(), NumberRange(0, 1440)],
        description="Inside it a freed spot stays open for anyone to book.",
    )
    overlap_rule = SelectField("Booking a class that overlaps one already booked", choices=OVERLAP)
    late_arrival_minutes = IntegerField(
        "Doors close (minutes after the start)",
        [Optional(), NumberRange(0, 240)],
        description="Late arrivals are told this when they text they're running late. Blank: no rule.",
    )
    self_check_in = BooleanField("Clients can check in by text")
    check_in_opens_minutes = IntegerField(
        "Check-in by text opens (minutes before class)",
        [Optional(), NumberRange(0, 240)],
        description="Blank: 30. It closes when the doors do, or at the end of the class.",
    )
    whatsapp_template_sid = StringField(
        "WhatsApp template (Content SID)",
        [Optional(), Length(max=64)],
        description="Approved template for texts outside WhatsApp's 24-hour window.",
    )
    whatsapp_fallback = SelectField("Without a template, outside the 24-hour window", choices=FALLBACK)
    sms_number = StringField(
        "SMS number (Twilio)",
        [e164_phone],
        description="The number clients text, as bought in Twilio, with its country code: +1 415 555 0100.",
    )
    whatsapp_number = StringField(
        "WhatsApp number (Twilio)",
        [e164_phone],
        description="Your WhatsApp sender in Twilio; it may be the same as the SMS number. Blank: no WhatsApp.",
    )
    erasure_by_text = SelectField(
        "When a client texts asking to delete their data (and confirms with YES)",
        choices=[("staff", "Staff carry it out from the client's page"), ("auto", "Erase it at once")],
    )
    human_idle_minutes = IntegerField(
        "When staff take a conversation over, the bot takes it back after (minutes without a staff reply)",
        [Optional(), NumberRange(5, 10080)],
        description="Blank: 60. Staff can also hand it back from the thread at any time.",
    )

    taken: dict[str, str] = {}  # number field -> why it can't be this studio's (set by the view)

    def validate_sms_number(self, field: Any) -> None:
        if field.data and "sms_number" in self.taken:
            raise ValidationError(self.taken["sms_number"])

    def validate_whatsapp_number(self, field: Any) -> None:
        if field.data and "whatsapp_number" in self.taken:
            raise ValidationError(self.taken["whatsapp_number"])

    def validate_currency(self, field: Any) -> None:
        if not re.fullmatch(r"[A-Z]{3}", field.data or ""):
            raise ValidationError("Choose the studio's currency.")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.quiet_start.data, self.quiet_end.data
        if not self.quiet_start.errors and not self.quiet_end.errors:
            if (start is None) != (end is None):
                self.quiet_end.errors = [
                    *self.quiet_end.errors,
                    "Give both a start and an end for quiet hours, or neither.",
                ]
                valid = False
            elif start is not None and start == end:
                self.quiet_end.errors = [*self.quiet_end.errors, "Quiet hours can't start and end at the same time."]
                valid = False
        return valid

    def validate_whatsapp_template_sid(self, field: Any) -> None:
        if field.data and not field.data.startswith("HX"):
            raise ValidationError("Content SIDs start with HX (see your Twilio console).")


class StudioSettingsView(GuardedView):
    capability = "settings"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        # before this page's own session starts: is a number typed here another studio's?
        taken = numbers_taken(request.form) if request.method == "POST" else {}
        session = self.sessions
        studio = session.get(Studio, current_user.studio_id)
        policy = load_policy(session)
        initial = {**{f: getattr(studio, f) for f in STUDIO_FIELDS}, **{f: getattr(policy, f) for f in POLICY_FIELDS}}
        form = SettingsForm(request.form if request.method == "POST" else None, data=initial)
        form.taken = taken
        if studio.currency not in {c for c, _ in form.currency.choices}:  # a code set by a fixture
            form.currency.choices = [(studio.currency, studio.currency), *form.currency.choices]
        if request.method == "POST":
            if form.validate():
                self._save(session, studio, policy, form)
                flash("Settings saved.", "success")
                return redirect(url_for(".index"))
            flash("Please fix the fields marked below; nothing was saved.", "error")
        return self.render("setup/settings.html", form=form, studio=studio), 400 if form.errors else 200

    def _save(self, session: Any, studio: Studio, policy: Any, form: SettingsForm) -> None:
        """One transaction: both rows and the audit line."""
        before = {"studio": audit.snapshot(studio), "policy": audit.snapshot(policy) if policy.id else None}
        for field in STUDIO_FIELDS:
            setattr(studio, field, getattr(form, field).data)
        for field in POLICY_FIELDS:
            value = getattr(form, field).data
            if value is None and field in BLANK_MEANS:
                value = BLANK_MEANS[field]
            setattr(policy, field, Decimal(value) if isinstance(value, Decimal) else value)
        if policy.id is None:
            session.add(policy)
        _addresses(session, studio)
        session.flush()
        after = {"studio": audit.snapshot(studio), "policy": audit.snapshot(policy)}
        if after != before:
            audit.record(
                session,
                actor=audit.staff_actor(current_user.login),
                action="edit",
                entity="studio_settings",
                entity_id=studio.id,
                before=before,
                after=after,
            )
        session.commit()
        remember_studio_name(studio.id, studio.name)
        forget_catalog(studio.id)
