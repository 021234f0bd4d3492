"""The intro-leads board: every lead by stage with the funnel figures, and a lead page where
an owner or manager matches from the top three or picks an instructor and a time.

Thin views over ``app.booking.leads`` (and ``lead_board`` for the figures): the same use
cases and rules as matching by text (the instructor is asked by SMS and must accept). A lead
id of another studio is not found in the signed-in studio's scope: 404. Each view is one
unit of work (``get_db().studio``): it commits when the view's block ends.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from admin.roles import require
from app import audit
from app.booking import lead_board, leads
from app.booking.schedules import local_instant
from app.db import get_db
from app.models import BookingRequest, IntroOffer, Lead, Location, Staff, Studio
from app.notify.views import studio_view
from bot.nlu.preferences import when_label
from bot.replies import Words

bp = Blueprint("admin_leads", __name__, url_prefix="/admin/leads", template_folder="templates")

REFUSALS = {
    "already_matched": "This lead has already been matched.",
    "unpaid": "This lead hasn't paid yet.",
    "no_open": "There is nothing to match for this lead.",
}


def _words(studio: Studio) -> Words:
    return Words(studio_view(studio))


def _lead_or_404(s, lead_id: int) -> Lead:
    lead = s.get(Lead, lead_id)
    if lead is None:
        abort(404)
    return lead


def _deliver(studio_id: int) -> None:
    deliver = current_app.extensions.get("frontdesk.deliver")
    if deliver is not None:
        deliver(studio_id)


@bp.get("")
@require("leads")
def board():
    with get_db().studio(current_user.studio_id) as s:
        studio = s.get(Studio, current_user.studio_id)
        columns, steps = lead_board.board(s)
        all_offers = list(s.scalars(select(IntroOffer).order_by(IntroOffer.name)))
        offers = {o.id: o.name for o in all_offers}
        pages = [
            (o.name, url_for("intro_page.intro_offer", studio_key=studio.key, offer_key=o.key, _external=True))
            for o in all_offers
            if o.active
        ]
        return render_template(
            "admin/leads.html",
            columns={stage: rows for stage, rows in columns.items() if rows},
            steps=steps,
            offers=offers,
            pages=pages,
            labels=lead_board.STAGE_LABELS,
            w=_words(studio),
        )


@bp.get("/<int:lead_id>")
@require("leads")
def lead_page(lead_id: int):
    with get_db().studio(current_user.studio_id) as s:
        studio = s.get(Studio, current_user.studio_id)
        lead = _lead_or_404(s, lead_id)
        w = _words(studio)
        staff = {m.id: m for m in s.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.name))}
        locations = {loc.id: loc for loc in s.scalars(select(Location).order_by(Location.id))}
        can_match = lead.paid_at is not None and lead.status in leads.OPEN_FOR_MATCHING
        options = leads.options_for(s, lead) if can_match else []
        shown = [
            {
                "n": n,
                "staff": staff.get(o["staff_id"]),
                "location": locations.get(o["location_id"]),
                "starts_at": o["starts_at"],
                "when": w.when(datetime.fromisoformat(o["starts_at"])),
            }
            for n, o in enumerate(options, 1)
        ]
        requests = s.scalars(
            select(BookingRequest).where(BookingRequest.lead_id == lead.id).order_by(BookingRequest.id)
        ).all()
        prefs = lead.preferences or {}
        return render_template(
            "admin/lead.html",
            lead=lead,
            w=w,
            options=shown,
            requests=requests,
            staff=staff,
            locations=locations,
            can_match=can_match,
            offer=s.get(IntroOffer, lead.intro_offer_id) if lead.intro_offer_id else None,
            where=prefs.get("location"),
            when=when_label(prefs.get("days_label"), prefs.get("times_label"))
            if prefs.get("days") is not None
            else None,
            label=lead_board.STAGE_LABELS.get(lead.status, lead.status),
            instructors=[m for m in staff.values() if m.role in ("instructor", "owner", "manager")],
        )


def _slot_from_form(studio: Studio) -> tuple[int | None, int | None, datetime | None, str | None]:
    """(staff, location, start) from either an option's hidden fields or the pick form."""
    f = request.form
    try:
        staff_id = int(f.get("staff_id", ""))
    except ValueError:
        return None, None, None, "Choose an instructor."
    location_id = int(f["location_id"]) if f.get("location_id", "").isdigit() else None
    if f.get("starts_at"):
        try:
            at = datetime.fromisoformat(f["starts_at"])
        except ValueError:
            return None, None, None, "That time isn't valid."
        if at.tzinfo is None:
            return None, None, None, "That time isn't valid."
        return staff_id, location_id, at, None
    try:
        day = date.fromisoformat(f.get("day", ""))
        clock_time = time.fromisoformat(f.get("time", ""))
    except ValueError:
        return None, None, None, "Give a date and a time."
    return staff_id, location_id, local_instant(day, clock_time, studio.timezone), None


@bp.post("/<int:lead_id>/match")
@require("leads")
def match(lead_id: int):
    with get_db().studio(current_user.studio_id) as s:
        studio = s.get(Studio, current_user.studio_id)
        lead = _lead_or_404(s, lead_id)
        staff_id, location_id, at, problem = _slot_from_form(studio)
        if problem is None and (
            s.get(Staff, staff_id) is None or (location_id is not None and s.get(Location, location_id) is None)
        ):
            abort(404)
        if problem is not None:
            flash(problem, "error")
            return redirect(url_for("admin_leads.lead_page", lead_id=lead.id))
        before = audit.snapshot(lead)
        try:
            request_row = leads.choose_slot(
                s, lead.id, staff_id, [at], actor=f"staff:{current_user.login.staff_id}", location_id=location_id
            )
        except leads.MatchRefused as exc:  # the use case wrote nothing; nor does the view
            flash(REFUSALS.get(exc.kind) or f"That slot doesn't work: {exc.reason}.", "error")
            return redirect(url_for("admin_leads.lead_page", lead_id=lead_id))
        # commits with the match when the block ends
        audit.record(
            s,
            actor=audit.staff_actor(current_user.login),
            action="match",
            entity="lead",
            entity_id=lead.id,
            before=before,
            after={"staff_id": staff_id, "location_id": location_id, "starts_at": at.isoformat()},
        )
        instructor = s.get(Staff, request_row.staff_id)
        flash(
            f"Asked {instructor.name} by text to take {lead.name}, "
            f"{_words(studio).when(request_row.proposed_start)}. You'll get a text when they answer."
        )
    _deliver(current_user.studio_id)
    return redirect(url_for("admin_leads.lead_page", lead_id=lead_id))
