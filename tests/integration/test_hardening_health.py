"""``/healthz`` reports the database and the queue apart (issue 14, "Health")."""

from __future__ import annotations

from app.config import Settings
from app.db import Database
from app.factory import create_app


def _client(db, redis_url=None):
    app = create_app(Settings(database_url=db.url, redis_url=redis_url), database=db)
    app.config["TESTING"] = True
    return app.test_client()


def test_all_up(db, redis_url):
    response = _client(db, redis_url).get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "queue": "ok"}}


def test_without_a_queue_configured_the_embedded_default_is_ok(db):
    response = _client(db).get("/healthz")
    assert response.status_code == 200 and response.json["checks"]["queue"] == "not used"


def test_redis_down_is_degraded_not_ok(db):
    response = _client(db, "redis://127.0.0.1:1/0").get("/healthz")  # nothing listens on port 1
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["queue"].startswith("down (")


def test_database_down_is_a_503(tmp_path):
    gone = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")  # nothing listens on port 1
    response = _client(gone).get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "down" and body["checks"]["database"].startswith("down (")
    assert "nobody" not in response.get_data(as_text=True)
    gone.dispose()
