"""Text as the parser wants it: lowercase ASCII-ish words, SMS spellings expanded.

Digits and the characters times and dates need (``:`` ``.`` ``/``) survive; a
sentence-final full stop does not stick to the word before it ("6pm." -> "6pm").
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import OSA

_EMOJI_WORDS = {"👍": " yes ", "👌": " yes ", "✅": " yes ", "🙏": " thanks ", "👎": " no ", "❌": " no "}
_TYPOGRAPHY = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
}

SPELLINGS = {
    "tomorrow": (
        "tmrw",
        "tmr",
        "tmrow",
        "tmro",
        "tomoz",
        "tmoz",
        "tomoro",
        "tomorro",
        "2moro",
        "2morrow",
        "2mrw",
        "2morow",
        "tomorow",
        "tommorow",
        "tommorrow",
        "tomrrow",
        "tmorrow",
        "tomorrw",
        "tomm",
        "tmw",
        "tomorrows",
        "tmrow",
        "2moz",
        "tomozz",
    ),
    "tonight": ("tonights", "tonite", "tonites", "tonite", "2nite", "tonigh", "tonigt", "2night"),
    "night": ("nite",),
    "weekend": ("wknd", "wkend"),
    "afternoon": ("arvo", "aftn", "afternoonish"),
    "midday": ("mid-day",),
    "today": ("2day", "tdy", "todya", "toady"),
    "please": ("pls", "plz", "plss", "pleas", "pleae"),
    "thanks": ("thx", "thnx", "thanx", "ty", "thanku", "tnx", "thks"),
    "you": ("u",),
    "are": ("r",),
    "week": ("wk",),
    "next": ("nxt",),
    "thursday": ("thrusday", "thurday", "thursdya", "thurdsay"),
    "wednesday": ("wednesay", "wedensday", "wendsday", "wensday", "wednsday", "wedsday"),
    "tuesday": ("tuseday", "tuesdy", "teusday", "tusday"),
    "saturday": ("saturdy", "satuday", "saterday"),
    "friday": ("firday", "fridya"),
    "monday": ("mondya", "monady"),
    "sunday": ("sundya",),
    "morning": ("mornin", "morn"),
    "evening": ("evenin", "eve"),
    "minutes": ("mins", "min"),
    "hours": ("hrs", "hr"),
    "o'clock": ("oclock",),
    "what": ("wat", "wot", "wht", "whta"),
    "whats": ("wats", "wots", "whts", "wuts", "wats's"),
    "sorry": ("soz", "sozz", "sry", "srry", "sorri"),
    "have": ("hav",),
    "hello": ("helo", "hellow", "hellooo"),
    "reschedule": ("resched", "re-schedule"),
}
_DAYS = {
    "today",
    "tomorrow",
    "tonight",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "weds",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
}
_CLOCK_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_WORDS = {variant: canonical for canonical, variants in SPELLINGS.items() for variant in variants}


def _one_slip(word: str) -> set[str]:
    """Every spelling one slip away from ``word``: a letter dropped, doubled, swapped, changed or added."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in cuts if b}
        | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
        | {a + c + b[1:] for a, b in cuts if b for c in letters}
        | {a + c + b for a, b in cuts for c in letters}
    )


# "cnacel", "cansel", "cancle": the one verb clients most need understood, however it is typed;
# real words one slip away ("cancer", "chancel") are left alone
for _slip in _one_slip("cancel") - {"cancel", "cancer", "chancel", "canal"}:
    _WORDS.setdefault(_slip, "cancel")
_ARROW = re.compile(r"\s*(?:-+>|=+>|\u2192|\u27f6|\u21d2)\s*")  # "wed -> thurs": to


