"""Rate limits on what can be guessed or spammed: staff sign-in and the public intro form.

Flask-Limiter with shared storage: Redis when ``REDIS_URL`` is set, so every web process and
worker counts together; memory otherwise (the embedded default runs one process). When the
store cannot be reached the request goes through and the error is logged
(``swallow_errors``): a limit must never turn into a 500.

The address is the visitor's, not the proxy's: ``TRUSTED_PROXY_HOPS`` (default 0) says how
many proxies in front of the app append to ``X-Forwarded-For`` (Heroku's router: 1), and
werkzeug's ``ProxyFix`` takes the address that many hops back. With 0 the headers are
ignored, so nobody can pick their own address by sending one.

Sign-in counts failures only (a 401 answer) under three keys, so a typo'd password costs one
try and a right one costs nothing:
- address and account: ``SIGN_IN_PER_ADDRESS_AND_ACCOUNT`` (someone guessing one password);
- address: ``SIGN_IN_PER_ADDRESS`` (one address trying many emails);
- account: ``SIGN_IN_PER_ACCOUNT`` (many addresses on one account; set high, so that locking
  a staff member out takes a determined effort, not five wrong tries from anyone).
The intro form counts every submit per address and studio (``INTRO_SUBMITS``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Settings

SIGN_IN_PER_ADDRESS_AND_ACCOUNT = "5 per 5 minutes"
SIGN_IN_PER_ADDRESS = "20 per 15 minutes"
SIGN_IN_PER_ACCOUNT = "30 per hour"
INTRO_SUBMITS = "5 per 10 minutes"
EXTENSION = "frontdesk.limiter"


def address() -> str:
    """The visitor's address as the trusted proxies report it (see ``TRUSTED_PROXY_HOPS``)."""
    return request.remote_addr or "unknown"


def _account() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _address_and_account() -> str:
    return f"{address()}|{_account()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def trust_proxies(app: Flask, hops: int) -> None:
    """Read the visitor's address, scheme and host from ``hops`` trusted proxies (0: none)."""
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]


def init_app(
    app: Flask,
    settings: Settings,
    *,
    sign_in_refused: Callable[[RequestLimit], Response],
    intro_refused: Callable[[RequestLimit], Response],
) -> Limiter:
    """Attach the limiter and wrap the two views; call after their blueprints are registered."""
    trust_proxies(app, settings.trusted_proxy_hops)
    limiter = Limiter(
        address,
        app=app,
        storage_uri=settings.redis_url or "memory://",
        key_prefix="frontdesk-limits",
        swallow_errors=True,
        headers_enabled=False,
    )
    login: Any = app.view_functions["admin_auth.login"]
    for value, key in (
        (SIGN_IN_PER_ADDRESS_AND_ACCOUNT, _address_and_account),
        (SIGN_IN_PER_ADDRESS, address),
        (SIGN_IN_PER_ACCOUNT, _account),
    ):
        login = limiter.limit(
            value,
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=sign_in_refused,
            scope="sign-in:" + value,
        )(login)
    app.view_functions["admin_auth.login"] = login
    intro: Any = app.view_functions["intro_page.intro_offer"]
    app.view_functions["intro_page.intro_offer"] = limiter.limit(
        INTRO_SUBMITS,
        key_func=lambda: f"{address()}|{(request.view_args or {}).get('studio_key', '')}",
        methods=["POST"],
        on_breach=intro_refused,
    )(intro)
    app.extensions[EXTENSION] = limiter
    return limiter
