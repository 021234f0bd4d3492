"""Owners match intro leads by text; instructors accept or decline them.

Owners and managers answer the newest open match question: "2" picks option 2;
"Tom thu 8am" names an instructor and a time (checked free); "match Jane with Sara
monday 10" names the lead too, for when several are waiting.
Instructors answer with Y or N. With several requests pending, a bare Y/N answers the
oldest; "Y 2" / "N 2" answers the second oldest (the order they were texted in).
These hooks run before the other staff commands and return None when the text is not
for them.
"""

from __future__ import annotations

import re

from bot.dialogue.base import Ctx, Turn
from bot.dialogue.intro import port
from bot.nlu.parse import ParseContext, parse

_MATCH = re.compile(r"^(?:match|book|give|assign)\s+(.+?)\s+(?:with|to)\s+(.+)$")
_ANSWER = re.compile(
    r"^(y|yes|yep|yeah|ok|okay|accept|sure|n|no|nope|decline|cant|can't|can not|cannot)"
    r"(?:\s+#?(\d{1,2}))?[ !.]*$"
)
_NO = {"n", "no", "nope", "decline", "cant", "can't", "can not", "cannot"}


def instructor_reply(c: Ctx) -> Turn | None:
    m = _ANSWER.match(c.parse.text.strip())
    if m is None:
        return None
    leads = port(c)
    if leads is None or not leads.pending_requests():
        return None
    accept = m.group(1) not in _NO
    outcome = leads.answer_request(int(m.group(2) or 1), accept)
    w = c.words
    if outcome.kind == "range":
        return c.say(w.intro_pick_range(outcome.data["count"]))
    if outcome.kind == "booked":
        d = outcome.data
        return c.say(w.intro_instructor_booked(d["lead"], d["at"], d["location"]))
    if outcome.kind == "declined":
        return c.say(w.intro_instructor_declined())
    if outcome.kind == "slot_gone":
        return c.say(w.intro_instructor_slot_gone())
    return None


def owner_reply(c: Ctx) -> Turn | None:
    if c.desk.person.staff_role not in ("owner", "manager"):
        return None
    leads = port(c)
    if leads is None:
        return None
    text = c.parse.text.strip()
    named = _MATCH.match(text)
    if named is not None:
        question = leads.open_question(named.group(1))
        if question is None:
            return c.say(c.words.intro_unknown_lead(named.group(1)))
        return _slot(c, leads, question, _reparse(c, named.group(2)))
    if c.parse.intent == "pick" and c.parse.number is not None and c.parse.when is None:
        question = leads.open_question()
        if question is None:
            return None
        return _said(c, leads.choose_option(question, c.parse.number))
    if c.parse.instructor is not None and c.parse.when is not None and c.parse.when.grain == "minute":
        question = leads.open_question()
        if question is None:
            return None
        return _slot(c, leads, question, c.parse)
    return None


def _reparse(c: Ctx, text: str):
    desk = c.desk
    return parse(text, ParseContext(desk.now(), desk.studio.timezone, desk.studio.date_order, desk.catalog()))


def _slot(c: Ctx, leads, question: int, p) -> Turn:
    if p.instructor is None or p.when is None or p.when.grain != "minute":
        return c.say(c.words.intro_unknown_instructor())
    return _said(c, leads.choose_slot(question, p.instructor.id, (p.when.start, *p.when.alternatives)))


def _said(c: Ctx, outcome) -> Turn:
    w = c.words
    d = outcome.data
    if outcome.ok:
        return c.say(w.intro_asked_instructor(d["instructor"], d["lead"], d["at"], d["location"]))
    if outcome.kind == "range":
        return c.say(w.intro_pick_range(int(d["reason"] or 3)))
    if outcome.kind == "already_matched":
        return c.say(w.intro_already_matched(d["reason"]))
    if outcome.kind == "slot":
        return c.say(w.intro_slot_not_free(d["reason"]))
    return c.say(w.intro_no_open_lead())