def normalise(text: str) -> str:
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    if ">" in text or "\u2192" in text or "\u27f6" in text or "\u21d2" in text:
        text = _ARROW.sub(" to ", text)
    text = "".join(_TYPOGRAPHY.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKC", text).lower()
    if text.isascii():
        text = "".join(ch if (ch.isalnum() or ch in " :./?'#£$&-@") else " " for ch in text)
    else:  # the vowel signs of Thai, Devanagari and the like belong to their words
        text = "".join(
            ch
            if (ch.isalnum() or ch in " :./?'#£$&-@" or (ch > "\u02ff" and unicodedata.category(ch)[0] == "M"))
            else " "
            for ch in text
        )
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", text)  # "6 p.m." -> "6 pm"
    text = re.sub(rf"\b(\d{{1,2}}|{_CLOCK_WORDS})\s*([ap])\s+m\b", r"\1 \2m", text)  # "nine a m" -> "nine am"
    text = re.sub(r"\bo\s+clock\b", "o'clock", text)
    text = re.sub(r"\bmid\s+day\b", "midday", text)
    text = re.sub(r"(?<=\d)\s+/\s*(?=\d)|(?<=\d)/\s+(?=\d)", "/", text)  # "2 / 15" -> "2/15"
    text = re.sub(r"(?<!\d)[.](?!\d)", " ", text)  # keep 6.30, drop sentence stops
    text = re.sub(r"(?<![\d])/|/(?![\d])", " ", text)  # keep 3/4
    text = re.sub(r"(?<=\w)\?", " ?", text)
    words = [_WORDS.get(w, _WORDS.get(w.removesuffix("'s"), w)) for w in text.split()]
    words = [w.removesuffix("'s") if w.endswith("'s") and w[:-2] in _DAYS else w for w in words]
    return " ".join(words)


def tokens(text: str) -> list[str]:
    return [w for w in text.split() if w not in ("?",)]


# ----------------------------------------------------------------------------- typos
#
# A slip in a word the parser reads ("credts", "waitlsit", "resheduel", "boook") is put right
# against the parser's own words and the studio's class words: only a word that is neither
# one of those nor a real English word near them (``_REAL``), of four letters or more, one
# slip away (two from seven letters on), first letter kept, one nearest word only. Short
# words are never guessed at; the SMS forms above spell them. Each word's answer is kept.

KEYWORDS = frozenset(
    """book booking bookings booked reserve reserved reservation rebook rebooked reschedule rescheduled
    cancel cancelled cancelling cancellation cancellations waitlist waitlisted waiting list queue position
    credit credits balance price prices pricing cost costs much many package packages pack packs membership
    memberships unlimited monthly purchase refund charge charged charges dispute running late behind traffic
    arrived arriving checking check here outside sorry thanks thank please help human person speak talk
    schedule timetable available availability space spaces spot spots left class classes session sessions
    tomorrow today tonight morning afternoon evening night weekend week weekdays next monday tuesday wednesday
    thursday friday saturday sunday january february march april june july august september october
    november december minutes hours what whats when where which have anything instructor teacher appointment
    policy subscribe unsubscribe remove intro trial waive show there coming would could should want like
    about anyone someone still free open full move change switch swap transfer hello""".split()
)
# real words one slip from a keyword or a class word, and the words texters write that no
# dictionary holds ("dont", "gonna"); none of them is ever changed
_REAL_EXTRA = frozenset(
    """dont didnt cant wont isnt wasnt doesnt havent hasnt shouldnt couldnt wouldnt arent werent ive youre
    theyre thats whats hows lets gonna wanna gotta lemme kinda dunno yeah yeahh nope yess thnks hiya heya
    cheers okay okey okie sooo tmrw omw morn""".split()
)
_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "ers", "ly", "y")
_ALPHA = re.compile(r"[a-z]+")
_TYPO_CACHE: dict[tuple[frozenset[str], frozenset[str]], dict[str, str | None]] = {}
# real words that are slips only after "i'm"/"we're": "im hear for flow"
_HEAR = re.compile(r"\b(i'?m|i am|we'?re|we are|am|is|are) hear\b")
_INN = re.compile(r"\b(drop|check|checked|checking|booked|book|sign|signed|me|us) inn\b")
_HOW = re.compile(r"\b(?:hw|hiw|hoe|hpw|jow|hos|hwo) (much|many|long|far|late|do|does|can)\b")


def _limit(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) <= 6 else 2


