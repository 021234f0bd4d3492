"""Clients: search, profile, add, grant credits, book, cancel, and the CSV import.

Thin views: parse the form, call one use case from ``app.clients`` or
``app.client_import`` in the signed-in staff member's studio scope, and turn domain
errors into words. A client, booking or import id of another studio is simply not
found in that scope: 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import wraps
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.roles import MANAGERS, can, require
from app import client_import, clock, phones, privacy_page
from app import clients as svc
from app.booking import privacy
from app.booking.booking import LateCancelNeedsConsent
from app.booking.errors import (
    AlreadyBooked,
    AlreadyWaitlisted,
    BookingError,
    ClassFull,
    NoCredits,
    NotCancellable,
    NotFound,
    OutsideBookingWindow,
    SessionNotBookable,
    WaitlistNotNeeded,
)
from app.db import get_db, on_commit
from app.models import ClassSession, ClientImport, Studio

bp = Blueprint("admin_clients", __name__, url_prefix="/admin/clients", template_folder="templates")
RUNNER = "frontdesk.import_clients"
STALE_AFTER_SECONDS = 120


def init_app(app: Flask) -> None:
    settings = app.config["FRONTDESK"]
    app.extensions.setdefault(RUNNER, client_import.make_runner(app.extensions["frontdesk.db"], settings.redis_url))
    app.register_blueprint(bp)
    privacy_page.init_app(app)  # the client's own export link (outside /admin)


# ------------------------------------------------------------------- helpers


class Formatter:
    """Times in the studio's (or a location's) timezone, in the studio's date style."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.tz = ZoneInfo(studio.timezone)
        self.us = studio.date_order == "MDY"

    def time(self, at: datetime, tz: str | None = None) -> str:
        at = at.astimezone(ZoneInfo(tz) if tz else self.tz)
        if self.us:
            return at.strftime("%I:%M %p").lstrip("0").lower()
        return at.strftime("%H:%M")

    def day(self, at: datetime, tz: str | None = None) -> str:
        at = at.astimezone(ZoneInfo(tz) if tz else self.tz)
        return at.strftime("%a %b ") + str(at.day) if self.us else at.strftime("%a ") + f"{at.day} " + at.strftime("%b")

    def when(self, at: datetime | None, tz: str | None = None) -> str:
        if at is None:
            return ""
        text = f"{self.day(at, tz)} {self.time(at, tz)}"
        year = at.astimezone(self.tz).year
        return text if year == clock.now().astimezone(self.tz).year else f"{text} {year}"

    def session(self, cs: ClassSession) -> str:
        return self.when(cs.starts_at, cs.location.timezone)

    def money(self, amount: Decimal | None) -> str:
        return svc.money(self.studio, Decimal(amount or 0))

    phone = staticmethod(phones.display)


def actor() -> str:
    login = current_user.login
    return f"{login.name} (staff {login.staff_id})"


@contextmanager
def studio_scope() -> Iterator[tuple[Session, Studio]]:
    with get_db().studio(current_user.studio_id) as s:
        yield s, s.get(Studio, current_user.studio_id)


def _client_or_404(s: Session, client_id: int):
    try:
        return svc.get_client(s, client_id)
    except NotFound:
        abort(404)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _deliver(studio_id: int) -> None:
    """Texts the change queued (a waitlist offer) go out now; called after the commit."""
    deliver = current_app.extensions.get("frontdesk.deliver")
    if deliver is not None:
        deliver(studio_id)


def booking_error_words(exc: BookingError, fmt: Formatter, name: str) -> str:
    """A refusal of the booking core, in the front desk's words."""
    if isinstance(exc, ClassFull):
        waiting = f" ({exc.waitlist_size} waiting)" if exc.waitlist_size else ""
        return f"That class is full{waiting}."
    if isinstance(exc, NoCredits):
        if exc.expired:
            return f"{name}'s package has expired. Grant credits or sell a package first."
        return (
            f"{name} has no credits for this class (it needs {exc.needed}, they have {exc.available}). "
            "Grant credits or sell a package first."
        )
    if isinstance(exc, AlreadyBooked):
        return f"{name} is already booked into that class."
    if isinstance(exc, OutsideBookingWindow):
        if exc.opens_at is None:
            return "That class has already started."
        return f"Booking for that class opens {fmt.when(exc.opens_at)} ({exc.reason})."
    if isinstance(exc, SessionNotBookable):
        return f"That class can't be booked: {exc.reason}."
    if isinstance(exc, AlreadyWaitlisted):
        return f"{name} is already on the waitlist (number {exc.position} in line)."
    if isinstance(exc, WaitlistNotNeeded):
        return f"There's room in that class now ({exc.spots} free): book {name} instead."
    if isinstance(exc, NotCancellable):
        return f"That booking can't be cancelled: {exc.reason}."
    return str(exc)


