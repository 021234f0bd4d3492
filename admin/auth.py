"""Sign-up, sign-in, sign-out and password reset for studio staff."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)

from admin import accounts
from admin.calendar import week
from admin.dashboard import render_dashboard
from admin.reset_links import send_reset_link
from admin.roles import can
from admin.security import csrf_token
from app.db import get_db

bp = Blueprint("admin_auth", __name__, url_prefix="/admin", template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "admin_auth.login"
login_manager.login_message = "Please sign in."

TIMEZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Pacific/Auckland",
)


class StaffUser(UserMixin):
    """The signed-in staff member. The id in the cookie carries the staff row's session
    version (Flask-Login's alternative id), so a version bump ends every older cookie."""

    def __init__(self, login: accounts.StaffLogin) -> None:
        self.login = login
        self.id = f"{login.studio_id}:{login.staff_id}:{login.session_version}"

    @property
    def studio_id(self) -> int:
        return self.login.studio_id

    @property
    def role(self) -> str:
        return self.login.role


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    try:
        studio_id, staff_id, version = (int(x) for x in user_id.split(":"))
    except ValueError:  # a cookie from before session versions, or not ours: sign in again
        return None
    login = accounts.load(get_db(), studio_id, staff_id)
    if login is None or login.session_version != version:
        return None
    return StaffUser(login)


@bp.app_context_processor
def inject() -> dict:
    return {"csrf_token": csrf_token}


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    from admin.onboarding import COUNTRIES, CURRENCIES, DATE_ORDERS

    choices = {"countries": COUNTRIES, "currencies": CURRENCIES, "date_orders": DATE_ORDERS}
    if request.method == "POST":
        f = request.form
        try:
            login = accounts.sign_up(
                get_db(),
                studio_name=f.get("studio_name", ""),
                studio_key=f.get("studio_key", ""),
                timezone=f.get("timezone", ""),
                owner_name=f.get("owner_name", ""),
                email=f.get("email", ""),
                password=f.get("password", ""),
                currency=f.get("currency") or None,
                date_order=f.get("date_order") or None,
                country=f.get("country") or None,
            )
        except accounts.AccountError as exc:
            return render_template("admin/signup.html", error=str(exc), form=f, **choices), 400
        login_user(StaffUser(login))
        return redirect(url_for("admin_auth.home"))
    return render_template("admin/signup.html", error=None, form={}, **choices)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        found = accounts.authenticate(
            get_db(), email, request.form.get("password", ""), request.form.get("studio") or None
        )
        if found is None:
            return render_template("admin/login.html", error="That email and password don't match."), 401
        login_user(StaffUser(found))
        return redirect(url_for("admin_auth.home"))
    return render_template("admin/login.html", error=None)


def sign_in_refused(_limit) -> Response:
    """The sign-in page again, with a 429, once a sign-in limit is spent (app.web.limits)."""
    page = render_template("admin/login.html", error="Too many attempts. Please wait a few minutes.")
    return make_response(page, 429)


@bp.post("/logout")
@login_required
def logout():
    """Signing out ends every session of this account, so a copied cookie dies with it."""
    accounts.sign_out_everywhere(get_db(), current_user.studio_id, current_user.login.staff_id)
    logout_user()
    return redirect(url_for("admin_auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    if request.method == "POST":
        reset = accounts.request_reset(get_db(), current_app.config["SECRET_KEY"], request.form.get("email", ""))
        if reset is not None:
            settings = current_app.config["FRONTDESK"]
            path = url_for("admin_auth.reset", token=reset.token)
            link = (settings.public_base_url or request.host_url).rstrip("/") + path
            send_reset_link(get_db(), settings, reset, link)
        flash("If that email has an account, a reset link is on its way.")
        return redirect(url_for("admin_auth.login"))
    return render_template("admin/reset_request.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    if request.method == "POST":
        try:
            accounts.reset_password(get_db(), current_app.config["SECRET_KEY"], token, request.form.get("password", ""))
        except accounts.AccountError as exc:
            return render_template("admin/reset.html", error=str(exc)), 400
        flash("Password changed. Please sign in.")
        return redirect(url_for("admin_auth.login"))
    return render_template("admin/reset.html", error=None)


@bp.get("/")
@login_required
def home():
    """The panel's front page: the dashboard, or for instructors their week.

    Served in place rather than redirected, so ``/admin/`` itself is the landing page
    (bookmarks, the sign-in redirect and form pages that read a CSRF token from it)."""

    if can(current_user.role, "dashboard"):
        return render_dashboard()

    return week()


def require_role(*roles: str) -> None:
    if current_user.role not in roles:
        abort(403)
