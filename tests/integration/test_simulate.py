"""``frontdesk simulate`` and ``frontdesk nlu`` follow their JSON contracts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
SMS = "+447700900100"
SAM, PRIYA, JON = "+447700900301", "+447700900302", "+447700900303"


def msg(at, who, body, channel="sms"):
    return json.dumps({"at": at, "from": who, "to": SMS, "channel": channel, "body": body})


SCRIPT = [
    msg("2026-11-23T09:00:00+00:00", SAM, "book yoga wed 6pm"),
    msg("2026-11-23T09:01:00+00:00", SAM, "book yin tomorrow"),
    msg("2026-11-23T09:02:00+00:00", PRIYA, "book yin tomorrow"),
    msg("2026-11-23T09:02:30+00:00", PRIYA, "yes"),
    msg("2026-11-23T09:05:00+00:00", SAM, "cancel yin"),
    msg("2026-11-23T09:10:00+00:00", PRIYA, "YES"),
    msg("2026-11-24T12:00:00+00:00", PRIYA, "cancel yin"),
    msg("2026-11-24T12:01:00+00:00", PRIYA, "yes"),
    msg("2026-11-24T12:05:00+00:00", JON, "STOP"),
    msg("2026-11-24T12:06:00+00:00", JON, "book yoga wed 6pm"),
    msg("2026-11-24T12:07:00+00:00", JON, "START"),
    json.dumps({"tick": "2026-11-24T18:30:00+00:00"}),
]


@pytest.fixture
def small_lotus(tmp_path):
    fixture = tmp_path / "lotus.toml"
    text = LOTUS.read_text()
    fixture.write_text(
        text.replace(
            'key = "yin"\nname = "Yin Yoga"\ncategory = "Yoga"\nduration_min = 75\ncapacity = 14',
            'key = "yin"\nname = "Yin Yoga"\ncategory = "Yoga"\nduration_min = 75\ncapacity = 1',
        )
    )
    assert "capacity = 1\n" in fixture.read_text()
    return fixture


def run(args, stdin=""):
    result = CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_scripted_day(small_lotus):
    out = run(["simulate", "--fixture", str(small_lotus), "--now", "2026-11-23T09:00:00+00:00"], "\n".join(SCRIPT))
    lines, state = out[:-1], out[-1]["state"]
    assert all(set(x) == {"at", "from", "to", "channel", "body", "kind"} for x in lines)
    said = [(x["kind"], x["to"], x["body"]) for x in lines if x["kind"] not in ("inbound", "daily_digest")]
    digests = [x for x in lines if x["kind"] == "daily_digest"]
    assert [(d["to"], d["at"]) for d in digests] == [
        ("+447700900201", "2026-11-23T09:00:00+00:00"),
        ("+447700900201", "2026-11-24T07:00:00+00:00"),
    ]
    assert said[0] == (
        "reply",
        SAM,
        "Booked: Vinyasa Flow, Wed 25 Nov 18:00 at Shoreditch with Maya. 9 credits left. "
        "Free to cancel until Wed 06:00.",
    )
    assert (
        "reply",
        PRIYA,
        "Yin Yoga, Tue 24 Nov 19:30 is full. Want me to add you to the waitlist? Reply YES or NO.",
    ) in said
    offer = next(x for x in lines if x["kind"] == "waitlist_offer")
    assert offer["to"] == PRIYA and offer["from"] == SMS and offer["at"] == "2026-11-23T09:05:00+00:00"
    assert (
        offer["body"] == "A spot opened in Yin Yoga, Tue 24 Nov 19:30 at Shoreditch! Reply YES by 09:35 to "
        "claim it, or NO to pass."
    )
    assert any(k == "reply" and to == PRIYA and b.startswith("Booked: Yin Yoga, Tue 24 Nov 19:30") for k, to, b in said)
    assert (
        "reply",
        PRIYA,
        "Yin Yoga Tue 24 Nov 19:30 is less than 12h away, so it counts as a late cancel. "
        "Reply YES to cancel anyway, or NO to keep your spot.",
    ) in said  # a member: no credit
    jon = [(k, b) for k, to, b in said if to == JON]
    assert jon[0][1].startswith("You're unsubscribed") and jon[1][1].startswith("Welcome back!") and len(jon) == 2
    reminder = next(x for x in lines if x["kind"] == "reminder_24h" and x["to"] == SAM)
    assert reminder["to"] == SAM and reminder["at"] == "2026-11-24T18:00:00+00:00"
    assert reminder["body"] == (
        "Reminder: Vinyasa Flow tomorrow at 18:00, Shoreditch with Maya. Can't make it? Reply C to cancel."
    )

    bookings = {(b["phone"], b["class"]): b for b in state["bookings"]}
    assert bookings[(SAM, "Vinyasa Flow")] == {
        "studio": "lotus",
        "phone": SAM,
        "class": "Vinyasa Flow",
        "start": "2026-11-25T18:00:00+00:00",
        "location": "Shoreditch",
        "status": "confirmed",
    }
    assert bookings[(SAM, "Yin Yoga")]["status"] == "cancelled"
    assert bookings[(PRIYA, "Yin Yoga")]["status"] == "late_cancelled"
    assert state["waitlist"] == [
        {
            "studio": "lotus",
            "phone": PRIYA,
            "class": "Yin Yoga",
            "start": "2026-11-24T19:30:00+00:00",
            "position": None,
            "status": "claimed",
        }
    ]
    assert state["credits"] == {f"lotus:{SAM}": 9, f"lotus:{PRIYA}": 0, f"lotus:{JON}": 1}


def test_unanswered_offer_lapses_in_time_order(small_lotus):
    script = [
        msg("2026-11-23T09:00:00+00:00", SAM, "book yin tomorrow"),
        msg("2026-11-23T09:01:00+00:00", PRIYA, "book yin tomorrow"),
        msg("2026-11-23T09:01:30+00:00", PRIYA, "yes"),
        msg("2026-11-23T09:02:00+00:00", JON, "book yin tomorrow"),
        msg("2026-11-23T09:02:30+00:00", JON, "yes"),
        msg("2026-11-23T09:05:00+00:00", SAM, "cancel yin"),
        msg("2026-11-23T10:00:00+00:00", PRIYA, "yes"),
    ]
    out = run(["simulate", "--fixture", str(small_lotus), "--now", "2026-11-23T09:00:00+00:00"], "\n".join(script))
    kinds = [(x["kind"], x["to"], x["at"]) for x in out[:-1] if x["kind"] not in ("inbound", "reply", "daily_digest")]
    assert kinds == [
        ("waitlist_offer", PRIYA, "2026-11-23T09:05:00+00:00"),
        ("offer_expired", PRIYA, "2026-11-23T09:35:00+00:00"),
        ("waitlist_offer", JON, "2026-11-23T09:35:00+00:00"),
    ]
    last = [x for x in out[:-1] if x["kind"] == "reply"][-1]
    assert last["to"] == PRIYA and last["body"].startswith("Sorry, that spot in Yin Yoga, Tue 24 Nov 19:30 has gone")


def test_bad_script_lines_are_reported():
    result = CliRunner().invoke(
        cli,
        ["simulate", "--fixture", str(LOTUS), "--now", "2026-11-23T09:00:00+00:00"],
        input='{"tick": "2026-11-23T08:00:00"}\n',
    )
    assert result.exit_code == 1 and "has no UTC offset" in result.output


def test_nlu_contract():
    lines = [
        {"text": "book yoga tomorrow 6pm", "now": "2026-11-23T09:00:00+00:00", "tz": "Europe/London"},
        {"text": "at 3pm", "now": "2026-11-23T16:00:00+00:00", "tz": "Europe/London"},
        {"text": "cancel 2", "now": "2026-11-23T09:00:00+00:00"},
        {"text": "STOP"},
    ]
    out = run(
        ["nlu", "--now", "2026-11-23T09:00:00+00:00", "--tz", "Europe/London"], "\n".join(json.dumps(x) for x in lines)
    )
    assert out[0] == {
        "intent": "book",
        "when": {"start": "2026-11-24T18:00:00+00:00", "end": None, "grain": "minute"},
        "class": "Yoga",
        "instructor": None,
        "number": None,
        "confidence": out[0]["confidence"],
        "target": None,
        "minutes": None,
        "numbers": [],
        "names": [],
        "package": None,
        "also": [],
        "lang": None,
        "unplaced": None,
    }
    assert 0 < out[0]["confidence"] <= 1
    assert out[1]["when"]["start"] == "2026-11-24T15:00:00+00:00"
    assert (out[2]["intent"], out[2]["number"], out[2]["when"]) == ("cancel", 2, None)
    assert out[3]["intent"] == "opt_out"


def test_nlu_with_a_studio_reads_a_bare_hour_against_the_timetable():
    out = run(
        ["nlu", "--fixture", str(LOTUS), "--studio", "lotus"],
        json.dumps({"text": "yoga at 6 wed", "now": "2026-11-23T09:00:00+00:00"}),
    )
    assert out[0]["class"] == "Yoga" and out[0]["when"]["start"] == "2026-11-25T18:00:00+00:00"
