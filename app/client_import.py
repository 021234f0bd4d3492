"""CSV import of a studio's existing clients: read the file, then import it in batches.

``start_import`` reads and checks the file (size, columns), stores its rows on a
``ClientImport`` and commits; a runner (an RQ job with ``REDIS_URL``, else a thread in
the web process) then calls ``process``. Each batch is one transaction holding the
clients it created, their audit lines and the import's counters, so the progress bar
shows what is really in the database and a crashed run resumes where it stopped.
A row is skipped, with its line and reason, for: no name, no phone, a number that is not
a phone number, a bad email, the phone of an existing client, or the phone of an earlier
row. Importing the same file twice therefore imports nothing the second time.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit, clock
from app.background import Background
from app.booking import privacy
from app.clients import EMAIL, normalise_phone
from app.db import Database
from app.models import AuditLog, Client, ClientImport
from app.phones import InvalidPhone

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
BATCH = 200
QUEUE = "frontdesk"

# header (lowercased, letters and digits only) -> field
HEADERS: dict[str, str] = {
    **dict.fromkeys(
        (
            "name",
            "fullname",
            "clientname",
            "customername",
            "contactname",
            "customer",
            "client",
            "membername",
            "member",
            "studentname",
            "student",
        ),
        "name",
    ),
    **dict.fromkeys(("firstname", "first", "givenname", "forename", "fname"), "first"),
    **dict.fromkeys(("lastname", "last", "surname", "familyname", "lname"), "last"),
    **dict.fromkeys(
        (
            "phone",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "mobileno",
            "cell",
            "cellphone",
            "cellnumber",
            "phonenumber",
            "phoneno",
            "telephone",
            "tel",
            "contactnumber",
            "whatsapp",
            "whatsappnumber",
            "sms",
            "number",
            "mobilephonenumber",
            "primaryphone",
        ),
        "phone",
    ),
    **dict.fromkeys(("email", "emailaddress", "mail"), "email"),
    **dict.fromkeys(("notes", "note", "comments", "comment", "remarks"), "notes"),
}


class ImportFileError(ValueError):
    """The file as a whole can't be imported; the message says why. Nothing was written."""


