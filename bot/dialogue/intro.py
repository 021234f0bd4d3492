"""New clients and intro offers: the link to buy one, then what suits them.

A prospect who texts "intro", "how do I start?", "first time" or "new here" gets the
studio's intro offer(s) with a payment link. Once paid, every reply of theirs fills the
preferences, one missing slot asked at a time (location, then days and times, then
goals, which may be "none"), until they are confirmed back and the owners are asked.
After the first session the client may reply YES to book the next with the same
instructor; the numbered times are kept in the (idle) context for a little while.

The lead port is ``desk.leads()`` (``app.conversation.lead_desk.SqlLeadDesk``); a desk
without it (a test fake) simply has no intro flow.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.dialogue.base import Ctx, Turn
from bot.nlu.preferences import parse_preferences, when_label

NEXT_TTL = timedelta(hours=2)
# Requests that are never preferences: the rest of the bot answers them as usual.
ELSEWHERE = ("cancel", "list_bookings", "credits", "prices", "human", "join_waitlist", "schedule")


def port(c: Ctx):
    leads = getattr(c.desk, "leads", None)
    return leads() if callable(leads) else None


def start(c: Ctx) -> Turn:
    """ "intro" / "first time" / "new here": the offer(s) and a link to pay."""
    leads = port(c)
    if leads is None:
        return c.say(c.words.no_intro_offer())
    outcome = leads.offer_links()
    if outcome.kind == "unavailable":
        return c.say(c.words.payments_unavailable())
    if not outcome.ok:
        return c.say(c.words.no_intro_offer())
    return c.say(c.words.intro_offers(outcome.data["offers"]))


def respond(c: Ctx) -> Turn | None:
    """A paid lead telling us what suits them, or a client answering the next-session offer."""
    if c.desk.person.client_id is None:
        return None
    leads = port(c)
    if leads is None:
        return None
    if c.context.get("intro_next"):
        turn = _next_choice(c, leads)
        if turn is not None:
            return turn
    lead = leads.awaiting_preferences()
    if lead is not None and c.parse.intent not in ELSEWHERE and not (c.parse.intent == "book" and c.parse.class_match):
        return _preferences(c, leads, lead)
    if c.parse.intent == "yes" and not c.parse.has_slots and c.desk.live_offer().kind != "offer":
        offer = leads.next_session_offer()  # a waitlist spot waiting for this YES comes first
        if offer is not None:
            return _next_times(c, leads, offer)
    return None


def _preferences(c: Ctx, leads, lead: dict) -> Turn:
    prefs = dict(lead["prefs"])
    locations = lead["locations"]
    asked = prefs.pop("asked", None)
    found = parse_preferences(c.raw, locations + lead["aliases"], asked_goals=asked == "goals")
    if found.location is not None:
        chosen = next((loc for loc in locations if loc.id == found.location.id), found.location)
        prefs["location_id"], prefs["location"] = chosen.id, chosen.name
    elif len(locations) == 1:
        prefs["location_id"], prefs["location"] = locations[0].id, locations[0].name
    if found.days is not None and found.windows is not None:  # ``when_given``: the parse fills both or neither
        prefs.update(
            days=list(found.days),
            days_label=found.days_label,
            windows=[list(w) for w in found.windows],
            times_label=found.times_label,
        )
    if found.goals:
        prefs["goals"] = found.goals
    if found.goals or found.no_goals or lead["goals"]:
        prefs["goals_done"] = True
    question = None
    if "location_id" not in prefs:
        question, prefs["asked"] = c.words.intro_ask_location([loc.name for loc in locations]), "location"
    elif "days" not in prefs:
        question, prefs["asked"] = c.words.intro_ask_when(), "when"
    elif not prefs.get("goals_done"):
        question, prefs["asked"] = c.words.intro_ask_goals(), "goals"
    if question is not None:
        leads.save_preferences(lead["id"], prefs)
        return c.say(question)
    leads.preferences_in(lead["id"], prefs)
    goals = prefs.get("goals") or lead["goals"]
    return c.say(
        c.words.intro_prefs_confirmed(prefs["location"], when_label(prefs["days_label"], prefs["times_label"]), goals)
    )


def _next_times(c: Ctx, leads, offer: dict) -> Turn:
    times, location = leads.next_session_times(offer["lead_id"])
    if not times:
        c.desk.ask_staff(
            f"{c.desk.person.client_name or 'An intro client'} wants to book again with "
            f"{offer['instructor']}, who has no free times."
        )
        return c.say(c.words.intro_next_none(offer["instructor"]))
    until = (c.desk.now() + NEXT_TTL).isoformat()
    return c.say(
        c.words.intro_next_options(offer["instructor"], times, location),
        intro_next={"lead_id": offer["lead_id"], "times": [t.isoformat() for t in times], "until": until},
    )


def _next_choice(c: Ctx, leads) -> Turn | None:
    pending = c.context["intro_next"]
    if datetime.fromisoformat(pending["until"]) <= c.desk.now():
        return None
    times = [datetime.fromisoformat(t) for t in pending["times"]]
    number = c.parse.number if c.parse.intent == "pick" else None
    if number is None and c.parse.intent == "yes" and len(times) == 1:
        number = 1
    if number is None or not 1 <= number <= len(times):
        return None
    outcome = leads.book_next(pending["lead_id"], times[number - 1])
    if not outcome.ok:
        return c.say(c.words.intro_next_gone())
    d = outcome.data
    return c.say(c.words.intro_next_booked(d["instructor"], d["at"], d["location"], d["left"]))
