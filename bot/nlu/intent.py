"""Intent: what the client wants, from rules over the normalised text.

Rules are ordered and each carries a confidence. Entities found elsewhere (a class, a
time) lift a bare request into a booking or a question about the schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTENTS = (
    "book",
    "cancel",
    "list_bookings",
    "schedule",
    "join_waitlist",
    "yes",
    "no",
    "pick",
    "credits",
    "prices",
    "help",
    "human",
    "greeting",
    "thanks",
    "opt_out",
    "opt_in",
    "reset",
    "unknown",
    "intro",
    "dispute",
    "reschedule",
    "running_late",
    "leave_waitlist",
    "waitlist_status",
    "check_in",
    "no_show",
    "undo",
    "waive",
    "cancel_policy",
    "ack",
    "buy",
    "data_export",
    "data_erasure",
)

# Intents that ask for something of their own: a text can carry two of these ("book flow fri and
# cancel my reformer sat"); yes/no/thanks/greetings and names never start a second request.
REQUESTS = frozenset(
    {
        "book",
        "cancel",
        "list_bookings",
        "schedule",
        "join_waitlist",
        "credits",
        "prices",
        "human",
        "intro",
        "dispute",
        "reschedule",
        "running_late",
        "leave_waitlist",
        "waitlist_status",
        "check_in",
        "no_show",
        "waive",
        "cancel_policy",
        "buy",
    }
)

ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "last": -1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
}

_YES = re.compile(
    r"^(yes+|y|ya|yeah|yea|yep|yup|yas|sure|please|yes please|ok please|please do|go ahead|do it|"
    r"confirm|confirmed|sounds good|perfect|great|lovely|absolutely|definitely|of course|why not|go on|go on then|claim|"
    r"claim it|i'?ll take it|take it|book it|yes book it|yes please book it|yes do it|yes claim)( please)?( thanks| thank you)?$"
)
_NO = re.compile(
    r"^(no+|n|nope|nah|no thanks|no thank you|not now|never ?mind|nvm|don'?t|dont bother|leave it|"
    r"keep it|keep my (spot|place|booking)|no keep it|pass|i'?ll pass|skip|not today|no ta|nah i'?m good)"
    r"( thanks| thank you)?$"
)
# A bare "ok" or a nudge ("??", "hello?"): heard, nothing asked. The dialogue reads it in context.
# keeping what is asked about: "ok keep it then", "actually keep my spot", "don't cancel"
_KEEP = re.compile(
    r"(?<!don't )(?<!dont )(?<!not )\b(keep (it|that|my (spot|place|booking|class)|the (spot|place|booking))|don'?t cancel|do not cancel)\b"
)
_ACK = re.compile(
    r"^(ok+|okay+|okey|okie|okk+|k+|kk|cool|cool cool|alright|alrighty|all right|right|fine|noted|got it|gotcha|understood|no worries|np)$"
)
_NUDGE = re.compile(r"^(hello|hi|hey|anyone|anyone there|hello\?? anyone there|are you there|you there)$")
# A leading yes or no followed only by words that confirm or decline ("yes please add me",
# "yeah go on then, book it", "nah leave it thanks", "no thanks cant make it").
_YES_HEAD = re.compile(
    r"^(yes+|yeah|yea|yep|yup|ya|yas|sure|ok|okay|definitely|absolutely|of course|go on|perfect|great|lovely)\b"
)
_YES_TAIL = frozenset(
    "yes yeah yep yup sure ok okay definitely absolutely of course go on then ahead for it please thanks thank you "
    "book add me waitlist wait list put sign up in do i'll ill i will have take that one this the spot place cancel "
    "confirm claim sounds good great perfect lovely want would like to a on it just that's thats fine x xx".split()
)
_NO_HEAD = re.compile(r"^(no+|nope|nah|no thanks|no thank you)\b")
_NO_TAIL = frozenset(
    "no nope nah thanks thank you leave it keep i'm im i am good fine ok okay can't cant cannot make it not now "
    "that one wrong "
    "today sorry i'll ill pass maybe another time next don't dont bother need worries all that's thats x xx it's "
    "its alright i don't want to".split()
)
# hesitation before the answer ("erm no", "umm yes please"): heard, not meant
_FILLER = re.compile(r"^(?:(?:e+r+m*|u+m+|u+h+|h+m+|a+h+|o+h+|well)\b[ ,]*)+")
# texts asked for again after a STOP ("put me back on texts", "turn them back on")
_OPT_IN = re.compile(
    r"\b(put me back on (the )?(texts?|messages|sms|reminders|(texting |text |sms |mailing )?list)|put me back on$|resubscribe|re-?subscribe|subscribe me again|opt (me )?(back )?in|opt-?in again|"
    r"start (texting|messaging|sending|sending texts to) (me|again)|"
    r"(turn|switch|put|have|get) (them|the texts|texts|messages|the messages|it|notifications|reminders|the reminders) back on|"
    r"(texts?|messages|reminders|notifications|sms) back on|back on (the )?(texts?|messages|texting list|sms)|"
    r"((stopped|cancelled|turned off) (the |your |all |my )?(texts?|messages|them|sms|reminders)|unsubscribed|opted out|"
    r"(said|texted|sent|replied|typed|hit|pressed) stop).{0,40}(by mistake|by accident|accidentally|didn'?t mean)|"
    r"didn'?t mean to (stop|unsubscribe|opt out)|(want|like|get) (the |your )?(texts|messages|reminders) (again|back))\b"
)
_OPT_IN_GATE = re.compile(r"back|scri|opt|again|mistake|accident|didn'?t mean")
_RESET = re.compile(r"^(menu|start over|restart|reset|main menu|back)$")
_GREETING = re.compile(
    r"^(hi+|hello|hey+|hiya|heya|yo|morning|good (morning|afternoon|evening)|hi there|hello there)( there)?$"
)
_THANKS = re.compile(
    r"^((ok|okay|k|cool|great|lovely|perfect|brill|amazing|awesome) )?(thanks|thank you|gracias|muchas gracias|merci|merci beaucoup|danke|danke schon|grazie|obrigad[oa]|thank you so much|thanks so much|many thanks|ta|cheers|great thanks|perfect thanks|lovely thanks|brilliant|awesome|amazing)( (a lot|so much|again))?$"
)
_KISSES = re.compile(r"([ ,]+x{1,4})+$")
_PICK = re.compile(r"^(?:(?:option|number|no\.?|#)\s*)?(\d{1,2})(?:st|nd|rd|th)?(?: one| please| pls)?$")
# A prospect asking how to begin (issue 6); a question about price stays "prices".
_INTRO = re.compile(
    r"\b(intro|intro offer|how (do|can|should) i (start|get started|begin|join|sign up)|first time|"
    r"first timers?|(discount|deal|offer|offers|promo|special)s? for (new|first)|new here|i'?m new|im new|new client|new to (this|the studio|you)|getting started|"
    r"trial (session|class|offer))\b"
)
_NOT_INTRO = re.compile(r"\b(how much|price|prices|cost|costs)\b")
# A client questioning a charge (issue 11): a person looks at it; never answered with a balance.
# "how many credits do i have", "what do i owe" stay "credits".
_DISPUTE = re.compile(
    r"\bwhy (was|were|am|have|has|did|do|would|is) (i|we|you|u|my|it|this|that)( been| being| get| got)? ?(charg|bill|fin|mark|no.?show|tak|us)"
    r"|\b(charged|billed) (me )?(twice|double|two times|again|wrong|wrongly|by mistake|incorrectly|for nothing)"
    r"|\bdouble.?(charged|billed|charge)|\b(paid|payed|been charged|got charged) (for it )?twice\b"
    r"|\b(fee|charge|fine|charges|bill|payment) (is|was|seems|looks) (wrong|incorrect|a mistake|not right|unfair|not fair)"
    r"|\b(wrong|incorrect|unfair) (fee|charge|fine|charges|no.?show)"
    r"|\b(shouldn'?t|should not|should ?n'?t) (have )?(been |be )?(charged|billed|fined|marked)"
    r"|\bi (was|did) (there|come|attend|turn up|show up)|\bi (attended|came|turned up|showed up)\b(?! late)"
    r"|\bi (was|wasn'?t) (a )?no.?show|\bnot a no.?show"
    r"|\b(i want|i'?d like|give me|can i (have|get)) (my|the) (credit|credits|money|fee) back\b"
    r"|\b(dispute|contest|appeal)\b"
    r"|\b(refund|money back|my money)\b"
    r"|\b(took|taken|charged|used) my (credit|money|class)\b"
    r"|\bwhy (was|were|did|has|have) (my|a|the) (credit|money|fee|card)s? (been )?(taken|used|charged|gone|deducted)"
    r"|\bwhy did (you|u) (take|use|charge|fine|bill)"
    r"|\bi was (in|at) (the |that |my )?(class|session|studio)\b|\b(ask|check with) (the )?(instructor|teacher)\b"
    r"|\b(fee|charge|fine) (is|was|seems|looks) (a )?(mistake|error)"
)
# a charge the client says was taken: "a $15 late cancel fee on my card", "you charged me", "I got
# charged"; with a cancel word this is still a dispute, not a question about the policy
_CHARGE_STATED = re.compile(
    r"\b(fee|charge|fine|penalty|[$£]\d+(\.\d\d)?) (\w+ )?(on|from|off) my (card|account|statement|bill|bank|balance)"
    r"|\b(you|u|they|studio) (have |has |just )?(charged|billed|fined|deducted)\b"
    r"|\b(i|i'?ve|ive|we) (was |were |have been |has been |been |got |just got )(charged|billed|fined)\b"
    r"|\bwhy (did|do|have|has|would) (you|u) charge"
)
_DISPUTE_NOT = re.compile(r"\bi was there (yesterday|last|on|at|earlier|this)\b.*\b(love|great|amazing|fun|thanks)")
_LIST = r"(wait ?list|wait-list|waiting list|list|queue)"
_CANCEL_POLICY = re.compile(
    r"\b(cancell?(ation)? (policy|policies|rules?|window|deadline|terms|period)|late cancel(lation)? (fee|policy|charge)"
    r"|when (do|should|must|can|would) i (have to |need to |got to |gotta )?cancel( by)?"
    r"|how (late|long before|far in advance|far ahead|much notice|soon|long) (can|do|should|must|before) (i|you)( \w+){0,4} cancel"
    r"|(cut ?-?off|deadline|notice period|window|time limit|rules?|policy) (for|to|on|when|of) (late )?cancel"
    r"|(is there|will there be|do you charge|do u charge|will i be charged|would i be charged|do i get charged|"
    r"will i get charged|is it|do i pay|will i pay|would i pay|is there a charge) (a |an |any )?(fee|charge|penalty|charged|extra)? ?"
    r"(if|for|when) (i )?(cancel|cancell?ing|late cancel|don'?t (come|show)|can'?t (come|make it))"
    r"|what (happens|if) (if )?i (cancel|can'?t (come|make it)|don'?t (show|come))"
    r"|(what'?s|what is|whats) the (cancel|cancellation) "
    r"|(will|would|do|does) (you|u|they|it) charge( me| us)?( a fee| anything| extra)? (if|for|when) (i |we )?(late )?cancel)"
)
# a question about what cancelling costs or by when, in any order: the rule is answered and
# nothing is cancelled ("how much is a late cancel?", "what time do i need to cancel by")
_CANCEL_QUESTION = re.compile(
    r"\bhow much\b[^.!]*\bcancel|\bcancel\w*\b[^.!]*\bhow much\b"
    r"|\b(cost|costs|fee|fees|charge|charges|price)\b[^.!]*\bto cancel\b"
    r"|\bcancel\w*( \w+)? late\b[^.!]*\b(cost|fee|charge)|\b(cost|fee|charge)s?\b[^.!]*\bcancel\w* late\b"
    r"|\b(what time|when|how late)\b[^.!]*\bcancel\w*( it)? by\b|\bcancel\w*( it)? by (when|what time)\b"
)
# what not turning up costs, asked ("do you charge if I no-show?", "if I can't make it and don't
# cancel, do I lose the credit?", "what happens if i miss a class"): a question about the rules
_MISS = (
    r"(just |simply |ever |accidentally )?(no.?show|miss|skip|forget( to (come|cancel))?|"
    r"(don'?t|dont|do not|never|can'?t|cant|cannot) (show|turn up|come|go|make it|attend|cancel)|not (show|turn) up|"
    r"am a no.?show|(am|was|get) marked (as )?(a )?no.?show)"
)
_RULE_QUESTION = re.compile(
    rf"\b(what (happens|do you do|will happen) (if|when) (i|we|you|someone|somebody|people)( \w+)?( \w+)? {_MISS}"
    rf"|(do|will|would|does|is) (you|u|they|it|i|we|there)( \w+){{0,3}} (charge|fine|bill|cost|lose|forfeit|pay|penali[sz]e|"
    rf"get charged|be charged|a (fee|charge|penalty))( me| us| anything| extra| a fee| my \w+| the \w+| a \w+)? (if|when|for) (i |we |you )?{_MISS}"
    rf"|if (i|we) {_MISS}.{{0,60}}\b(do|will|would|does|is|am) (i|we|you|u|it|there)( \w+){{0,3}} "
    rf"(lose|losing|forfeit|charge|charged|pay|still|get|keep|fined|billed|cost|a (fee|charge|penalty))"
    rf"|(fee|charge|penalty|fine) (for|if) (missing|skipping|not (showing|turning) up|no.?show(ing)?))"
)
_RULE_GATE = re.compile(r"\bif\b|\bwhen\b|\bfor (missing|skipping|not|no)")
_NO_SHOW_QUESTION = re.compile(
    r"\b(what (happens|if)|and if|if) (if )?i (just |simply )?(don'?t|dont|do not|never) (show|turn up|come|go)"
    r"|\b(what (happens|if)|and if|what about if) (if )?i (miss|skip|forget) (a|my|the) (class|session|booking)"
    r"|\bwhat'?s the no.?show (policy|rule|fee)|\bis there a no.?show (fee|charge|policy)"
)
_HOW_LATE = (
    r"(a|like|about|around|maybe|prob|probably|just|only|slightly|bit|little|few|couple|of|\d+|five|ten|fifteen|twenty)"
)
_RUNNING_LATE = re.compile(
    r"\b(running (late|behind|a bit late|a little late|a few|\d+|five|ten|late)|run(ning)? (so )?late|"
    rf"running ({_HOW_LATE} )+(late|behind)|"
    r"stuck in (traffic|a meeting|work)|traffic|held up|(gonna|going to|will|i'?ll|ill|might|may|could) be "
    rf"({_HOW_LATE} |\w+ )?(late|min(ute)?s? late|behind)|(gonna|going to|will|i'?ll|ill|might|may|could) be ({_HOW_LATE} )+"
    r"(min(ute)?s? )?(late|behind)|be there in \d+|there in \d+|(\d+|five|ten|few|couple) min(ute)?s? (late|behind|away|out)|"
    r"late by \d+|on my way|omw|(train|bus|tube) (is |was )?(delayed|late|cancelled)|be (a )?(bit|little) late|i'?m late|im late|"
    r"(?<!too )(?<!not )(?<!being )(?<!was )(?<!were )late for (the |my |your |this |tonight'?s |today'?s )?\w+|"
    r"\b(there|in) by (\d|quarter|half|ten|five|twenty))\b"
)
# a question about getting there in time is not a lateness ("can i get there by 6 from work?")
_LATE_NOT = re.compile(
    r"\b((can|could|should|do|will) (i|we) (be|get) (there|in) by|(have|need|got) to be (there|in) by)\b"
)
_LATE_GATE = re.compile(r"late|behind|traffic|there in|there by|omw|on my way|delayed|cancelled|held up")
# a client telling the desk they have arrived ("checking in for flow", "at the door", "just arrived at
# clapham"); "just checking in about my booking" is not one
_ARRIVED = re.compile(
    r"\b(checking in(?! (to|on|about|with|re|regarding|for (a|an|my) (question|quick))\b)|check me in|"
    r"(i'?m|im|i am|we'?re|we are) (here|outside|at (the )?(studio|door|front door|front desk|desk|reception|front)) for|"
    r"just (arrived|got here|walked in)|(i'?ve|ive|i have|we'?ve|we have) (just )?arrived|arrived (at|for)\b|"
    r"(i'?m|im|i am|we'?re|we are) (here|outside|at (the )?(studio|door|front door|front desk|reception))"
    r"(?! (if|when|to|on|with|in|next|till|until|from|all)\b)|"
    r"^(at|outside) the (door|studio|front door)|^here(?![\w'])(?! (is|are|at|in|on|to|you|we)\b))"
)
_ARRIVED_GATE = re.compile(r"here|arriv|check|outside|door|walked")
# "the slow flow waitlist", "my reformer waitlist": a class between the article and the list, but
# only before the waitlist's own name ("remove me from the texting list" stays an opt-out)
_NAMED = r"((the|this|that|your|my) )?([\w']+ ){0,3}"
_ANY_LIST = rf"((the |this |that |your |my )?{_LIST}|{_NAMED}(wait ?list|wait-list|waiting list))"
_LEAVE_WAITLIST = re.compile(
    rf"\b((leave|exit|quit|come off|get off|drop off) {_ANY_LIST}"
    rf"|(take|remove|drop|get|pull|scratch|delete) me (off|from|out of) {_ANY_LIST}"
    rf"|(off|out of) the {_LIST}|don'?t (need|want) (the |my )?(spot on the )?{_LIST}|no longer (need|want) (the )?{_LIST}"
    rf"|(don'?t|dont|do not|no longer|never) (need|want|wish) (to (be|stay|remain|sit|wait) (on|in) )?{_ANY_LIST}"
    rf"|(don'?t|dont|do not|no longer) (need|want) (my |the |that |this )?([\w']+ ){{0,2}}(wait ?list|wait-list|waiting list) (spot|place|space)"
    rf"|(remove|drop|delete|scrap|withdraw|give up|release) (my |the |that )?([\w']+ ){{0,2}}(wait ?list|wait-list|waiting list) (spot|place|request|space)"
    rf"|withdraw (me )?from {_ANY_LIST}"
    rf"|cancel {_NAMED}(wait ?list|waiting list|place on the (wait ?)?list|spot on the (wait ?)?list)(?! me))\b"
)
_WAITLIST_STATUS = re.compile(
    rf"\b(where am i|what (number|position|place|spot) am i|what'?s my (position|place|number|spot)|"
    rf"(my|our) (position|place|number|spot) (on|in)|how (far|high) (up|down) (am i|the)|how many (people )?(are )?(ahead|in front) of me|"
    rf"am i (still )?(on|in) {_ANY_LIST}|(position|place) on the {_LIST}|(which|what) (number|position) (am i|on the)|"
    rf"(did|have|has) (i|we) (get|got|gotten|come|make it|made it|move|moved) (off|out of|in|into|through|up|a (spot|place))|"
    rf"am i (off|in|through|up)\b.*\byet|any (movement|news|update|updates|luck|change|progress|word)|"
    rf"(moved|moving|move) up|still (on|in) {_ANY_LIST}|still waitlisted|(have i|did i) got (a )?(spot|place) yet)\b"
)
# "never mind the waitlist for mat", "can't make it, forget the waitlist": off the list, not a cancel
_WAITLIST_WORD = re.compile(r"\b(wait ?list(ed)?|wait-list|waiting list)\b")
_DROP_WORD = re.compile(
    r"\b(nvm|never ?mind|forget( about)?|scratch|ignore|no longer|don'?t need|dont need|can'?t make|cant make|"
    r"(don'?t|dont|do not) want to be (on|in)|any ?more|rather not be (on|in)|"
    r"cannot make|won'?t make|wont make|can'?t come|cant come|not coming|not interested)\b"
)
_JOIN_WORD = re.compile(r"\b(put me|add me|join|sign me|get me on|waitlist me|on the (wait ?list|list) for)\b")
_CHECK_IN_CLIENT = re.compile(
    r"^((i'?m|im|i am|we'?re|we are|am) (here|in|at the (studio|door|front desk|desk|front))( now)?|here( now)?|just arrived|"
    r"i'?ve arrived|arrived|i have arrived|outside|i'?m outside|im outside|at the door|here at the (studio|door))"
    r"( (thanks|please|x))?$"
)
_CHECK_IN_STAFF = re.compile(
    r"^(check ?-?in|checkin|checked in|mark|arrived)\b|\b(is|are|has|have) (here|arrived|in)$|\b(checked|check) (in|them in|him in|her in)$"
)
_NO_SHOW = re.compile(
    r"^(no ?-?shows?|noshow|mark no ?-?show)\b|\bno ?-?show$"
    r"|^(?!i |i'|we |im |me )[a-z][a-z' ]{0,40}\b(didn'?t|did not|never|hasn'?t|has not) (come|show|turn up|show up|arrive|attend|make it)\b"
)
_UNDO = re.compile(r"^(undo|undo (that|it|last|the last one|please)|revert( that)?|oops undo|take that back)$")
_WAIVE = re.compile(r"\bwaive\b")
_PACKAGE = re.compile(
    r"\b((\d{1,2}|five|ten|twenty|three|one) ?-?(x )?(class(es)? |session(s)? |visit )?(pack|passes|pass|bundle|card)"
    r"|unlimited( monthly| membership| month| pass)?|(monthly )?membership|drop ?-?in|class pack|intro (offer|pack))\b"
)
_ASK_TO_BUY = re.compile(
    r"\b((can|could|may) (i|we) (please )?|i'?d like to |i would like to |i want to )(buy|purchase|top up)\b"
)
# "subscribe me to the 10 class pack", "sign me up for unlimited monthly": a package taken up,
# whatever follows ("..., how do i pay"); "sign me up for flow fri" names no package and books
_SIGN_UP_PACKAGE = re.compile(
    r"\b(subscribe|sign (me |us )?up|signup|enrol+|join|upgrade|switch|put me (down )?|get me (set up )?|start)"
    r" (me |us )?(to |for |on |onto |in |into |with )?(the |a |an |your |one of (the|your) )?"
    r"((\d{1,2}|five|ten|twenty|three|one) ?-?(x )?(class(es)? |session(s)? |visit )?(pack|passes|pass|bundle|card)"
    r"|unlimited( monthly| membership| month| pass)?|(monthly )?membership|class pack|monthly (plan|pass|unlimited)|intro (offer|pack))\b"
)
_PRICE_WORDS = re.compile(r"\b(how much|price|prices|pricing|cost|costs|rates)\b")
_BUY = re.compile(r"\b(buy|purchase|top ?up|pay for)\b")
_TAKE = re.compile(
    r"\b((i'?ll|i will|ill) (take|get|have|go for)|(give|get) (me )?|sign me up for|i'?d like|i want|can i (get|have)) ?(the|a|an)?$"
)
_PRICE_QUESTION = re.compile(
    r"\b(how much|price|prices|pricing|cost|costs|rates|what (packages|packs|memberships)|do you (have|do|offer))\b|\?$"
)
_OWE = re.compile(
    r"\b(do i owe|what do i owe|how much do i owe|owe (you |u )?anything|i owe|(any|anything) outstanding|outstanding (balance|fees?))\b"
)
_RESCHEDULE = re.compile(
    r"\b(reschedule|rebook|re-book|move|push|change|switch|swap|shift|transfer|bump)\b(?=.*\b(to|for|into|onto|instead)\b)|\breschedule\b"
)
_RESCHEDULE_NOT = re.compile(r"\bchange (my )?(mind|number|name|email|details|card|payment)\b")
# asking to be let in, said as a question: "is there any chance I could get into flow friday?",
# "could i grab a PT slot with Tom", "can you squeeze me into reformer"
_ASK_IN = re.compile(
    r"\b(any (chance|way) (i|we) (could|can|might)|"
    r"(can|could|may) (i|we) (please )?(get|grab|snag|squeeze|jump|hop|sneak|nab) (me )?(into|in|in to|onto|on)\b(?! touch)|"
    r"(can|could|may) (i|we) (please )?(get|grab|snag|nab|have|book|reserve) (a|an|the|one)( [\w:.]+){0,2} "
    r"(slot|spot|place|space|session|appointment)|"
    r"(can|could) (you|u) (please )?(fit|squeeze|get|put|sneak|slot) (me|us) (in|into|on)\b)"
)
# what the desk can do, asked: "what can I do by text?", "what can you do", "how does this work"
_HELP = re.compile(
    r"^(so |ok |okay |hi |hey |hello |um |and )*(what (else )?(can|could|do) (i|you|u|we) (do|ask|text|say|use (this|it) for|help (me )?with)"
    r"( (by|over|via|through|with|on|in|here|using|from) (text|texts|texting|sms|message|messages|this|here|this number|you|u))?"
    r"( here| for me| exactly)?|how (does|do) (this|it|the (text|texting|sms)( thing| service| bot)?|texting( you)?) work( exactly)?"
    r"|how (do i|to|can i) use (this|you|u|the (text|texting|sms) (service|line|bot))|what (is|'s) this (number|service|for)"
    r"|what (are )?(my|the) options|what (do|can) you (help|do) with|what do you do)( please| then| exactly)?$"
)
_HELP_GATE = re.compile(r"what|how")
_PICK_WORD = re.compile(r"^(?:the )?(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)(?: one)?(?: please)?$")

RULES: list[tuple[str, re.Pattern[str], float]] = [
    (
        "human",
        re.compile(
            r"\b(speak|talk|chat|a word) (to|with)\b|\bget in touch\b|\b(real person|human being|call me|ring me|phone me|can someone (call|ring|contact))\b|^(human|agent|person|operator)$"
        ),
        0.95,
    ),
    (
        "cancel",
        re.compile(
            r"\b(cancel+|cancle|cancl|not (gonna|going to|gna) make it|won'?t be (able to )?(make it|there|coming)|can'?t make( it)?|can'?t come|cannot come|cannot make( it)?|can not make|won'?t make( it)?|wont be able|not able to make|unable to (come|make|attend)|drop (out|my)|remove me from (the )?(class|session|booking)|take me off|scrap my)\b"
        ),
        0.92,
    ),
    (
        "join_waitlist",
        re.compile(r"\b(wait ?list|waiting list|put me on the list|add me to the list|join the list|on the list)\b"),
        0.9,
    ),
    (
        "list_bookings",
        re.compile(
            r"\b(my (bookings?|classes|sessions|schedule|reservations?)|what am i booked|what have i booked|what (do|did) i have booked|what'?s left|what is left|what (have i|do i have) (got )?(left|now)|what have i got now|what (have|did) i get booked|what have i got( on| coming up)?$|what'?s booked|what i'?m booked|am i booked|upcoming (bookings?|classes)|when is my (next )?(class|session|booking)|when'?s my (next )?(class|session|booking)|my next (class|session|booking)|what have i got booked|what'?ve i got booked|booked in(to)? for|what classes do i have)\b"
        ),
        0.9,
    ),
    (
        "credits",
        re.compile(
            r"\b(credits?|balance|how many (classes|sessions|credits) (do i have|have i got|left)|(classes|sessions) left|left on my (pack|package|membership)|my (pack|package|membership)|when does my (pack|package|membership|drop.?in|class pack|10 pack|credits?) (expire|run out|end|finish)|(my )?(credits?|pack|membership) (expire|run out))\b"
        ),
        0.88,
    ),
    (
        "prices",
        re.compile(
            r"\b(prices?|pricing|cost|costs|how much|packages?|class pack|packs|memberships?|drop ?in|rates|buy|purchase|top up|intro offer)\b"
        ),
        0.85,
    ),
    (
        "schedule",
        re.compile(
            r"(\b(what'?s on|whats on|what is on|timetable|schedule|what classes|which classes|any (spots?|space|spaces|room|places?|availability)|spots? (left|available|free)|is there (a|any|space|room|availability)|(if|whether) there('?s| is| are) |are there (any)?|availability|available|what time is|what times|when is the|when'?s the|how full|is it full|free spaces)\b)"
        ),
        0.85,
    ),
    (
        "book",
        re.compile(
            r"\b(book|booking|bok|bkoo|reserve|sign me up|sign up|put me (in|down)|count me in|save me a (spot|place)|get me (in|into)|i'?d like|i would like|i want|id like|can i (come|join|get|do|grab|snag|squeeze|jump|hop)|could i (come|join|get|do|grab|snag|squeeze|jump|hop)|add me|join|i'?ll come|want to come|grab a spot|spot (in|for|at))\b"
        ),
        0.88,
    ),
    ("help", re.compile(r"\b(help|what can you do|how does this work|how do i|commands|instructions|options)\b"), 0.8),
]


@dataclass(frozen=True)
class IntentGuess:
    intent: str
    confidence: float
    number: int | None = None


def classify(text: str) -> IntentGuess:
    """The intent of normalised ``text`` before entities are considered."""
    bare = text.strip(" ?!.")
    if bare[:1] in "eufhaow" and (filler := _FILLER.match(bare)) is not None:
        bare = bare[filler.end() :]
    if not bare:
        return IntentGuess("ack", 0.85) if "?" in text else IntentGuess("unknown", 0.0)
    if _RESET.match(bare):
        return IntentGuess("reset", 0.95)
    if (m := _PICK.match(bare)) is not None:
        return IntentGuess("pick", 0.9, int(m.group(1)))
    if (m := _PICK_WORD.match(bare)) is not None:
        return IntentGuess("pick", 0.85, ORDINALS[m.group(1)])
    unkissed = _KISSES.sub("", bare)  # "ok thanks x", "cool ta xx"
    if _THANKS.match(unkissed):
        return IntentGuess("thanks", 0.95)
    if _ACK.match(unkissed):
        return IntentGuess("ack", 0.9)
    if _RULE_GATE.search(bare) and _RULE_QUESTION.search(bare) and not _CHARGE_STATED.search(bare):
        return IntentGuess("cancel_policy", 0.85)  # "if I don't cancel, do I lose the credit?": not a NO
    if _KEEP.search(bare):  # "hmm ok keep it then": a NO, whatever word came first
        return IntentGuess("no", 0.9)
    if _YES.match(bare):
        return IntentGuess("yes", 0.95)
    if _NO.match(bare):
        return IntentGuess("no", 0.93)
    if text.rstrip().endswith("?") and _NUDGE.match(bare):
        return IntentGuess("ack", 0.85)  # "hello?": a nudge, not a fresh greeting
    if _GREETING.match(bare):
        return IntentGuess("greeting", 0.95)
    if _UNDO.match(bare):
        return IntentGuess("undo", 0.95)
    if _CHECK_IN_CLIENT.match(bare):
        return IntentGuess("check_in", 0.9)
    if _OPT_IN_GATE.search(bare) and _OPT_IN.search(bare):
        return IntentGuess("opt_in", 0.85)
    if _DATA_GATE.search(bare) and (privacy := _data_request(bare)) is not None:
        return privacy
    if (answer := _answer(bare)) is not None:
        return answer
    if _HELP_GATE.search(bare) and _HELP.search(bare):
        return IntentGuess("help", 0.85)
    if _INTRO.search(bare) and not _NOT_INTRO.search(bare):
        return IntentGuess("intro", 0.9)
    # substring gates keep the common texts off the rarer patterns (parse median <= 0.15 ms)
    if _NO_SHOW_QUESTION.search(bare):  # "and if i just don't show up?": the rule, not an action
        return IntentGuess("cancel_policy", 0.85)
    if "cancel" in bare and (_CANCEL_POLICY.search(bare) or _CANCEL_QUESTION.search(bare)):
        if _CHARGE_STATED.search(bare):  # "a late cancel fee on my card but I cancelled in time"
            return IntentGuess("dispute", 0.9)
        return IntentGuess("cancel_policy", 0.9)
    if "waive" in bare:
        return IntentGuess("waive", 0.9)
    if (
        (_DISPUTE.search(bare) or _CHARGE_STATED.search(bare))
        and not _DISPUTE_NOT.search(bare)
        and not _cancel_for_refund(bare)
    ):
        return IntentGuess("dispute", 0.9)
    if _ARRIVED_GATE.search(bare) and _ARRIVED.search(bare):
        return IntentGuess("check_in", 0.88)
    if _LATE_GATE.search(bare) and _RUNNING_LATE.search(bare) and not _LATE_NOT.search(bare):
        return IntentGuess("running_late", 0.9)
    if ("show" in bare or "n't" in bare or "not" in bare or "never" in bare) and _NO_SHOW.search(bare):
        return IntentGuess("no_show", 0.88)
    if (
        ("check" in bare or "here" in bare or "arrived" in bare or " in" in bare)
        and _CHECK_IN_STAFF.search(bare)
        and not bare.startswith(("is ", "are ", "has ", "have "))
    ):
        return IntentGuess("check_in", 0.88)
    if "list" in bare or "queue" in bare or "where am i" in bare or "ahead" in bare or "front of" in bare:
        if _WAITLIST_STATUS.search(bare):
            return IntentGuess("waitlist_status", 0.9)
        if _LEAVE_WAITLIST.search(bare) or (
            "?" not in text and _WAITLIST_WORD.search(bare) and _DROP_WORD.search(bare) and not _JOIN_WORD.search(bare)
        ):
            return IntentGuess("leave_waitlist", 0.92)
    if _RESCHEDULE.search(bare) and not _RESCHEDULE_NOT.search(bare):
        return IntentGuess("reschedule", 0.88)
    if ("owe" in bare or "outstanding" in bare) and _OWE.search(bare):
        return IntentGuess("credits", 0.88)
    if _buying(bare, text):
        return IntentGuess("buy", 0.88)
    for intent, pattern, confidence in RULES:
        if pattern.search(bare):
            if intent == "book" and RULES[6][1].search(bare) and bare.endswith("?"):
                return IntentGuess("schedule", 0.8)
            if intent == "schedule" and _ASK_IN.search(bare):
                return IntentGuess("book", 0.85)  # "is there any chance I could get into flow friday?": a request
            return IntentGuess(intent, confidence)
    if _ASK_IN.search(bare):  # "any chance we could get into yin tonight?": asked to be booked
        return IntentGuess("book", 0.8)
    if re.match(r"^(yes|yeah|yep|ok|sure)\b", bare):
        return IntentGuess("yes", 0.8)
    if re.match(r"^(no|nope|nah)\b", bare):
        return IntentGuess("no", 0.75)
    if re.match(r"^(hi|hello|hey|hiya)\b", bare):
        return IntentGuess("greeting", 0.6)
    if re.search(r"\b(thanks|thank you|cheers)\b", bare):
        return IntentGuess("thanks", 0.7)
    return IntentGuess("unknown", 0.0)


# A client's data (issue 17): only explicit data / personal-information / account wording, so
# "delete my booking", "cancel tomorrow", "my bookings" or "stop" are never read as these.
_DATA_GATE = re.compile(r"data|info|forg|account|profile|record|gdpr|ccpa|personal|subject access")
_MY = r"(my|all my|all of my|all the|the|any|your) "
_DATA_WORDS = (
    rf"(({_MY})?((personal|private) (data|information|info|details)|data)|(my|all my|all of my) (information|info))"
)
_ERASE = re.compile(
    rf"\b(delete|erase|remove|wipe|destroy|purge|get rid of|scrub)\b( all)?( of)? "
    rf"({_DATA_WORDS}|(my|all my) (account|profile|records?))\b"
    r"|\bforget (about )?(me|my (data|details|number|info))\b|\bright to (be forgotten|erasure|be deleted)\b"
    r"|\b(gdpr|ccpa) (delete|deletion|erasure|erase)\b|\b(delete|erase) me (completely|entirely|from your (system|records|database))"
)
_EXPORT = re.compile(
    r"\b(send|give|email|get|show|see|want|like|need|request|download|access|export|copy of|view)\b( me)?( a copy of)? "
    rf"{_DATA_WORDS}\b"
    r"|\bwhat (personal )?(data|information|info|details) (do|does) (you|the studio|u) (have|hold|keep|store)\b"
    r"|\b(gdpr|ccpa|data|subject) (access )?request\b|\bsubject access\b"
)
# "delete my account" is an erasure; these say the words but ask something else
_DATA_NOT = re.compile(r"\b(update|change|edit|correct|wrong|fix|add|top up|how much|balance|password|login|log in)\b")


def _data_request(bare: str) -> IntentGuess | None:
    """ "send me my data" -> ``data_export``; "delete my data", "forget me" -> ``data_erasure``."""
    if _DATA_NOT.search(bare):
        return None
    if _ERASE.search(bare):
        return IntentGuess("data_erasure", 0.9)
    if _EXPORT.search(bare):
        return IntentGuess("data_export", 0.9)
    return None


def _answer(bare: str) -> IntentGuess | None:
    """A yes or no with only confirming or declining words after it ("yes please add me")."""
    if (m := _YES_HEAD.match(bare)) is not None:
        tail = bare[m.end() :].replace(",", " ").split()
        if all(w in _YES_TAIL for w in tail):
            return IntentGuess("yes", 0.9)
    if (m := _NO_HEAD.match(bare)) is not None:
        tail = bare[m.end() :].replace(",", " ").split()
        if all(w in _NO_TAIL for w in tail):
            return IntentGuess("no", 0.9)
    return None


def _buying(bare: str, text: str) -> bool:
    """ "buy the unlimited", "10 pack please", "i'll take the 5 pack"; never "how much is the 10 pack?"."""
    buy = _BUY.search(bare)
    if buy is None and _SIGN_UP_PACKAGE.search(bare) and not _PRICE_WORDS.search(bare):
        return True
    m = None if buy else _PACKAGE.search(bare)
    if buy is not None and _ASK_TO_BUY.search(bare) and not _PRICE_WORDS.search(bare):
        return True  # "can I buy a 10 pack at the desk?": asked for, not a price question
    if (buy is None and m is None) or _PRICE_QUESTION.search(text.strip()):
        return False
    if buy is not None or m is None:
        return True
    before = bare[: m.start()].strip()
    after = bare[m.end() :].strip()
    return (not before or before in ("the", "a", "an") or bool(_TAKE.search(before))) and after in (
        "",
        "please",
        "pls",
        "thanks",
        "please thanks",
    )


def package(text: str) -> str | None:
    """The words that name a package ("5 pack", "unlimited", "drop in"), or None."""
    m = _PACKAGE.search(text)
    return m.group(0) if m else None


def _cancel_for_refund(bare: str) -> bool:
    """ "cancel tomorrow's class, can I get a refund?": a cancel that mentions a refund is a cancel."""
    cancel = RULES[1][1]
    return bool(cancel.search(bare)) and not re.search(r"charg|fee|fine|bill|twice|there", bare)