# ---------------------------------------------------------------------- pages


@bp.get("")
@require("clients")
def index():
    query = request.args.get("q", "").strip()
    page_no = _int(request.args.get("page")) or 1
    with studio_scope() as (s, studio):
        page = svc.search(s, query, region=svc.studio_region(studio), page=page_no)
        return render_template("admin/clients.html", page=page, q=query, fmt=Formatter(studio))


@bp.route("/new", methods=["GET", "POST"])
@require("clients")
def new():
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        with studio_scope() as (s, studio):
            try:
                client = svc.add_client(
                    s,
                    name=form.get("name", ""),
                    phone=form.get("phone", ""),
                    email=form.get("email", ""),
                    notes=form.get("notes", ""),
                    region=svc.studio_region(studio),
                    actor=actor(),
                )
            except svc.ClientError as exc:
                return render_template("admin/client_new.html", error=str(exc), form=form), 400
            flash(f"Added {client.name}.")
            return redirect(url_for(".profile", client_id=client.id))
    return render_template("admin/client_new.html", error=None, form=form)


@bp.get("/<int:client_id>")
@require("clients")
def profile(client_id: int):
    with studio_scope() as (s, studio):
        _client_or_404(s, client_id)
        data = svc.profile(s, client_id)
        packages = svc.active_packages(s) if can(current_user.role, "credits") else []
        return render_template(
            "admin/client.html",
            p=data,
            fmt=Formatter(studio),
            packages=packages,
            may_grant=can(current_user.role, "credits"),
            may_privacy=current_user.role in MANAGERS,
            erasure_asked=privacy.pending_erasure(s, client_id),
        )


@bp.post("/<int:client_id>/grant")
@require("credits")
def grant(client_id: int):
    f = request.form
    with studio_scope() as (s, studio):
        client = _client_or_404(s, client_id)
        name = client.name or client.phone
        try:
            pack = svc.grant(
                s,
                client_id,
                actor=actor(),
                reason=f.get("reason", ""),
                credits_count=_int(f.get("credits")),
                package_id=_int(f.get("package_id")),
                valid_days=_int(f.get("valid_days")),
            )
        except svc.ClientError as exc:
            data = svc.profile(s, client_id)
            return render_template(
                "admin/client.html",
                p=data,
                fmt=Formatter(studio),
                may_grant=True,
                packages=svc.active_packages(s),
                grant_error=str(exc),
                form=f,
            ), 400
        except NotFound:
            abort(404)
        flash(f"Granted {pack.name} to {name}.")
        return redirect(url_for(".profile", client_id=client_id))


def _book_page(
    s: Session, studio: Studio, client, *, error: str | None = None, full_session: int | None = None, status: int = 200
):
    sessions = svc.bookable_sessions(s)
    counts = svc.session_counts(s, [cs.id for cs in sessions])
    mine = svc.client_session_states(s, client.id, [cs.id for cs in sessions])
    page = render_template(
        "admin/client_book.html",
        client=client,
        sessions=sessions,
        counts=counts,
        mine=mine,
        fmt=Formatter(studio),
        error=error,
        full_session=full_session,
        balance=svc.credits.balance(s, client.id),
    )
    return page, status


@bp.get("/<int:client_id>/book")
@require("clients")
def book_form(client_id: int):
    with studio_scope() as (s, studio):
        return _book_page(s, studio, _client_or_404(s, client_id))


@bp.post("/<int:client_id>/book")
@require("clients")
def book(client_id: int):
    session_id = _int(request.form.get("session_id"))
    with studio_scope() as (s, studio):
        client = _client_or_404(s, client_id)
        name = client.name or client.phone
        if client.erased_at is not None:
            erased = "This client's data was erased: they can't be booked."
            return _book_page(s, studio, client, error=erased, status=409)
        if session_id is None:
            return _book_page(s, studio, client, error="Please choose a class.", status=400)
        fmt = Formatter(studio)
        try:
            result = svc.book(s, client_id, session_id, actor=actor())
        except NotFound:
            abort(404)
        except ClassFull as exc:
            s.rollback()
            return _book_page(
                s, studio, client, error=booking_error_words(exc, fmt, name), full_session=session_id, status=409
            )
        except BookingError as exc:
            s.rollback()
            return _book_page(s, studio, client, error=booking_error_words(exc, fmt, name), status=409)
        cs = s.get(ClassSession, result.booking.session_id)
        n = result.balance.credits
        left = "membership" if result.balance.unlimited else f"{n} credit{'' if n == 1 else 's'} left"
        flash(f"Booked {name} into {cs.class_type.name}, {fmt.session(cs)} ({left}).")
        return redirect(url_for(".profile", client_id=client_id))


