"""The public intro-offer page: ``/s/<studio>/intro/<offer>``.

GET shows the offer (name, price, what's included) and a short form; POST checks it,
records the lead and sends the phone to the checkout. Bad input shows the form again with
the reasons and writes nothing; an unknown studio or offer, or one no longer offered, is a
404. Plain, mobile-first HTML with the CSS inline: one request, nothing else to load.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, make_response, redirect, render_template, request
from sqlalchemy import select

from app.booking import leads
from app.db import get_db
from app.models import ClassType, IntroOffer, Studio
from app.notify.leads import words_for
from app.payments.checkout import start_checkout
from app.payments.errors import PaymentError
from app.phones import InvalidPhone, studio_region, to_e164
from app.web.public import studio_or_404

bp = Blueprint("intro_page", __name__)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LIMITS = {"name": 100, "email": 254, "goals": 1000}


def _offer(s, key: str) -> IntroOffer:
    offer = s.scalars(select(IntroOffer).where(IntroOffer.key == key, IntroOffer.active.is_(True))).first()
    if offer is None:
        abort(404)
    return offer


def check(form, region: str | None) -> tuple[leads.LeadForm | None, dict[str, str]]:
    """The lead form, or the reasons it can't be accepted (field -> sentence)."""
    errors: dict[str, str] = {}
    values = {k: (form.get(k) or "").strip() for k in ("name", "phone", "email", "goals")}
    if not values["name"]:
        errors["name"] = "Please tell us your name."
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            errors[field] = f"Please keep this under {limit} characters."
    phone = None
    if not values["phone"]:
        errors["phone"] = "Please give a mobile number so we can text you."
    else:
        try:
            phone = to_e164(values["phone"], region)
        except InvalidPhone:
            errors["phone"] = "That doesn't look like a phone number. Try e.g. 07700 900123."
    if values["email"] and not EMAIL.match(values["email"]):
        errors["email"] = "That doesn't look like an email address."
    if errors or phone is None:  # no phone is one of the errors
        return None, errors
    return leads.LeadForm(values["name"], phone, values["email"] or None, values["goals"] or None), {}


def submits_refused(_limit) -> Response:
    """The offer page again with a 429 once this address has spent its submits (app.web.limits)."""
    args = request.view_args or {}
    studio = studio_or_404(str(args.get("studio_key", "")))
    with get_db().studio(studio.id) as s:
        page = _page(s, studio, str(args.get("offer_key", "")))
    page.update(values=request.form, problem="Too many tries from here. Please wait a few minutes, or text the studio.")
    return make_response(render_template("intro/offer.html", **page), 429)


@bp.route("/s/<studio_key>/intro/<offer_key>", methods=["GET", "POST"])
def intro_offer(studio_key: str, offer_key: str):
    """The page is worked out inside one unit of work and rendered after it has ended: the
    template may open a session of its own (flask-login's user, for a signed-in admin),
    which on SQLite would wait on this one's write lock."""
    studio = studio_or_404(studio_key)
    with get_db().studio(studio.id) as s:
        outcome = _intro(s, studio, offer_key)
    if isinstance(outcome, str):
        return redirect(outcome, code=303)
    page, status = outcome
    return render_template("intro/offer.html", **page), status


def _page(s, studio: Studio, offer_key: str) -> dict:
    offer = _offer(s, offer_key)
    return {
        "studio": studio,
        "offer": offer,
        "class_type": s.get(ClassType, offer.class_type_id),
        "errors": {},
        "values": {},
        "money": words_for(s).money(offer.price),
        "problem": None,
    }


def _intro(s, studio: Studio, offer_key: str) -> str | tuple[dict, int]:
    """The checkout URL to send the prospect to, or the page to show and its status."""
    page = _page(s, studio, offer_key)
    offer = page["offer"]
    if request.method == "GET":
        return page, 200
    form, errors = check(request.form, studio_region(studio))
    if form is None:
        page.update(errors=errors, values=request.form)
        return page, 400
    settings = current_app.config["FRONTDESK"]
    base = None if settings.public_base_url else request.url_root.rstrip("/")
    try:
        with s.begin_nested():  # a refused checkout takes its lead with it
            lead = leads.create_lead(s, offer, form)
            payment = start_checkout(s, item=offer, client_id=lead.client_id, lead_id=lead.id, base_url=base)
    except PaymentError:
        page.update(
            values=request.form,
            problem="Online payment isn't available right now. Please try again later or contact the studio.",
        )
        return page, 503
    return payment.checkout_url
