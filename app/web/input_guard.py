"""Refuse what no handler should ever see: a NUL byte anywhere a request carries text.

PostgreSQL cannot store ``\\x00`` in a text column (psycopg raises ``DataError``), and no
client, browser or Twilio ever sends one on purpose, so a request carrying one in its path,
query string or form is refused with a 400 before any view runs, and nothing is written.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _where_nul() -> str | None:
    if NUL in request.path:
        return "path"
    for key, value in request.args.items(multi=True):
        if NUL in key or NUL in value:
            return "query string"
    if request.mimetype in FORM_TYPES:
        for key, value in request.form.items(multi=True):
            if NUL in key or NUL in value:
                return f"field {key.replace(NUL, '')[:40]!r}"
    return None


def refuse_nul() -> Response | None:
    """``before_request``: a 400 naming where the NUL byte was; ``None`` lets the request on."""
    where = _where_nul()
    if where is None:
        return None
    current_app.logger.warning("request refused (400): NUL byte in %s of %s", where, request.path.replace(NUL, ""))
    return Response(f"bad request: NUL byte in {where}\n", status=400, mimetype="text/plain")


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
