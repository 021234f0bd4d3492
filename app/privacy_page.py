"""The client's own export page: the one-time link texted after "send me my data" + YES.

``GET /s/<studio key>/my-data/<token>`` shows a button and spends nothing (phones and chat
apps fetch links to draw previews; a preview must not use up the link). ``POST`` to the
same address spends the link (``privacy.redeem_export_link``: once, before it expires) and
answers the readable page with the JSON file inside it as a download, so one visit gives
both. A used, expired or unknown link is a plain page saying so (410 or 404), never data.
Registered by ``admin.clients.init_app`` (outside ``/admin``: no staff sign-in, no CSRF
token; the token in the address is the credential).
"""

from __future__ import annotations

import base64
import json

from flask import Blueprint, Flask, render_template

from app.booking import privacy
from app.db import get_db
from app.models import Studio
from app.web.public import studio_or_404

bp = Blueprint("privacy_page", __name__)
WORDS = {
    "unknown": "This link doesn't work. Please text the studio 'send me my data' for a new one.",
    "used": "This link has been used already: each link opens once. Text the studio 'send me my data' for a new one.",
    "expired": "This link has expired. Text the studio 'send me my data' for a new one.",
}


def init_app(app: Flask) -> None:
    if "privacy_page" not in app.blueprints:
        app.register_blueprint(bp)


def _refused(studio: Studio, reason: str):
    page = render_template("admin/client_link.html", studio=studio, error=WORDS[reason], token=None)
    return page, (404 if reason == "unknown" else 410)


def data_uri(data: dict) -> str:
    """The export as a ``data:`` address, for a download link inside the page itself."""
    raw = json.dumps(data, indent=2, ensure_ascii=False).encode()
    return "data:application/json;base64," + base64.b64encode(raw).decode()


@bp.get("/s/<studio_key>/my-data/<token>")
def open_link(studio_key: str, token: str):
    studio = studio_or_404(studio_key)
    with get_db().studio(studio.id) as s:
        try:
            privacy.check_export_link(s, token)
        except privacy.ExportLinkInvalid as exc:
            return _refused(studio, exc.reason)
    return render_template("admin/client_link.html", studio=studio, error=None, token=token)


@bp.post("/s/<studio_key>/my-data/<token>")
def show_data(studio_key: str, token: str):
    studio = studio_or_404(studio_key)
    with get_db().studio(studio.id) as s:
        try:
            client_id = privacy.redeem_export_link(s, token)
        except privacy.ExportLinkInvalid as exc:
            return _refused(studio, exc.reason)
        data = privacy.export_data(s, client_id)
    page = render_template(
        "admin/client_data.html", d=data, download=data_uri(data), filename=f"{studio.key}-my-data.json", staff=False
    )
    return page, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
