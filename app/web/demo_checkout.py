"""The payment link a client is texted, and the demo checkout used without Stripe keys.

``GET /pay/<token>`` sends the phone to Stripe Checkout (or the demo page). The demo page is
plainly labelled: no card is charged. Its Pay button builds the same
``checkout.session.completed`` event Stripe would send and hands it to the same handler as
the webhook, so the demo runs the real fulfilment path. With ``STRIPE_SECRET_KEY`` set the
demo pages do not exist (404), and without ``FRONTDESK_DEMO_PAYMENTS=1`` (set by
``./scripts/demo``) neither: nobody can pay for free on a live server that lost its key.

One request, one open session: each page is worked out in the token's unit of work and
rendered after it has closed (``_one_unit``); the Pay button's kick for the confirmation
texts runs after ``handle_event``'s commit and never fails the redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, Response, abort, current_app, redirect, render_template_string, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from app.booking.errors import NotFound
from app.booking.rows import row
from app.db import get_db
from app.models import Payment, Studio
from app.payments.checkout import by_token, destination, studio_of
from app.payments.errors import PaymentError
from app.payments.events import handle_event
from app.payments.money import to_minor
from app.payments.settings import demo_payments

bp = Blueprint("pay", __name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<style>body{margin:0;font:17px/1.5 system-ui,sans-serif;color:#1d2733;background:#f6f8f7}
main{max-width:420px;margin:2rem auto;padding:0 1rem}.card{background:#fff;border:1px solid #e3e8ee;border-radius:12px;padding:1.4rem}
.demo{background:#fff4d6;border:1px solid #e8c66a;border-radius:8px;padding:.6rem .8rem;font-weight:600}
.price{font-size:2rem;font-weight:700;margin:.3rem 0}button{width:100%;background:#2f6f5e;color:#fff;border:0;border-radius:10px;
padding:.9rem;font-size:1.1rem;cursor:pointer}.muted{color:#5d6b7a}</style></head><body><main><div class="card">
{% if demo %}<p class="demo">Demo checkout &mdash; no card is charged</p>{% endif %}
<p class="muted">{{ studio }}</p><h1 style="margin:.2rem 0">{{ heading }}</h1>
{% if price %}<p class="price">{{ price }}</p>{% endif %}
{% if message %}<p>{{ message }}</p>{% endif %}
{% if pay_url %}<form method="post" action="{{ pay_url }}"><button type="submit">Pay {{ price }} (demo)</button></form>
<p class="muted">This is a demonstration: pressing Pay records the payment as if a card had been charged.</p>{% endif %}
{% if link %}<p><a href="{{ link }}">Try again</a></p>{% endif %}
</div></main></body></html>"""


def _settings():
    return current_app.config["FRONTDESK"]


def _open(token: str):
    studio_id = studio_of(token)
    if studio_id is None:
        abort(404)
    return get_db().studio(studio_id)


def _payment_or_404(s, token: str) -> Payment:
    try:
        return by_token(s, token)
    except NotFound:
        abort(404)


def _price(payment: Payment) -> str:
    symbol = {"GBP": "£", "USD": "$", "EUR": "€", "AUD": "$", "CAD": "$"}.get(payment.currency, "")
    value = f"{payment.amount:.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {payment.currency}"


@dataclass(frozen=True)
class _Page:
    """A page worked out inside the unit of work and rendered after it has closed."""

    context: dict
    status: int = 200

    def render(self) -> Response:
        return Response(render_template_string(PAGE, **self.context), status=self.status)


def _page(s: Session, payment: Payment, status: int = 200, **kwargs) -> _Page:
    studio = row(s, Studio, payment.studio_id)
    context = {
        "title": payment.item_name,
        "studio": studio.name,
        "heading": payment.item_name,
        "demo": False,
        "price": None,
        "message": None,
        "pay_url": None,
        "link": None,
        **kwargs,
    }
    return _Page(context, status)


