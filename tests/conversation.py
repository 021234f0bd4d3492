"""Drive the bot the way Twilio does: signed form posts to the real webhook."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

from twilio.request_validator import RequestValidator

from app.config import Settings
from app.factory import create_app

TOKEN = "test-auth-token"
BASE = "https://frontdesk.example.com"
LOTUS = Path(__file__).parent / "data" / "lotus.toml"
LOTUS_SMS = "+447700900100"
_sids = itertools.count(1)


def make_app(db):
    settings = Settings(database_url=db.url, twilio_auth_token=TOKEN, public_base_url=BASE)
    app = create_app(settings, database=db)
    app.config["TESTING"] = True
    return app


def signed_post(client, form: dict, path: str = "/twilio/inbound", token: str = TOKEN):
    signature = RequestValidator(token).compute_signature(BASE + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


def replies_of(response) -> list[str]:
    root = ET.fromstring(response.data)
    return [m.text or "" for m in root.iter("Message")]


class Texter:
    """One phone texting the studio: ``sam.says("book yoga wed 6pm")`` returns the reply text."""

    def __init__(self, client, phone: str, to: str = LOTUS_SMS, channel: str = "sms") -> None:
        self.client = client
        self.phone = phone
        self.to = to
        self.channel = channel
        self.last_sid: str | None = None

    def form(self, body: str, sid: str | None = None, **extra) -> dict:
        prefix = "whatsapp:" if self.channel == "whatsapp" else ""
        self.last_sid = sid or f"SM{next(_sids):032x}"
        form = {
            "From": prefix + self.phone,
            "To": prefix + self.to,
            "Body": body,
            "MessageSid": self.last_sid,
            "AccountSid": "AC" + "0" * 32,
            "NumMedia": "0",
        }
        form.update(extra)
        return form

    def send(self, body: str, sid: str | None = None, **extra):
        response = signed_post(self.client, self.form(body, sid, **extra))
        assert response.status_code == 200, response.data
        return response

    def says(self, body: str, **extra) -> str:
        return "\n".join(replies_of(self.send(body, **extra)))
