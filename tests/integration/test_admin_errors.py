"""Refused (403) and missing (404) pages under /admin are the panel's own friendly pages,
with the same status; other paths (the Twilio webhook) keep their plain responses."""

from __future__ import annotations

from tests.factories import make_client, make_studio
from tests.integration.test_admin_calendar import app, post, sign_in  # noqa: F401  (the app fixture)

REFUSED = "You don&#39;t have access to this page"
MISSING = "We couldn&#39;t find that"


def test_a_refused_page_says_so_in_the_panel_with_403(db, app):  # noqa: F811
    make_studio(db, "lotus")
    teacher = sign_in(app, "lotus", "instructor", name="Tom")
    for path in ("/admin/dashboard/", "/admin/setup/", "/admin/setup/class-types/new/"):
        response = teacher.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 403, path
        assert REFUSED in page and "not part of the instructor role" in page, path
        assert 'class="topbar"' in page and 'href="/admin/"' in page, path  # the panel's header and a way home
    desk = sign_in(app, "lotus", "front_desk", name="Dee")
    refused = post(desk, "/admin/setup/studio/", {"name": "Renamed"}, page="/admin/clients")
    assert refused.status_code == 403 and "not part of the front desk role" in refused.get_data(as_text=True)


def test_a_missing_page_or_another_studios_record_is_a_friendly_404(db, app):  # noqa: F811
    make_studio(db, "lotus")
    other = make_studio(db, "harbour")
    theirs = make_client(db, other, "+447700900555", "Sam Other")
    owner = sign_in(app, "lotus", "owner", name="Ana")
    for path in ("/admin/no-such-page", f"/admin/clients/{theirs}", "/admin/setup/locations/edit/?id=999999"):
        response = owner.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert MISSING in page and "Back to the home page" in page and 'class="topbar"' in page, path
        assert "Sam Other" not in page


def test_signed_out_visitors_are_still_sent_to_sign_in(db, app):  # noqa: F811
    response = app.test_client().get("/admin/dashboard/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    missing = app.test_client().get("/admin/no-such-page")
    assert missing.status_code == 404 and MISSING in missing.get_data(as_text=True)


def test_paths_outside_the_panel_keep_their_plain_responses(db, app, monkeypatch):  # noqa: F811
    monkeypatch.delenv("TWILIO_SKIP_SIGNATURE", raising=False)
    refused = app.test_client().post("/twilio/inbound", data={"From": "+447700900123", "Body": "hi"})
    assert refused.status_code == 403
    assert refused.get_data(as_text=True) == "invalid Twilio signature\n"
    missing = app.test_client().get("/no-such-page")
    assert missing.status_code == 404 and "<h1>Not Found</h1>" in missing.get_data(as_text=True)
