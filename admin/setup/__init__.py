"""Studio setup (Flask-Admin at /admin/setup): settings & policies, locations, class types,
staff, weekly schedules (with "Generate sessions"), packages, intro offers, audit log.

Every view is guarded by the ``admin.roles`` matrix on every endpoint, queries only
through the signed-in studio's session (``scope.py``), and writes an audit line with each
create, edit and delete (``base.py``). Templates live in ``admin/templates/setup/``;
Flask-Admin's own (``admin/master.html``, ``admin/model/*``) come from its package.
The base template is ours (``setup/base.html``), not Flask-Admin's ``admin/base.html``,
whose name the panel's own layout already uses.
"""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme

from admin.setup.base import Guarded
from admin.setup.scope import request_sessions
from admin.setup.settings import StudioSettingsView
from admin.setup.views import (
    AuditLogView,
    ClassTypeView,
    IntroOfferView,
    LocationView,
    PackageView,
    ScheduleView,
    StaffView,
)
from app.models import AuditLog, ClassType, IntroOffer, Location, Package, Schedule, Staff

SECTIONS = (
    # (menu label, endpoint, url, blurb)
    (
        "Studio & policies",
        "setup_studio",
        "studio",
        "Name, timezone, booking and cancellation rules, waitlist, reminders, quiet hours, WhatsApp.",
    ),
    ("Locations", "setup_locations", "locations", "Where classes happen, each with its timezone."),
    ("Class types", "setup_class_types", "class-types", "What you teach: category, length, capacity, credits."),
    ("Staff", "setup_staff", "staff", "Owners, managers, instructors and front desk."),
    ("Schedules", "setup_schedules", "schedules", "The weekly timetable, and the button that fills the calendar."),
    ("Packages", "setup_packages", "packages", "Drop-ins, class packs and memberships."),
    ("Intro offers", "setup_intro_offers", "intro-offers", "First-visit offers for new leads."),
    ("Audit log", "setup_audit", "audit", "Who changed what, newest first."),
)


class SetupHome(Guarded, AdminIndexView):
    """``setup.index``: the sections the signed-in role may open."""

    capability = "catalog"

    @expose()
    def index(self):
        sections = [s for s in self.admin._views if s is not self and s.is_accessible()]
        blurbs = {endpoint: blurb for _, endpoint, _, blurb in SECTIONS}
        return self.render("setup/index.html", sections=sections, blurbs=blurbs)


def init_app(app: Flask) -> Admin:
    sessions = request_sessions(app)
    setup = Admin(
        name="Setup",
        url="/admin/setup",
        endpoint="setup",
        index_view=SetupHome(name="Setup", endpoint="setup", url="/admin/setup", template="setup/index.html"),
        theme=Bootstrap4Theme(base_template="setup/base.html"),
    )
    urls = {endpoint: (label, url) for label, endpoint, url, _ in SECTIONS}

    def named(endpoint: str) -> dict:
        label, url = urls[endpoint]
        return {"name": label, "endpoint": endpoint, "url": url}

    setup.add_view(StudioSettingsView(sessions, **named("setup_studio")))
    setup.add_view(LocationView(Location, sessions, **named("setup_locations")))
    setup.add_view(ClassTypeView(ClassType, sessions, **named("setup_class_types")))
    setup.add_view(StaffView(Staff, sessions, **named("setup_staff")))
    setup.add_view(ScheduleView(Schedule, sessions, **named("setup_schedules")))
    setup.add_view(PackageView(Package, sessions, **named("setup_packages")))
    setup.add_view(IntroOfferView(IntroOffer, sessions, **named("setup_intro_offers")))
    setup.add_view(AuditLogView(AuditLog, sessions, **named("setup_audit")))
    setup.init_app(app)
    return setup