def _one_unit(view: Callable[[Session, str], _Page | BaseResponse]) -> Callable[[str], BaseResponse]:
    """Run ``view`` in the token's unit of work and render its page only once that has closed.

    Rendering runs the template context processors, and flask-login's loads the signed-in
    admin through a session of its own: inside our transaction (on SQLite, a write lock from
    BEGIN IMMEDIATE) that second session waited 30 s for the lock, then the page was a 500.
    """

    @wraps(view)
    def answer(token: str) -> BaseResponse:
        with _open(token) as s:
            result = view(s, token)
        return result.render() if isinstance(result, _Page) else result

    return answer


@bp.get("/pay/<token>")
@_one_unit
def pay(s: Session, token: str) -> _Page | BaseResponse:
    try:
        where = destination(s, token)
        payment = by_token(s, token)
    except NotFound:
        abort(404)
    except PaymentError as exc:
        s.rollback()
        return _page(s, by_token(s, token), 503, message=f"Paying online isn't available right now: {exc.reason}.")
    if where.kind == "stripe":
        assert where.url is not None, "destination() gives Stripe's Checkout URL"
        return redirect(where.url, code=303)
    if where.kind == "demo":
        return redirect(url_for("pay.demo", token=token), code=303)
    if where.kind == "paid":
        return _page(s, payment, message="This is paid. Thank you!")
    if where.kind == "nothing_owed":
        return _page(s, payment, message="Nothing to pay: this fee has been waived or paid already.")
    return _page(s, payment, message="This payment was refunded.")


@bp.get("/pay/demo/<token>")
@_one_unit
def demo(s: Session, token: str) -> _Page:
    if not demo_payments(_settings()):
        abort(404)
    payment = _payment_or_404(s, token)
    if payment.paid_at is not None:
        return _page(s, payment, demo=True, message="This is paid. Thank you!")
    return _page(s, payment, demo=True, price=_price(payment), pay_url=url_for("pay.demo_pay", token=token))


@bp.post("/pay/demo/<token>")
def demo_pay(token: str) -> BaseResponse:
    if not demo_payments(_settings()):
        abort(404)
    with _open(token) as s:  # read the payment, close; handle_event opens the one unit that writes
        payment = _payment_or_404(s, token)
        event = demo_completed_event(payment)
    handle_event(get_db(), event, after_commit=current_app.extensions.get("frontdesk.deliver"))
    return redirect(url_for("pay.done", token=token), code=303)


def demo_completed_event(payment: Payment) -> dict:
    """The ``checkout.session.completed`` event Stripe would send for ``payment``."""
    return {
        "id": f"evt_demo_{payment.token}",
        "object": "event",
        "type": "checkout.session.completed",
        "livemode": False,
        "data": {
            "object": {
                "id": payment.stripe_checkout_id,
                "object": "checkout.session",
                "mode": "payment",
                "payment_status": "paid",
                "status": "complete",
                "amount_total": to_minor(payment.amount, payment.currency),
                "currency": payment.currency.lower(),
                "client_reference_id": f"{payment.studio_id}-{payment.id}",
                "metadata": {"studio_id": str(payment.studio_id), "payment_id": str(payment.id), "kind": payment.kind},
                "payment_intent": f"pi_demo_{payment.token}",
            }
        },
    }


@bp.get("/pay/<token>/done")
@_one_unit
def done(s: Session, token: str) -> _Page:
    payment = _payment_or_404(s, token)
    if payment.paid_at is not None:
        return _page(s, payment, message="Payment received. Thank you! We'll text you a confirmation.")
    return _page(s, payment, message="Thank you! Your payment is being confirmed; we'll text you when it is.")


@bp.get("/pay/<token>/cancelled")
@_one_unit
def cancelled(s: Session, token: str) -> _Page:
    payment = _payment_or_404(s, token)
    return _page(
        s,
        payment,
        message="No payment was taken. Your link still works whenever you're ready.",
        link=url_for("pay.pay", token=token),
    )