# generated once from the system word lists (wamerican, wbritish): every English word, names
# included, one slip from a keyword or a common class word ("boot", "cancer", "personnel")
_REAL = frozenset(
    """
    abcs abms abort abut advance advances aims albs alcyone alms anemone anointment anteing antoine antone
    anymore aquae archived archiving arcs ares arising arks army arrayed arraying arrival arrive arrives
    arterial arts assailable augusta augustan augustus avoidable baath bach backing backings balking banking
    bare barer barge barking barn barr barrage barrel barrels barren barrens barrera barrett barrie barrier
    barry barth bash basking batch bate bathe bats batu behring belinda bern beth bethink bilking bizarre
    blanche blocked blocking blooded blooding bloomed blooming blowing boating bobbing bode boding bodkins
    boeing bogging bogy boiling boilings boinked boinking bolting bombing bombings bonding bonging boning bony
    boob boobed boobing booed boogied booing bookend bookends bookies bookish booklet boom boomed booming boon
    boor boos boosted boosting boot booted booting boozed boozing bopping boring bork born bossing bowing
    bowling boyd braking breastwork brooded brooding brook brooked brooking bucking bulking bunged bungle
    bungled bungler bungles bunking buoying burg burl burnt burp burr burs burt bury cabling caching cackling
    calling calming camilla camping cancelation cancer cancers care cargoes caroming cast casts catcalled
    catcalling cedilla cedillas ceiling chaffed chain chained chaises chalked chalking champed chance chanced
    chancel chancels chances chang channel channelled channelling chanted chanter chantey chapped char charade
    charades charger chargers charier chariest charles charley charlie charmed charmer charmers charred charted
    charter charters chartres chassis chatted cheating checkering checkup cheek cheeking cheeping cheering
    cheesing chequing chewing chick chiming chinking chirped chock chocking choir choking chomping chore chowing
    chroming chuck chucking chuckling chugged churned circlet circlets circling circuitous circuitry circuses
    clacking clair clams clanged clans claps clash clashed clashes clasp clasped clasps classic classics
    classier classiest classless claus clauses claws cleanses clerking clicking clocking clomping cloning
    closets closing cloying clucking coaling coast coasts coat coating coats coaxing cocking codding code coding
    coifing coiling coining coke coking cold cole colt colts combine combing compact conceal concealed
    concealing condillac cone conking conning consing cont cooing cooking cooling cooping coot coots cope coping
    copings copping copying cora cord cording coring cork corking corm corn corning corp corsets cory costars
    cosy cote cots coupled cove cowing cowling cracking crashes crass crasser crassest creaking creditor
    creditors cretins cricking crosses crossest crossfire crowing crudity culling cumming cure curling cutlass
    cutlasses cyclist cyclone cyst cysts dancer dancers dane dante deceiver despite dispose disrepute dunce
    earning emending empress espresso evading evincing evoking experts expires exposes fall faraday fell fill
    flaw flee flew floe flog flop flown foal form fred freer fret frey friedan frye fuel furl glues gluiest
    gluten gluts glutted hake hale halve haman harbor harbors hare hate hath havel haven haze heap heave hebe
    heep held hell hellion hells helm hemp hera herb herd hero hers hilt hint hire hive holt honours hoot horus
    host housman hove huffman humane humours instruct instructed instruction instructs jaguars jane jude judy
    jung junk juno jury jute lace lade lags lake lame lane lase latex lath lathe lats latte laue laze leas lees
    lego leis lens lent leos lept less lest lice life lift liken liker lilt lime line lint lire lisa lisp liszt
    lite live locus loft logs lost lots louts lugs luke lust lute mach machete machinery macy malt mandy mane
    mangy mani manly mann manning mans manures manx marc marci marco marcy marking marring marsh mart mary
    mashing mast match matching mate math matt maurine meaning meany meat mediation medication medications
    meditating meditative merging mich mingles minster minuets minuses minute minuted minutely minuter minutest
    minutia misuses moaning moat mobbing mobilise mobilize mocking modding mode molding mole molting monarch
    mondale mooning mooring mooting mope mopping moraine morality morbidity mote motility mounding mounting
    mourning mousing mover movie muck mulch munch mush neat nest nett newt nigh nighest nightie nonmember
    offside olen omen opec opel outbids outline outlive outrider outshine outsider outsiders outsize outsized
    outsizes oven owen oxen pace paces packard packets pact pacts paining pairing palaces palates pale palpates
    parental park parks parson parsons passage passages paterson patrice pearson pease peck pecks peiping pele
    pension pericles periling peron persian persona personable personae personage personnel peterson petition
    pick pickaxe pickaxes picking picks piecing pilaffs pilaster pilasters pilate pile pillages piloted pimp
    pirated pirates placing platens plates pleaded pleader pleas pleasure pleated plump pock pocks poignancy
    poising poke poker police policed polices policing polity polk poll polo pols pomp pone poole pope pore
    portion pose poser positing positional positive positron positrons powder powders powdery powerpc praises
    praising prances prancing prating praying pregnant prelates preston preying pricier priciest prick pricked
    pricking prickle prickles prickling pricks pricy pride prides priding pries primates prime primers primes
    priming primping prince princes princess printing prise prises prising privates privets privies prize prizes
    prizing probing process proving prowler pruning puck pucks pulp pulsates puma pumices purchaser purchasers
    pyle racket rackets railing raining rallying ranging ranking ranting rebound rebounded rebounds rebuked
    receive received recorder recover recovered recovers redound redounded reeling referee refereed referred
    refined reformat reformed reforms refused refuted reining rejoinder relying remodel remorse remote remoter
    remotes removal remover removers rending renting reorder reporter reprove rerunning resented resolve
    resolved resorted resound resounded restive restoration retook retooled revered reverie reverse reversed
    reverted revoked revolve reworked rewound rhythmic rice rickets rickety rider ridge rids rife rifling rile
    rime ringing rinsing rioting ripe rise rite roaming roaring robbing robing rocked rocker rockers rocketry
    rockier rockies rockiest rocking rode roiling rolland rollick rollins romping roofing rooking rooming
    rooting roping rotting rouging rounder rounding rousing routing roving roweling rowelling rowling rubbing
    rude ruffing ruining runnier rushing rusting rutting sassoon scanning scheduler schedulers sciatic scot
    scots scow scratch scratching screech screeching sculptor seasons seat secession section sections semantic
    semitic sexpots shaw shill shim shin shining shinning shinnying shoaled shod shoe shoo shop shot shots
    shouted shown shunning signing sill singing sinking sinning sketching skill skim skin skinning slap slaw
    slew slim slinging slinking slob sloe slog slop slot slots snap sneak snitch snot snots snow soap socratic
    solaces somalia somalis soot sorcery sots spacier spaciest spackle spacy spade spades spain spake span
    spanking spanning spare spares sparest spat spate spates spats spawning spear species speck spending spice
    spices spicing spieling spigots spiking spill spilling spindling spine spinx spit spiting spits spitting
    splices splinting sponging spooning sport sports spout spouts springing sprinting sprouts spruces spun
    spurning stall stances steak stile stilt stinging stinking stinting stitch stitching stow strengthen
    stretchier stunning subscriber subscribers subscript sundae sundaes sundas sundial sundry sunning swab swag
    swam swamp swan swat swatch sway swear sweet swept swig swill swinging swop swum tabatha tabitha tack
    tailing tainting taiping talc tale tall tameable tank tanking tanks tanning task teaches tearier tending
    tenoning tensing tenting than thanh thant thatcher theatre thee theme theorem thereby therein thereof
    thereon theresa therese thereto thinks three thrower thunk thunks thwacks tine tinging tinning tinting toady
    toddy toeing toiling tokay toke toking tolling tombing tome toner tong tonguing toni toniest tonne tons tony
    tooling tooting topping tore tossing tote toting totting touring touting towed towel towing toying trachea
    tracing tracker tracking trading trail trailed trailer trailers trailing trained trainee trainees traipsing
    traitor tramming tramping trampling transferal transfix transform trapper trapping trashing trawler trawling
    treachery triad tribal trill trivial tune tuning turning twining unlisted wadding waft wafting wagging wail
    wailing waite waiver waivers waiving wald wale walk walking walt waltzing wand wane wang wank wanking
    warding warming warning warping warring wart washing wasting wats watt wattling wave waxwing weak weakened
    weakens weed weekday weep weer wees weighed weighs weight weighted weighty welting went wetting wham whams
    wheat whereas whereat whereby wherein whereof whereon whet whets whew whey whiling whining whit whiting
    whitings whits whore wights wilting witting wive workdays world wound wren writhing writing writings yoda
    yogi zomba
    """.split()
)


