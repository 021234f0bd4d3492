"""CSV import of clients: the file check, batches, the per-row report, reruns, and the runners."""

from __future__ import annotations

import io
import time as wall

import pytest
from sqlalchemy import event, func, select

from app import client_import
from app.client_import import ImportFileError, make_runner, parse, process, start_import
from app.models import AuditLog, Client, ClientImport
from tests.factories import make_client, make_studio
from tests.integration.test_admin_clients import app, signed_in, studios, token  # noqa: F401  (fixtures)

GOOD_AND_BAD = (
    "Name,Mobile,Email,Notes\n"
    "Ana Ruiz,07700 900301,ana@x.example,front row\n"  # 2 good (London local number)
    "Bo Chen,+44 7700 900302,,\n"  # 3 good
    "Cy Dee,not a number,,\n"  # 4 bad phone
    "Existing Person,07700900399,,\n"  # 5 already a client
    "Bo Again,+447700900302,,\n"  # 6 same phone as line 3
    ",07700 900303,,\n"  # 7 missing name
    "\n"  # 8 blank: ignored
    "Di Evans,,,\n"  # 9 missing phone
    "Ed Fox,07700 900304,not-an-email,\n"  # 10 bad email
    "Flo Grey,+1 718 555 0123,,\n"  # 11 good (international)
)


def clients_of(db, world) -> dict[str, str]:
    with db.studio(world.studio_id) as s:
        return {c.phone: c.name for c in s.scalars(select(Client))}


def wait_until_finished(browser, import_id: int) -> dict:
    """Poll the status endpoint, as the progress page does, until the import finishes."""
    deadline = wall.monotonic() + 30
    while True:
        status = browser.get(f"/admin/clients/import/{import_id}/status").get_json()
        if status["status"] not in ("queued", "running") or wall.monotonic() > deadline:
            return status
        wall.sleep(0.05)


def upload(browser, text: str | bytes, filename: str = "clients.csv"):
    data = text.encode() if isinstance(text, str) else text
    return browser.post(
        "/admin/clients/import",
        content_type="multipart/form-data",
        data={"csrf_token": token(browser, "/admin/clients/import"), "file": (io.BytesIO(data), filename)},
    )


# ------------------------------------------------------------------- the file


def test_headers_are_matched_loosely():
    parsed = parse("First name;Last name;Mobile Phone;E-mail\nAna;Ruiz;07700 900301;a@x.example\n".encode("cp1252"))
    assert parsed.rows == [
        {"line": 2, "name": "Ana Ruiz", "phone": "07700 900301", "email": "a@x.example", "notes": ""}
    ]
    parsed = parse(
        '\ufeffCLIENT NAME,Cell,Comments\n"Ruiz, Ana",+447700900301,"likes\nthe back row"\nBo,+447700900302,\n'.encode()
    )
    assert [(r["line"], r["name"], r["notes"]) for r in parsed.rows] == [
        (3, "Ruiz, Ana", "likes\nthe back row"),
        (4, "Bo", ""),
    ]


