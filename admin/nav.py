"""The panel's navigation: one entry per page, shown only to roles that may open it."""

from __future__ import annotations

from flask import current_app, url_for
from flask_login import current_user

from admin.roles import can

# (label, endpoint, capability)
NAV: list[tuple[str, str, str]] = [
    ("Dashboard", "admin_dashboard.index", "dashboard"),
    ("Calendar", "admin_calendar.week", "calendar"),
    ("Clients", "admin_clients.index", "clients"),
    ("Messages", "admin_messages.index", "inbox"),
    ("Leads", "admin_leads.board", "leads"),
    ("Playground", "admin_playground.index", "playground"),
    ("Payments", "admin_payments.index", "refunds"),
    ("Setup", "setup.index", "catalog"),
]


def nav_items() -> list[dict[str, str]]:
    """The entries the signed-in staff member may open, for the page header."""
    if not current_user.is_authenticated:
        return []
    views = current_app.view_functions
    return [
        {"label": label, "url": url_for(endpoint)}
        for label, endpoint, capability in NAV
        if endpoint in views and can(current_user.role, capability)
    ]