_BY_LETTER: dict[frozenset[str], dict[str, tuple[str, ...]]] = {}


def _candidates(word: str, class_words: frozenset[str]) -> str | None:
    """The one keyword or class word nearest ``word`` within its slip limit, else None."""
    by_letter = _BY_LETTER.get(class_words)
    if by_letter is None:
        if len(_BY_LETTER) > 64:
            _BY_LETTER.clear()
        letters: dict[str, list[str]] = {}
        for v in KEYWORDS | class_words:
            letters.setdefault(v[0], []).append(v)
        by_letter = _BY_LETTER[class_words] = {k: tuple(sorted(v)) for k, v in letters.items()}
    limit = _limit(word)
    best: str | None = None
    best_distance = limit + 1
    tie = False
    for v in by_letter.get(word[0], ()):
        if abs(len(v) - len(word)) > limit:
            continue
        d = OSA.distance(word, v, score_cutoff=limit)
        if d < best_distance:
            best, best_distance, tie = v, d, False
        elif d == best_distance and best is not None and v != best:
            if v.startswith(best) or best.startswith(v):  # "creditz": credits, not credit
                if abs(len(v) - len(word)) < abs(len(best) - len(word)):
                    best = v
            else:
                tie = True  # "helo": help or hello, no telling
    return None if tie else best