@dataclass(frozen=True)
class ParsedFile:
    rows: list[dict]  # {line, name, phone, email, notes}
    columns: dict[str, str]  # field -> header as written in the file


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (header or "").lower())


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def parse(data: bytes) -> ParsedFile:
    """The file's rows with their line numbers (the header is line 1); blank rows dropped.

    Raises ``ImportFileError`` when the file is too big, empty, or lacks a name or phone column.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Please split it into smaller files."
        )
    text = _decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    if "\x00" in text:
        raise ImportFileError("That doesn't look like a CSV file. Please export your clients as CSV.")
    first_line = text[:4096].split("\n", 1)[0].strip()
    excel_hint = re.fullmatch(r"sep=(.)", first_line)  # Excel's "sep=;" line before the header
    if excel_hint:
        dialect = type("hinted", (csv.excel,), {"delimiter": excel_hint.group(1)})
    else:
        try:
            dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        if excel_hint:
            next(reader)
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError("The file has no header row.") from exc
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    for index, title in enumerate(header):
        field = HEADERS.get(_key(title))
        if field and field not in columns:
            columns[field], written[field] = index, title.strip()
    has_name = "name" in columns or "first" in columns or "last" in columns
    if not has_name or "phone" not in columns:
        missing = " and ".join(w for w, ok in (("a name", has_name), ("a phone", "phone" in columns)) if not ok)
        found = ", ".join(repr(h.strip()) for h in header if h.strip()) or "none"
        raise ImportFileError(
            f"The file needs {missing} column (found: {found}). Use headers like name, phone, email, notes."
        )

    def cell(record: list[str], field: str) -> str:
        index = columns.get(field)
        return record[index].strip() if index is not None and index < len(record) else ""

    rows: list[dict] = []
    try:
        for record in reader:
            if not any(value.strip() for value in record):
                continue
            name = cell(record, "name") or " ".join(p for p in (cell(record, "first"), cell(record, "last")) if p)
            rows.append(
                {
                    "line": reader.line_num,
                    "name": name,
                    "phone": cell(record, "phone"),
                    "email": cell(record, "email"),
                    "notes": cell(record, "notes"),
                }
            )
            if len(rows) > MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS:,} clients. Please split it.")
    except csv.Error as exc:
        raise ImportFileError(f"The file could not be read as CSV near line {reader.line_num}: {exc}.") from exc
    if not rows:
        raise ImportFileError("The file has a header but no clients.")
    return ParsedFile(rows, written)


def start_import(session: Session, *, filename: str, data: bytes, region: str | None, actor: str) -> ClientImport:
    """Use case: check the file and record the import, queued (the caller commits, then runs it with a runner)."""
    parsed = parse(data)
    job = ClientImport(
        filename=(filename or "clients.csv")[:200],
        status="queued",
        total=len(parsed.rows),
        rows=parsed.rows,
        region=region,
        actor=actor[:200],
        errors=[],
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="import",
        entity="client_import",
        entity_id=job.id,
        after={"filename": job.filename, "rows": job.total, "columns": parsed.columns},
    )
    return job


# ---------------------------------------------------------------------- processing


def _check(row: dict, region: str | None, seen: dict[str, int]) -> tuple[str | None, str | None, str]:
    """(phone in E.164, reason to skip, the value the reason is about)."""
    if not row["name"]:
        return None, "missing name", row["phone"]
    if not row["phone"]:
        return None, "missing phone", row["name"]
    try:
        phone = normalise_phone(row["phone"], region)
    except InvalidPhone:
        return None, "not a phone number", row["phone"]
    if row["email"] and not EMAIL.fullmatch(row["email"]):
        return None, "not an email address", row["email"]
    if phone in seen:
        return None, f"same phone as line {seen[phone]}", row["phone"]
    return phone, None, row["phone"]


def _run_batch(
    session: Session, job: ClientImport, rows: list[dict], seen: dict[str, int], *, one_by_one: bool
) -> tuple[int, list[dict]]:
    """Add the batch's good rows; return (imported, errors). Does not commit."""
    checked = []
    for row in rows:
        phone, reason, value = _check(row, job.region, seen)
        if phone is not None:
            seen[phone] = row["line"]
        checked.append((row, phone, reason, value))
    phones = [p for _, p, reason, _ in checked if reason is None]
    existing = set(session.scalars(select(Client.phone).where(Client.phone.in_(phones)))) if phones else set()
    errors: list[dict] = []
    added: list[tuple[Client, dict]] = []
    for row, phone, reason, value in checked:
        if reason is None and phone in existing:
            reason = "already a client"
        if reason is not None:
            errors.append({"line": row["line"], "value": value, "reason": reason})
            continue
        client = Client(
            name=row["name"][:200], phone=phone, email=row["email"][:254] or None, notes=row["notes"] or None
        )
        privacy.start_suppressed(session, client)  # an erased person in an old CSV is not texted first
        if one_by_one:
            try:
                with session.begin_nested():
                    session.add(client)
            except IntegrityError:  # added elsewhere (a text arrived) since we looked
                errors.append({"line": row["line"], "value": value, "reason": "already a client"})
                continue
        else:
            session.add(client)
        added.append((client, row))
    session.flush()  # one multi-row INSERT for the batch
    session.add_all(
        [
            AuditLog(
                actor=job.actor or "import",
                action="create",
                entity="client",
                entity_id=str(client.id),
                after={**audit.snapshot(client), "import_id": job.id, "line": row["line"]},
            )
            for client, row in added
        ]
    )
    errors.sort(key=lambda e: e["line"])
    return len(added), errors


