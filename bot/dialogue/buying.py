"""Buying a package by text: "buy 10 pack", "buy the 5 class pass", or "buy" then a number.

The reply is a payment link (the desk makes the checkout); an unknown package is said
plainly, with the numbered list to pick from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from bot.desk import PackageView, SessionView
from bot.dialogue.base import Ctx, State, Turn

_BUY = re.compile(r"\b(buy|purchase)\b")
_FILLER = re.compile(
    r"\b(i'?d like to|i would like to|i want to|can i|could i|please|pls|buy|purchase|me|a|an|"
    r"the|one of|your|another|new|some)\b"
)
_NUMBER_WORDS = {
    "one": 1,
    "single": 1,
    "five": 5,
    "ten": 10,
    "twenty": 20,
    "fifteen": 15,
    "three": 3,
    "four": 4,
    "six": 6,
    "eight": 8,
    "twelve": 12,
}
_UNLIMITED = re.compile(r"\b(unlimited|membership|monthly|month)\b")
_DROP_IN = re.compile(r"\b(drop ?-?in|single class|one class)\b")
_GENERIC = re.compile(r"\b(pack|packs|pass|passes|class|classes|package|packages|sessions?|credits?|x)\b")


# a question comparing the packs on offer: the prices again, never a payment link
COMPARING = re.compile(
    r"\b(difference|differences|compare|comparison|versus|vs\.?|which (one )?is (better|cheaper|best)|worth it|"
    r"what'?s included|what do i get|how long (is it|are they|does it last)|valid for)\b"
)


def wants_to_buy(text: str) -> bool:
    lowered = text.lower()
    return bool(_BUY.search(lowered)) and "how much" not in lowered


def wanted(text: str) -> str:
    """What follows "buy", without the filler words ("" when nothing was named)."""
    lowered = text.lower().strip(" ?!.")
    return re.sub(r"\s+", " ", _FILLER.sub(" ", lowered)).strip()


def _numbers(text: str) -> list[int]:
    found = [int(n) for n in re.findall(r"\d+", text)]
    found += [n for word, n in _NUMBER_WORDS.items() if re.search(rf"\b{word}\b", text)]
    return found


def match(request: str, packages: Sequence[PackageView]) -> list[PackageView]:
    """The packages ``request`` can mean: by class count, by kind words, then by name."""
    if not request or not packages:
        return []
    numbers = _numbers(request)
    if numbers:
        n = numbers[0]
        hits = [p for p in packages if p.credits == n or str(n) in re.findall(r"\d+", p.name)]
        if len(hits) > 1:
            named = [p for p in hits if fuzz.token_set_ratio(request, p.name.lower()) >= 80]
            return named or hits
        return hits
    if _UNLIMITED.search(request):
        return [p for p in packages if p.credits is None]
    if _DROP_IN.search(request):
        return [p for p in packages if p.credits == 1]
    words = _GENERIC.sub(" ", request).strip()
    if not words:
        return []
    best = process.extract(
        words, {i: p.name.lower() for i, p in enumerate(packages)}, scorer=fuzz.WRatio, score_cutoff=80, limit=3
    )
    return [packages[i] for _, _, i in best]


COMPARING = re.compile(r"\b(cheaper|better|best|worth|difference|compare|vs|versus|which (is|one))\b")


def start(c: Ctx) -> Turn:
    packages = c.desk.packages()
    if COMPARING.search(c.parse.text) and not _BUY.search(c.parse.text):  # "whats cheaper, 10 pack or unlimited?"
        return c.say(c.words.prices(packages))
    request = wanted(c.parse.text or c.raw)
    if not request or not _GENERIC.sub(" ", request).strip() and not _numbers(request):
        return _choose(c, packages)
    found = match(request, packages)
    if len(found) == 1:
        return checkout(c, found[0])
    if found:
        return _choose(c, found)
    return _choose(c, packages, unknown=request)


def _choose(c: Ctx, packages: Sequence[PackageView], unknown: str | None = None, prefix: str = "") -> Turn:
    text = c.words.choose_package(packages, unknown, lead=prefix)
    if not packages:
        return c.say(text)
    shown = list(packages)[: text.count("\n") - 1 or 1]
    then_book = c.context.get("then_book")
    extra = {"then_book": then_book} if then_book else {}
    return c.say(text, state=State.CHOOSING_PACKAGE, options=[p.id for p in shown], **extra)


def credits_short(c: Ctx, session: SessionView | None, data: dict, *, class_name: str | None = None) -> Turn:
    """Not enough credits for a class (or a 1:1: ``session`` None, ``class_name`` given): how
    many it takes and how many the client has, then the packs that would cover it as a
    numbered menu, cheapest first; once a pack bought from it is paid, the class is offered
    again (``then_book``, read by the payment's confirmation). A class is paid from one pack
    (``credits.choose_pack``), so only packs holding the class's whole cost are offered: a
    1-credit drop-in never books a 2-credit class, whatever else the client holds."""
    needed, have = data.get("needed"), data.get("have")
    name = session.class_name if session is not None else (class_name or "That class")
    if data.get("expired") or needed is None or have is None:
        head = c.words.no_credits(bool(data.get("expired"))).split(". Reply")[0] + "."
        short = needed or 1
    else:
        head = c.words.credits_short(name, needed, have)
        short = needed
    packages = [p for p in c.desk.packages() if p.credits is None or p.credits >= short]
    packages.sort(key=lambda p: p.price)
    if not packages:
        return c.say(c.words.no_credits(bool(data.get("expired"))))
    if session is not None:
        c.context["then_book"] = session.id
    return _choose(c, packages, prefix=head)


def choosing(c: Ctx) -> Turn | None:
    """The answer to "which would you like to buy?": a number, or a package's name."""
    options = c.context.get("options") or []
    packages = {p.id: p for p in c.desk.packages()}
    offered = [packages[i] for i in options if i in packages]
    if COMPARING.search(c.parse.text or c.raw):  # "whats the difference between the 10 pack and unlimited"
        return c.say(c.words.prices(offered), state=State.CHOOSING_PACKAGE, options=options)
    named = match(c.parse.package or wanted(c.parse.text or c.raw), offered)
    if c.parse.number is not None and c.parse.intent in ("pick", "buy", "unknown", "book") and len(named) != 1:
        n = c.parse.number
        n = len(offered) if n == -1 else n
        if 1 <= n <= len(offered):
            return checkout(c, offered[n - 1])
        return c.say(c.words.choose_package(offered), state=State.CHOOSING_PACKAGE, options=options)
    found = named if len(named) == 1 else match(c.parse.package or wanted(c.parse.text or c.raw), offered)
    if len(found) != 1 and c.parse.package:
        found = match(wanted(c.parse.text or c.raw), offered)
    if len(found) == 1:
        return checkout(c, found[0])
    return None  # not an answer: read the message fresh


def checkout(c: Ctx, package: PackageView) -> Turn:
    outcome = c.desk.buy(package.id)
    if outcome.ok:
        then_book = c.context.get("then_book")
        extra: dict = {"then_book": then_book} if then_book else {}
        extra["last_checkout"] = {
            "name": outcome.data["name"],
            "price": str(outcome.data["price"]),
            "valid_days": package.valid_days,
            "credits": package.credits,
        }
        return c.say(c.words.checkout_link(outcome.data["name"], outcome.data["price"], outcome.data["url"]), **extra)
    if outcome.kind == "unknown":
        return _choose(c, c.desk.packages())
    return c.say(c.words.payments_unavailable())