def test_excel_separator_line_and_tabs():
    parsed = parse(b"sep=;\r\nName;Phone\r\nAna;+447700900301\r\n")
    assert [(r["line"], r["name"], r["phone"]) for r in parsed.rows] == [(3, "Ana", "+447700900301")]
    parsed = parse(b"Full Name\tTelephone\nBo Chen\t07700 900302\n")
    assert [(r["line"], r["name"], r["phone"]) for r in parsed.rows] == [(2, "Bo Chen", "07700 900302")]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"name,email\nAna,a@x.example\n", "needs a phone column"),
        (b"phone\n+447700900301\n", "needs a name column"),
        (b"name,phone\n", "no clients"),
        (b"x" * (client_import.MAX_BYTES + 1), "larger than 5 MB"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why(data, words):
    with pytest.raises(ImportFileError, match=words):
        parse(data)


# ---------------------------------------------------------------- processing


def test_good_rows_import_bad_rows_are_reported_and_a_rerun_imports_nothing(db, app, studios, clock):
    lotus, harbour = studios
    make_client(db, lotus, "+447700900399", "Existing Person")
    make_client(db, harbour, "+447700900301", "Harbour's Ana")  # another studio's client is no duplicate
    desk = signed_in(app, db, "lotus", "front_desk")

    response = upload(desk, GOOD_AND_BAD)
    assert response.status_code == 302
    import_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    status = wait_until_finished(desk, import_id)
    assert status | {"id": 0} == {
        "id": 0,
        "status": "done",
        "total": 9,
        "done": 9,
        "imported": 3,
        "skipped": 6,
        "percent": 100,
        "failure": None,
        "stale": False,
    }
    assert clients_of(db, lotus) == {
        "+447700900399": "Existing Person",
        "+447700900301": "Ana Ruiz",
        "+447700900302": "Bo Chen",
        "+17185550123": "Flo Grey",
    }
    assert clients_of(db, harbour) == {"+447700900301": "Harbour's Ana"}
    with db.studio(lotus.studio_id) as s:
        job = s.get(ClientImport, import_id)
        ana = s.scalars(select(Client).where(Client.phone == "+447700900301")).one()
        created = s.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "create"))
    assert (ana.email, ana.notes) == ("ana@x.example", "front row")
    assert created == 3 and job.rows == []  # the report stays; the file's personal data does not
    assert sorted((e["line"], e["reason"]) for e in job.errors) == [
        (4, "not a phone number"),
        (5, "already a client"),
        (6, "same phone as line 3"),
        (7, "missing name"),
        (9, "missing phone"),
        (10, "not an email address"),
    ]
    assert {"line": 4, "value": "not a number", "reason": "not a phone number"} in job.errors

    page = desk.get(f"/admin/clients/import/{import_id}").get_data(as_text=True)
    assert "<b>Done.</b>" in page and "same phone as line 3" in page and 'http-equiv="refresh"' not in page

    again = upload(desk, GOOD_AND_BAD)
    second = wait_until_finished(desk, int(again.headers["Location"].rstrip("/").split("/")[-1]))
    assert (second["status"], second["imported"], second["skipped"]) == ("done", 0, 9)
    assert len(clients_of(db, lotus)) == 4


def test_batches_commit_progress_and_a_second_runner_does_nothing_twice(db, studios, clock):
    lotus, _ = studios
    lines = "".join(f"Client {n},+4477009005{n:02d}\n" for n in range(7))
    with db.studio(lotus.studio_id) as s:
        job = start_import(s, filename="seven.csv", data=f"name,phone\n{lines}".encode(), region="GB", actor="test")
        import_id = job.id
    seen: list[tuple[int, int]] = []

    def look(_session) -> None:  # after each commit, what another connection sees
        with db.studio(lotus.studio_id) as other:
            seen.append((other.get(ClientImport, import_id).done, other.scalar(select(func.count(Client.id)))))

    with db.studio(lotus.studio_id) as s:
        event.listen(s, "after_commit", look)
        done = process(s, import_id, batch=3)
    assert (done.status, done.imported, done.done) == ("done", 7, 7)
    assert seen == [(0, 0), (3, 3), (6, 6), (7, 7), (7, 7)]  # progress and clients land together
    with db.studio(lotus.studio_id) as s:
        assert process(s, import_id).imported == 7  # finished: a retried job changes nothing
    assert len(clients_of(db, lotus)) == 7


def test_a_resumed_import_carries_on_from_the_last_batch(db, studios, clock):
    lotus, _ = studios
    rows = "".join(f"Client {n},+4477009006{n:02d}\n" for n in range(5)) + "Dup,+447700900600\n"
    with db.studio(lotus.studio_id) as s:
        job = start_import(s, filename="five.csv", data=f"name,phone\n{rows}".encode(), region="GB", actor="test")
        import_id = job.id
    with db.studio(lotus.studio_id) as s:  # as if a worker died after the first batch of two
        job = s.get(ClientImport, import_id)
        s.add_all([Client(name="Client 0", phone="+447700900600"), Client(name="Client 1", phone="+447700900601")])
        job.status, job.done, job.imported = "running", 2, 2
        s.commit()
    with db.studio(lotus.studio_id) as s:
        done = process(s, import_id, batch=2)
    assert (done.imported, done.skipped) == (5, 1)
    assert done.errors == [{"line": 7, "value": "+447700900600", "reason": "same phone as line 2"}]
    assert len(clients_of(db, lotus)) == 5


# ---------------------------------------------------------------------- edges


