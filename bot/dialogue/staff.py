"""Staff texting the studio number: their classes today and who is in a class.

Owner matching of intro leads plugs in here (``LEAD_HOOKS``) when that flow lands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bot.desk import SessionQuery
from bot.dialogue import matching
from bot.dialogue.base import Ctx, Turn

LEAD_HOOKS: list[Callable[[Ctx], Turn | None]] = [matching.instructor_reply, matching.owner_reply]

_ROSTER = re.compile(r"\b(who'?s|who is|whos|who are|roster|register|list for|booked (in|for))\b")
_TODAY = re.compile(r"^(today|my classes|my day|schedule|classes today|today'?s classes)\b")


def respond(c: Ctx) -> Turn | None:
    for hook in LEAD_HOOKS:
        turn = hook(c)
        if turn is not None:
            return turn
    text = c.parse.text
    person = c.desk.person
    now = c.desk.now()
    day_start = now.astimezone(c.words.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if _ROSTER.search(text):
        query = _query_for(c, day_start)
        sessions = c.desk.find_sessions(query)
        if not sessions:
            return c.say("I can't find that class. Try 'who's in 6pm' or 'who's in reformer thu'.")
        s = sessions[0]
        return c.say(c.words.roster(s, c.desk.roster(s.id)))
    if _TODAY.search(text):
        mine = person.staff_role == "instructor"
        sessions = c.desk.find_sessions(
            SessionQuery(
                start=day_start, end=day_start + timedelta(days=1), staff_id=person.staff_id if mine else None, limit=12
            )
        )
        return c.say(c.words.staff_today(sessions))
    if c.desk.person.client_id is None:
        assert person.staff_name is not None  # only staff get here (the machine checks ``staff_id``)
        return c.say(c.words.staff_help(person.staff_name.split()[0]))
    return None


def _query_for(c: Ctx, day_start) -> SessionQuery:
    p = c.parse
    class_ids = p.class_match.class_type_ids if p.class_match else ()
    if p.when is not None and p.when.grain == "minute":
        return SessionQuery(class_ids, exact=(p.when.start, *p.when.alternatives), limit=1)
    if p.when is not None:
        return SessionQuery(class_ids, start=p.when.start, end=p.when.end, limit=1)
    return SessionQuery(
        class_ids, start=max(c.desk.now() - timedelta(hours=2), day_start), end=day_start + timedelta(days=1), limit=1
    )
