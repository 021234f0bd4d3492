"""Issue 15: the per-sender safety pace never makes one sender wait for another, and the
console transport's message ids never repeat (the message log is unique per provider id)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.messaging.delivery import ChunkSize, SenderPace
from app.messaging.transports import ConsoleTransport
from app.models import OutboxMessage
from jobs.due import digest_zones


def fake_pace(rate: float, burst: int = 1) -> tuple[SenderPace, dict]:
    t = {"now": 100.0}
    pace = SenderPace(rate, sleep=lambda s: t.__setitem__("now", t["now"] + s), monotonic=lambda: t["now"], burst=burst)
    return pace, t


def test_a_burst_goes_at_once_then_the_rate_holds():
    pace, t = fake_pace(10, burst=3)
    assert pace.available("+1") == 3
    assert [round(pace.reserve("+1"), 6) for _ in range(5)] == [0.0, 0.0, 0.0, 0.1, 0.2]
    assert pace.available("+1") == 0 and pace.available("+2") == 3
    busy, wait = pace.busy()
    assert busy == ["+1"] and round(wait, 6) == 0.3  # its next slot is 0.3 s away; +2 was never busy
    t["now"] += 0.5
    assert pace.available("+1") == 3 and pace.busy() == ([], 0.0)


def test_no_pacing_means_no_waits():
    pace, _ = fake_pace(0)
    assert [pace.reserve("+1") for _ in range(3)] == [0.0, 0.0, 0.0] and pace.busy() == ([], 0.0)


def test_console_ids_are_unique_across_transports():
    message = OutboxMessage(to_addr="+447700900301", from_addr="+447700900100", body="hi")
    ids = {ConsoleTransport().send(message) for _ in range(50)}  # a new transport per process restart
    assert len(ids) == 50 and all(len(i) <= 64 for i in ids)


def test_the_digest_falls_due_once_in_each_zone_at_seven():
    london, la = ZoneInfo("Europe/London"), ZoneInfo("America/Los_Angeles")
    at_seven = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 07:00 London, 23:00 LA
    assert digest_zones(datetime(2026, 11, 24, 6, 59, tzinfo=UTC), at_seven, [london, la]) == ["Europe/London"]
    assert digest_zones(at_seven, datetime(2026, 11, 24, 7, 1, tzinfo=UTC), [london, la]) == []
    after_outage = datetime(2026, 11, 24, 11, 30, tzinfo=UTC)  # down since 05:00: caught up before noon
    assert digest_zones(datetime(2026, 11, 24, 5, 0, tzinfo=UTC), after_outage, [london]) == ["Europe/London"]
    assert digest_zones(None, datetime(2026, 11, 24, 12, 0, tzinfo=UTC), [london]) == []  # stale after noon


def test_a_chunk_is_about_a_second_of_sending_and_never_more_than_the_batch():
    chunk = ChunkSize(200, seconds=1.0, first=20)
    assert chunk.size == 20  # the transport's speed is not known yet
    chunk.took(20, 0.002)  # a fast transport (a stub): grows, at most 4x a chunk
    assert chunk.size == 80
    chunk.took(80, 0.008)
    assert chunk.size == 200  # capped by the batch
    chunk.took(200, 40.0)  # Twilio at 200 ms a text: a second's worth
    assert chunk.size == 5
    chunk.took(5, 30.0)  # a transport hanging for seconds: one row at a time
    assert chunk.size == 1
    chunk.took(0, 0.0)  # nothing sent: nothing learnt
    assert chunk.size == 1
