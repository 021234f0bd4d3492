"""The floor for bench_webhook.py: the least a webhook that keeps a log can do.

Flask that checks the Twilio signature as the app's inbound webhook does, writes the
inbound message (its MessageSid unique, so a retried webhook writes nothing twice) and
one reply row to PostgreSQL, commits once, and answers TwiML. Its own table,
``floor_messages``, is created by bench_webhook.py in the bench's throwaway database.
Frontdesk's throughput over this one is the figure: what the turn costs above the
unavoidable signature check, two inserts and one commit.
"""
import os

from flask import Flask, Response, abort, request
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

app = Flask(__name__)
validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", "bench-token"))
BASE = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
_url = os.environ["DATABASE_URL"]
for _prefix in ("postgres://", "postgresql://"):
    if _url.startswith(_prefix):
        _url = "postgresql+psycopg://" + _url[len(_prefix):]
# the app's pool settings (app.db.make_engine), without the per-checkout pre-ping and role switch
engine = create_engine(_url, pool_size=10, max_overflow=10)

INSERT_IN = text("insert into floor_messages (sid, direction, phone, body) values (:sid, 'in', :phone, :body) "
                 "on conflict (sid) do nothing returning id")
INSERT_OUT = text("insert into floor_messages (direction, phone, body, reply_to) values ('out', :phone, :body, :id)")
REPLY = "Thanks, got it."


@app.post("/twilio/inbound")
def inbound():
    url = BASE + request.path
    if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    form = request.form
    sid, phone = form.get("MessageSid"), form.get("From")
    if not sid or not phone:
        abort(400)
    response = MessagingResponse()
    with engine.begin() as conn:  # one transaction, one commit
        row = conn.execute(INSERT_IN, {"sid": sid, "phone": phone, "body": form.get("Body", "")}).first()
        if row is not None:  # a retry of a logged message gets an empty answer
            conn.execute(INSERT_OUT, {"phone": phone, "body": REPLY, "id": row[0]})
            response.message(REPLY)
    return Response(str(response), mimetype="application/xml")
