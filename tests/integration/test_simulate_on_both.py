"""The simulator runs its scripts on the test's own database, so scripted conversations
are tested on SQLite and on PostgreSQL alike (``tests/simulation.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.simulation import replies_to, simulate

LOTUS = Path(__file__).parents[1] / "data" / "lotus.toml"
SAM, STUDIO = "+447700900301", "+447700900100"


def test_a_script_books_on_the_tests_database(db):
    out = simulate(
        db,
        LOTUS,
        "2026-11-23T09:00:00+00:00",
        [
            {"at": "2026-11-23T09:00:00+00:00", "from": SAM, "to": STUDIO, "body": "book yoga wed 6pm"},
        ],
    )
    assert replies_to(out, SAM)[0].startswith("Booked: Vinyasa Flow, Wed 25 Nov 18:00")
    assert [b["phone"] for b in out[-1]["state"]["bookings"]] == [SAM]
