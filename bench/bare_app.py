"""The baseline for bench_webhook.py: Flask that only checks the Twilio signature and
answers an empty TwiML. The ratio of Frontdesk's throughput to this is the figure."""
import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

app = Flask(__name__)
validator = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", "bench-token"))
BASE = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")


@app.post("/twilio/inbound")
def inbound():
    url = BASE + request.path
    if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response />', mimetype="application/xml")
