"""The staff admin panel: sign-up, sign-in, roles, and the studio's own pages.

Every page works in the signed-in staff member's studio scope; nothing here queries
studio data any other way.
"""
from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    from admin.auth import bp as auth_bp, login_manager
    from admin.security import csrf_protect

    # Secure everywhere: browsers accept Secure cookies from http://localhost, so the
    # embedded demo works too. FRONTDESK_INSECURE_COOKIES=1 exists for odd dev setups only.
    secure = os.environ.get("FRONTDESK_INSECURE_COOKIES") != "1"
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_SAMESITE="Lax",
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SECURE=secure)
    login_manager.init_app(app)
    app.before_request(csrf_protect)
    app.register_blueprint(auth_bp)