def test_a_file_over_the_limit_is_refused_and_nothing_is_recorded(db, app, studios, clock):
    lotus, _ = studios
    desk = signed_in(app, db, "lotus", "manager")
    big = b"name,phone\n" + b"Ana Ruiz,+447700900301\n" * (client_import.MAX_BYTES // 20)
    response = upload(desk, big)
    assert response.status_code == 413 and "larger than 5 MB" in response.get_data(as_text=True)
    bad = upload(desk, "name,email\nAna,a@x.example\n")
    assert bad.status_code == 400 and "needs a phone column" in bad.get_data(as_text=True)
    with db.studio(lotus.studio_id) as s:
        assert s.scalar(select(func.count(ClientImport.id))) == 0 and s.scalar(select(func.count(Client.id))) == 0


def test_the_progress_page_refreshes_itself_while_the_import_runs(db, app, studios, clock):
    lotus, _ = studios
    with db.studio(lotus.studio_id) as s:
        job = start_import(s, filename="wait.csv", data=b"name,phone\nAna,+447700900301\n", region="GB", actor="t")
    desk = signed_in(app, db, "lotus", "front_desk")
    page = desk.get(f"/admin/clients/import/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Waiting to start" in page and "width: 0%" in page
    assert desk.get(f"/admin/clients/import/{job.id}/status").get_json()["status"] == "queued"


def test_imports_are_scoped_and_instructors_may_not_import(db, app, studios, clock):
    lotus, harbour = studios
    with db.studio(harbour.studio_id) as s:
        theirs = start_import(
            s, filename="theirs.csv", data=b"name,phone\nHal,+12125550100\n", region="US", actor="t"
        ).id
    owner = signed_in(app, db, "lotus", "owner")
    assert owner.get(f"/admin/clients/import/{theirs}").status_code == 404
    assert owner.get(f"/admin/clients/import/{theirs}/status").status_code == 404
    assert "theirs.csv" not in owner.get("/admin/clients/import").get_data(as_text=True)
    teacher = signed_in(app, db, "lotus", "instructor")
    refused = teacher.post(
        "/admin/clients/import",
        content_type="multipart/form-data",
        data={
            "csrf_token": token(teacher, "/admin/login"),
            "file": (io.BytesIO(b"name,phone\nAna,+447700900301\n"), "c.csv"),
        },
    )
    assert refused.status_code == 403
    assert teacher.get(f"/admin/clients/import/{theirs}/status").status_code == 403
    with db.studio(lotus.studio_id) as s:
        assert s.scalar(select(func.count(ClientImport.id))) == 0


@pytest.mark.redis
def test_with_redis_the_import_runs_as_an_rq_job(db, studios, clock, redis_url, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker

    import jobs.tasks as tasks

    lotus, _ = studios
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("DB_APP_ROLE", "frontdesk_app" if db.is_postgres else "")
    tasks.database.cache_clear()
    with db.studio(lotus.studio_id) as s:
        import_id = start_import(
            s, filename="rq.csv", data=b"name,phone\nAna,07700 900301\nBad,12\n", region="GB", actor="t"
        ).id
    queue_name = f"client-import-test-{db.engine.dialect.name}"
    Queue(queue_name, connection=Redis.from_url(redis_url)).empty()
    make_runner(db, redis_url, queue_name=queue_name)(lotus.studio_id, import_id)
    try:
        SimpleWorker(
            [Queue(queue_name, connection=Redis.from_url(redis_url))], connection=Redis.from_url(redis_url)
        ).work(burst=True)
    finally:
        tasks.database().dispose()
        tasks.database.cache_clear()
    with db.studio(lotus.studio_id) as s:
        job = s.get(ClientImport, import_id)
        assert (job.status, job.imported, job.skipped) == ("done", 1, 1)
    assert clients_of(db, lotus) == {"+447700900301": "Ana"}


def test_a_crash_marks_the_import_failed_with_the_reason(db, studios, clock, monkeypatch):
    lotus, _ = studios
    with db.studio(lotus.studio_id) as s:
        import_id = start_import(
            s, filename="x.csv", data=b"name,phone\nAna,+447700900301\n", region="GB", actor="t"
        ).id

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(client_import, "_run_batch", broken)
    with pytest.raises(RuntimeError):
        client_import.run(db, lotus.studio_id, import_id)
    with db.studio(lotus.studio_id) as s:
        job = s.get(ClientImport, import_id)
        assert (job.status, job.failure, job.imported) == ("failed", "RuntimeError: disk full", 0)


def test_the_studio_region_reads_local_numbers(db, clock):
    from app.clients import studio_region
    from app.models import Studio

    lotus = make_studio(db, "lotus")
    ny = make_studio(db, "ny", tz="America/New_York")
    with db.unscoped() as s:
        assert studio_region(s.get(Studio, lotus.studio_id)) == "GB"
    with db.studio(ny.studio_id) as s:  # a studio's own row is changed in its own scope (issue 14)
        studio = s.get(Studio, ny.studio_id)
        assert studio_region(studio) == "US"
        studio.sms_number = "+61400000000"
        assert studio_region(studio) == "AU"  # the studio's own number wins over its timezone