@bp.post("/<int:client_id>/waitlist")
@require("clients")
def join_waitlist(client_id: int):
    session_id = _int(request.form.get("session_id"))
    with studio_scope() as (s, studio):
        client = _client_or_404(s, client_id)
        name = client.name or client.phone
        if session_id is None:
            return _book_page(s, studio, client, error="Please choose a class.", status=400)
        try:
            joined = svc.join_waitlist(s, client_id, session_id, actor=actor())
        except NotFound:
            abort(404)
        except BookingError as exc:
            s.rollback()
            return _book_page(s, studio, client, error=booking_error_words(exc, Formatter(studio), name), status=409)
        flash(f"{name} is on the waitlist, number {joined.position} in line.")
        return redirect(url_for(".profile", client_id=client_id))


@bp.route("/<int:client_id>/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@require("clients")
def cancel(client_id: int, booking_id: int):
    with studio_scope() as (s, studio):
        client = _client_or_404(s, client_id)
        fmt = Formatter(studio)
        try:
            found = svc.client_booking(s, client_id, booking_id)
        except NotFound:
            abort(404)
        cs = found.session
        error = None
        if request.method == "POST":
            try:
                result = svc.cancel(
                    s, client_id, booking_id, accept_late=request.form.get("accept_late") == "1", actor=actor()
                )
            except LateCancelNeedsConsent:
                s.rollback()
                error = "This is a late cancel: please tick the box to confirm the client accepts the terms."
            except NotCancellable as exc:
                s.rollback()
                error = booking_error_words(exc, fmt, client.name or client.phone)
            else:
                if result.events:
                    _deliver(current_user.studio_id)
                flash(
                    f"Cancelled {client.name or client.phone} from {cs.class_type.name}, {fmt.session(cs)}. "
                    + _terms_words(result.terms, fmt, done=True)
                )
                return redirect(url_for(".profile", client_id=client_id))
        try:
            terms = svc.preview_cancel(s, client_id, booking_id)
        except NotCancellable as exc:
            terms, error = None, error or booking_error_words(exc, fmt, client.name or client.phone)
        found = s.get(type(found), booking_id)
        return render_template(
            "admin/client_cancel.html",
            client=client,
            booking=found,
            cs=found.session,
            fmt=fmt,
            terms=terms,
            terms_words=_terms_words(terms, fmt) if terms else None,
            error=error,
        ), (409 if error else 200)


def _terms_words(terms, fmt: Formatter, *, done: bool = False) -> str:
    """What cancelling costs (``done``: what it cost), from the core's ``CancelTerms``."""
    back = terms.credits_back
    returned = (
        f"{back} credit{'' if back == 1 else 's'} {'went' if done else ('goes' if back == 1 else 'go')} back"
        if back
        else "no credit to return (a membership or a free booking)"
    )
    if not terms.late:
        return f"Free cancel (until {fmt.when(terms.free_until)}): {returned}."
    passed = f"Late cancel: the free-cancel time passed at {fmt.when(terms.free_until)}"
    if terms.consequence == "forfeit_credit":
        return f"{passed}, so the credit is kept by the studio."
    if terms.consequence == "fee":
        return f"{passed}: {returned}, and a late-cancel fee of {fmt.money(terms.fee)} is owed."
    return f"{passed}, but the studio charges nothing: {returned}."


# ------------------------------------------------------ client data (issue 17)


def managers_only(view: Callable) -> Callable:
    """Export and erasure: owners and managers (front desk and instructors get a 403)."""

    @wraps(view)
    @require("clients")
    def guarded(*args, **kwargs):
        if current_user.role not in MANAGERS:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def _exported(client_id: int, fmt: str) -> tuple[dict, str]:
    """The client's export and its file name, the export written to the audit log (one unit)."""
    with studio_scope() as (s, studio):
        _client_or_404(s, client_id)
        data = privacy.export_data(s, client_id)
        privacy.record_export(s, client_id, actor=actor(), source="admin", fmt=fmt)
        return data, f"{studio.key}-client-{client_id}.json"


@bp.get("/<int:client_id>/export.json")
@managers_only
def export_json(client_id: int):
    """The client's data as one JSON file (a download), written to the audit log."""
    data, filename = _exported(client_id, "json")
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/<int:client_id>/export")
@managers_only
def export_page(client_id: int):
    """The same data as a readable page, with the JSON file as a download inside it."""
    data, filename = _exported(client_id, "html")
    page = render_template(
        "admin/client_data.html", d=data, download=privacy_page.data_uri(data), filename=filename, staff=True
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/<int:client_id>/erase", methods=["GET", "POST"])
@managers_only
def erase(client_id: int):
    """Erase the client's data, with a typed confirmation (their name or ERASE)."""
    error = None
    with studio_scope() as (s, studio):
        client = _client_or_404(s, client_id)
        if client.erased_at is not None:
            flash(f"This client's data was erased {Formatter(studio).when(client.erased_at)}.")
            return redirect(url_for(".profile", client_id=client_id))
        if request.method == "POST":
            try:
                result = privacy.erase_client(
                    s, client_id, actor=actor(), confirmation=request.form.get("confirmation", "")
                )
            except privacy.ConfirmationMismatch:
                error = "That doesn't match. Type the client's name exactly as shown, or ERASE."
            else:
                if result.events:
                    studio_id = current_user.studio_id
                    on_commit(s, lambda: _deliver(studio_id))
                n = len(result.bookings_cancelled)
                flash(
                    f"Erased the client's data: {n} booking{'' if n == 1 else 's'} cancelled, "
                    f"{result.messages_scrubbed} messages replaced; the number won't be texted again."
                )
                return redirect(url_for(".profile", client_id=client_id))
        data = svc.profile(s, client_id)
        return render_template(
            "admin/client_erase.html",
            client=client,
            fmt=Formatter(studio),
            upcoming=len(data.upcoming),
            waiting=len(data.waitlist),
            pending=privacy.pending_erasure(s, client_id),
            error=error,
        ), (400 if error else 200)


# ----------------------------------------------------------------- CSV import


@bp.route("/import", methods=["GET", "POST"])
@require("clients")
def import_upload():
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = "Please choose a CSV file."
        else:
            data = upload.stream.read(client_import.MAX_BYTES + 1)
            with studio_scope() as (s, studio):
                try:
                    job = client_import.start_import(
                        s, filename=upload.filename, data=data, region=svc.studio_region(studio), actor=actor()
                    )
                except client_import.ImportFileError as exc:
                    error = str(exc)
                else:
                    run, studio_id, job_id = current_app.extensions[RUNNER], current_user.studio_id, job.id
                    on_commit(s, lambda: run(studio_id, job_id))  # the job reads the committed row
                    return redirect(url_for(".import_progress", import_id=job.id))
    with studio_scope() as (s, studio):
        recent = s.scalars(select(ClientImport).order_by(ClientImport.id.desc()).limit(10)).all()
        status = 413 if error and "larger than" in error else (400 if error else 200)
        return render_template(
            "admin/import.html",
            error=error,
            recent=recent,
            fmt=Formatter(studio),
            max_mb=client_import.MAX_BYTES // (1024 * 1024),
        ), status


def _import_or_404(s: Session, import_id: int) -> ClientImport:
    job = s.get(ClientImport, import_id)
    if job is None:
        abort(404)
    return job


def _stale(job: ClientImport) -> bool:
    return job.status in ("queued", "running") and (clock.now() - job.updated_at).total_seconds() > STALE_AFTER_SECONDS


def _status(job: ClientImport) -> dict:
    return {
        "id": job.id,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "imported": job.imported,
        "skipped": job.skipped,
        "percent": int(100 * job.done / job.total) if job.total else 100,
        "failure": job.failure,
        "stale": _stale(job),
    }


@bp.get("/import/<int:import_id>")
@require("clients")
def import_progress(import_id: int):
    with studio_scope() as (s, studio):
        job = _import_or_404(s, import_id)
        return render_template(
            "admin/import_progress.html",
            job=job,
            st=_status(job),
            fmt=Formatter(studio),
            errors=sorted(job.errors or [], key=lambda e: e["line"]),
        )


@bp.get("/import/<int:import_id>/status")
@require("clients")
def import_status(import_id: int):
    with studio_scope() as (s, _studio):
        return jsonify(_status(_import_or_404(s, import_id)))


@bp.post("/import/<int:import_id>/resume")
@require("clients")
def import_resume(import_id: int):
    """A worker died mid-import: start it again from the last committed batch."""
    with studio_scope() as (s, _studio):
        job = _import_or_404(s, import_id)
        if job.status in ("queued", "running"):
            job.status, job.updated_at = "queued", clock.now()
            run, studio_id, job_id = current_app.extensions[RUNNER], current_user.studio_id, job.id
            on_commit(s, lambda: run(studio_id, job_id))
        return redirect(url_for(".import_progress", import_id=import_id))