def process(session: Session, import_id: int, *, batch: int = BATCH) -> ClientImport:
    """Import the rows not yet done, one committed batch at a time.

    Each batch advances ``done`` with a compare-and-set, so two runners on one import
    (a retried job, a resume click) never both import a batch: the loser stops.
    """
    job = session.get(ClientImport, import_id)
    if job is None:
        raise LookupError(f"client import {import_id} not found")
    if job.status in ("done", "failed"):
        return job
    job.status, job.updated_at = "running", clock.now()
    session.commit()
    all_rows = list(job.rows)  # read the file once; each batch refreshes only the counters
    seen: dict[str, int] = {}
    for row in all_rows[: job.done]:  # phones of earlier rows count for "same phone as line N"
        try:
            seen.setdefault(normalise_phone(row["phone"], job.region), row["line"])
        except InvalidPhone:
            pass
    report = list(job.errors or [])
    while True:
        session.refresh(job, ["done", "status"])
        start = job.done
        if start >= job.total or job.status != "running":
            break
        rows = all_rows[start : start + batch]
        for one_by_one in (False, True):
            marks = dict(seen)
            try:
                imported, errors = _run_batch(session, job, rows, marks, one_by_one=one_by_one)
                counters = {
                    "done": start + len(rows),
                    "imported": ClientImport.imported + imported,
                    "skipped": ClientImport.skipped + len(errors),
                    "updated_at": clock.now(),
                }
                if errors:
                    counters["errors"] = report + errors
                result = session.execute(
                    update(ClientImport)
                    .where(ClientImport.id == job.id, ClientImport.done == start)
                    .values(**counters)
                    .execution_options(synchronize_session=False)
                )
                # Session.execute is typed as returning Result; for an UPDATE it is a CursorResult
                moved = result.rowcount  # type: ignore[attr-defined]
                if moved != 1:
                    session.rollback()
                    return job  # another runner has this import
                session.commit()
                seen, report = marks, report + errors
                break
            except IntegrityError:
                session.rollback()
                if one_by_one:
                    raise
    session.refresh(job, ["done", "status", "errors", "imported", "skipped"])
    if job.status == "running":
        job.status, job.finished_at = "done", clock.now()
        job.rows = []  # the file is imported; keep the report, not the personal data
        audit.record(
            session,
            actor=job.actor or "import",
            action="import_done",
            entity="client_import",
            entity_id=job.id,
            after={"imported": job.imported, "skipped": job.skipped},
        )
        session.commit()
    return job


def run(db: Database, studio_id: int, import_id: int) -> None:
    """Process an import in its studio's scope; a crash marks it failed with the reason."""
    try:
        with db.studio(studio_id) as session:
            process(session, import_id)
    except Exception as exc:  # a job is a process boundary: record why, then let the caller log it
        with db.studio(studio_id) as session:
            job = session.get(ClientImport, import_id)
            if job is not None and job.status != "done":
                job.status, job.failure = "failed", f"{exc.__class__.__name__}: {exc}"[:500]
                job.finished_at = clock.now()
                session.commit()
        raise


def import_clients_job(studio_id: int, import_id: int) -> None:
    """The RQ job: ids only; it builds its own database handle."""
    # jobs sits above app in the layers: only a worker running this job needs it
    from jobs.tasks import database

    run(database(), studio_id, import_id)


def make_runner(db: Database, redis_url: str | None, *, queue_name: str = QUEUE) -> Callable[[int, int], None]:
    """``runner(studio_id, import_id)``: process the import soon, without holding the request.

    Call it after the import row is committed (the job reads it by id). A lost hand-off is
    resumed from the import's page (``import_resume``).
    """
    background = Background(redis_url, queue=queue_name)

    def runner(studio_id: int, import_id: int) -> None:
        background.submit(
            f"client import {import_id} of studio {studio_id}",
            import_clients_job,
            (studio_id, import_id),
            lambda: run(db, studio_id, import_id),
            job_id=f"client-import-{import_id}",
            job_timeout=3600,
        )

    return runner