_RUN = re.compile(r"([a-z])\1\1+")


def _meant(word: str, class_words: frozenset[str], known: frozenset[str]) -> str | None:
    """What ``word`` was meant to be, or None when it is a word or no one word is near."""
    if not _ALPHA.fullmatch(word) or word in known or _known(word, KEYWORDS) or _known(word, class_words):
        return None
    if _RUN.search(word):  # "boooook", "yinnn": a held key counts as one slip
        squeezed = _RUN.sub(r"\1\1", word)
        if squeezed in KEYWORDS or squeezed in class_words:
            return squeezed
        word = squeezed
        if len(word) < 4:
            return None
    return _candidates(word, class_words)


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary or word in _REAL or word in _REAL_EXTRA:
        return True
    return any(word.endswith(s) and word[: -len(s)] in vocabulary for s in _SUFFIXES)


def correct(
    text: str,
    class_words: frozenset[str] = frozenset(),
    known: frozenset[str] = frozenset(),
    phrases: frozenset[str] = frozenset(),
) -> str:
    """``text`` (normalised) with slips in the parser's and the studio's words put right.

    ``known``: more words never changed (the parser's English and foreign words);
    ``phrases``: the studio's two-word class names, whose one word a slip away from its
    partner is put right even when it is a word itself ("matt pilates" -> "mat pilates")."""
    if "hear" in text:
        text = _HEAR.sub(lambda m: m.group(1) + " here", text)
    if "inn" in text:
        text = _INN.sub(lambda m: m.group(1) + " in", text)
    if "h" in text:
        text = _HOW.sub(lambda m: "how " + m.group(1), text)
    cache = _TYPO_CACHE.get((class_words, known))
    if cache is None:
        if len(_TYPO_CACHE) > 64:
            _TYPO_CACHE.clear()
        cache = _TYPO_CACHE[(class_words, known)] = {}
    words = text.split()
    changed = False
    for i, word in enumerate(words):
        if len(word) < 4:
            continue
        fixed = cache.get(word, word)
        if fixed is word:  # not seen before
            fixed = _meant(word, class_words, known)
            if len(cache) > 5000:
                cache.clear()
            cache[word] = fixed
        if fixed is not None:
            words[i] = fixed
            changed = True
    if phrases and len(words) > 1:
        changed = _pair_slips(words, phrases, known) or changed
    return " ".join(words) if changed else text


_PAIRS: dict[frozenset[str], dict[str, list[tuple[int, str]]]] = {}


def _pair_slips(words: list[str], phrases: frozenset[str], known: frozenset[str]) -> bool:
    """Put right, in place, a word one slip from its partner in a two-word class name."""
    index = _PAIRS.get(phrases)
    if index is None:
        if len(_PAIRS) > 64:
            _PAIRS.clear()
        index = _PAIRS[phrases] = {}
        for phrase in phrases:
            a, b = phrase.split()
            index.setdefault(b, []).append((-1, a))  # the word before "pilates" should be "mat"
            index.setdefault(a, []).append((1, b))
    changed = False
    for i, word in enumerate(words):
        for step, partner in index.get(word, ()):
            j = i + step
            if not 0 <= j < len(words):
                continue
            other = words[j]
            if (
                other != partner
                and len(other) >= 3
                and other[0] == partner[0]
                and other not in known
                and other not in KEYWORDS
                and OSA.distance(other, partner, score_cutoff=1) <= 1
            ):
                words[j] = partner
                changed = True
    return changed
