"""The studio permission matrix: which role may do what, checked on the server.

Pages and actions name a capability; ``require`` refuses (403) a staff member whose
role lacks it, whatever the page showed. Instructors additionally see only their own
classes and requests: views that list sessions filter by ``own_only()``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

ALL = frozenset({"owner", "manager", "front_desk", "instructor"})
DESK = frozenset({"owner", "manager", "front_desk"})
MANAGERS = frozenset({"owner", "manager"})
OWNER = frozenset({"owner"})

CAPABILITIES: dict[str, frozenset[str]] = {
    "dashboard": DESK,  # figures for the whole studio
    "calendar": ALL,  # instructors see their own classes only
    "roster": ALL,  # check-in and no-show; instructors on their own classes
    "sessions": DESK,  # cancel or move a session (texts the booked clients)
    "clients": DESK,  # search, profile, book a client, import
    "credits": MANAGERS,  # grant credits by hand
    "messages": DESK,  # every conversation, and the outbox
    "inbox": ALL,  # read and answer threads; instructors only their own clients'
    "playground": DESK,
    "settings": MANAGERS,  # studio settings, policies, locations
    "catalog": MANAGERS,  # class types, schedules, packages, intro offers, prices
    "staff": MANAGERS,  # managers cannot make or unmake owners
    "leads": MANAGERS,
    "refunds": MANAGERS,
    "requests": ALL,  # 1:1 requests; instructors see their own
    "ownership": OWNER,
    "payouts": OWNER,  # Stripe Connect
    "audit": MANAGERS,
}


def can(role: str | None, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    return role in CAPABILITIES[capability]


def own_only() -> bool:
    """True when the signed-in staff member sees only their own classes."""
    return current_user.role == "instructor"


def require(capability: str) -> Callable:
    """View decorator: signed in, and the role has ``capability``; otherwise 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not can(current_user.role, capability):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate
