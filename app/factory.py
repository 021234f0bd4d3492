"""The Flask application factory.

``create_app`` builds the Flask application; nothing is built at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

import admin
from admin.auth import sign_in_refused
from app.bootstrap import bootstrap
from app.config import Settings
from app.conversation.slow import make_deferrer
from app.db import Database, default_app_role
from app.observability import logs
from app.web import input_guard, limits, turns
from app.web.demo_checkout import bp as pay_bp
from app.web.health import bp as health_bp
from app.web.intro_page import bp as intro_page_bp
from app.web.intro_page import submits_refused
from app.web.metrics import bp as metrics_bp
from app.web.stripe_webhook import bp as stripe_bp
from app.web.twilio_inbound import bp as inbound_bp
from app.web.twilio_status import bp as status_bp
from bot.nlu.llm import LlmParser
from jobs.embedded import start
from jobs.queue import make_deliverer


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> Flask:
    bootstrap()
    logs.configure()
    settings = settings or Settings()
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(SECRET_KEY=settings.secret_key, FRONTDESK=settings)
    if database is None:
        if settings.database_url.startswith("sqlite:///"):
            Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        database = Database(settings.database_url, app_role=default_app_role(settings.database_url))
    app.extensions["frontdesk.db"] = database

    llm = LlmParser.from_env()
    app.extensions["frontdesk.llm"] = llm

    deliver = make_deliverer(database, settings.redis_url)
    app.extensions["frontdesk.deliver"] = deliver
    app.extensions["frontdesk.defer"] = make_deferrer(database, llm, settings.redis_url, None)
    if not settings.redis_url and os.environ.get("FRONTDESK_EMBEDDED_JOBS") == "1":
        start(database)

    turns.init_app(app)
    input_guard.init_app(app)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(inbound_bp)
    app.register_blueprint(status_bp)

    app.register_blueprint(stripe_bp)
    app.register_blueprint(pay_bp)

    app.register_blueprint(intro_page_bp)

    admin.init_app(app)
    limits.init_app(app, settings, sign_in_refused=sign_in_refused, intro_refused=submits_refused)
    return app
