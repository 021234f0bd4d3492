"""Payments: what clients paid (flagged ones first), refunds, and the studio's Stripe account.

Thin views: each parses the form, calls one payments service in the staff member's studio
scope and maps its errors to a message or a status code. A payment of another studio is
simply not found (404).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import case, select

from admin.roles import can, require
from app.audit import record, snapshot, staff_actor
from app.booking.errors import NotFound
from app.db import get_db
from app.models import Client, Lead, Payment, Studio
from app.payments import connect, refunds
from app.payments.errors import PaymentError
from app.payments.fulfil import locked

bp = Blueprint("admin_payments", __name__, url_prefix="/admin/payments", template_folder="templates")

STATUS_LABELS = {
    "open": "Awaiting payment",
    "paid": "Paid",
    "expired": "Link expired",
    "refunded": "Refunded",
    "partially_refunded": "Partly refunded",
}
KIND_LABELS = {"package": "Package", "intro_offer": "Intro offer", "fee": "Fee"}


def _symbol(currency: str) -> str:
    return {"GBP": "£", "USD": "$", "EUR": "€", "AUD": "$", "CAD": "$"}.get(currency, currency + " ")


@bp.get("/")
@require("refunds")
def index():
    with get_db().studio(current_user.studio_id) as s:
        studio = s.get(Studio, current_user.studio_id)
        zone = ZoneInfo(studio.timezone)
        rows = s.execute(
            select(Payment, Client.name, Client.phone, Lead.name)
            .outerjoin(Client, Client.id == Payment.client_id)
            .outerjoin(Lead, Lead.id == Payment.lead_id)
            .order_by(
                case((Payment.needs_attention.is_(True), 0), else_=1), Payment.created_at.desc(), Payment.id.desc()
            )
            .limit(200)
        ).all()
        payments = [
            {
                "id": p.id,
                "when": p.created_at.astimezone(zone).strftime("%a %d %b %H:%M"),
                "who": client_name or lead_name or phone or "-",
                "item": p.item_name,
                "kind": KIND_LABELS.get(p.kind, p.kind),
                "amount": f"{_symbol(p.currency)}{p.amount:.2f}",
                "refunded": f"{_symbol(p.currency)}{p.amount_refunded:.2f}" if p.amount_refunded else None,
                "status": p.status,
                "status_label": STATUS_LABELS.get(p.status, p.status),
                "attention": p.needs_attention,
                "note": p.attention_note,
                "refundable": p.status in refunds.REFUNDABLE,
            }
            for p, client_name, phone, lead_name in rows
        ]
        account = connect.status(s, current_user.studio_id) if can(current_user.role, "payouts") else None
        return render_template("admin/payments.html", studio=studio.name, payments=payments, account=account)


@bp.post("/<int:payment_id>/refund")
@require("refunds")
def refund(payment_id: int):
    with get_db().studio(current_user.studio_id) as s:
        try:
            payment = refunds.refund_payment(s, payment_id, actor=staff_actor(current_user.login))
        except NotFound:
            abort(404)
        except PaymentError as exc:
            s.rollback()
            flash(f"Not refunded: {exc.reason}.")
            return redirect(url_for(".index"))
        flash(f"Refunded {payment.item_name}. Unused credits were taken back.")
    return redirect(url_for(".index"))


@bp.post("/<int:payment_id>/resolve")
@require("refunds")
def resolve(payment_id: int):
    """The owner has looked at a flagged payment: clear the flag (the note stays in the audit log)."""
    with get_db().studio(current_user.studio_id) as s:
        try:
            payment = locked(s, payment_id)
        except NotFound:
            abort(404)
        before = snapshot(payment)
        payment.needs_attention = False
        record(
            s,
            actor=staff_actor(current_user.login),
            action="resolve",
            entity="payment",
            entity_id=payment.id,
            before=before,
            after=snapshot(payment),
        )
        flash("Marked as dealt with.")
    return redirect(url_for(".index"))


@bp.post("/connect")
@require("payouts")
def connect_start():
    with get_db().studio(current_user.studio_id) as s:
        try:
            url = connect.onboarding_link(
                s,
                current_user.studio_id,
                return_url=url_for(".connect_return", _external=True),
                refresh_url=url_for(".connect_refresh", _external=True),
                actor=staff_actor(current_user.login),
            )
        except PaymentError as exc:
            s.rollback()
            flash(f"Could not start Stripe onboarding: {exc.reason}.")
            return redirect(url_for(".index"))
    return redirect(url, code=303)


@bp.get("/connect/refresh")
@require("payouts")
def connect_refresh():
    """Stripe sends the owner here when an onboarding link has expired: make a new one."""
    return connect_start()


@bp.get("/connect/return")
@require("payouts")
def connect_return():
    with get_db().studio(current_user.studio_id) as s:
        try:
            state = connect.refresh(s, current_user.studio_id)
        except PaymentError as exc:
            flash(f"Could not read the Stripe account: {exc.reason}.")
            return redirect(url_for(".index"))
    flash(
        "Stripe is connected: clients can pay by text."
        if state.stage == "ready"
        else "Stripe still needs a few details before payments can start."
    )
    return redirect(url_for(".index"))
