"""Writes labelled.jsonl: realistic client texts for the Lotus studio, labelled by hand.

Labels are written here by a person, row by row or from small hand-made tables of
phrasings whose meaning is fixed (never by running the parser). now = Mon 23 Nov 2026
09:00 Europe/London (UTC+0). "timetable": true marks a bare hour whose am/pm only the
timetable settles. Run: .venv/bin/python bench/nlu/make_labelled.py
"""
import json
from pathlib import Path

T = "2026-11-{:02d}T{:02d}:{:02d}:00+00:00"


def at(day, h=0, m=0):
    return T.format(day, h, m)


NOW = at(23, 9)
rows = []


def add(text, intent, cls=None, when=None, grain=None, **extra):
    rows.append({"text": text, "intent": intent, "class": cls, "when": when, "grain": grain, **extra})


# ---------------------------------------------------------------- book, with class and time
book_verbs = ["book", "Book me into", "can I book", "pls book", "id like to book", "I'd like", "can i get a spot in",
              "reserve", "sign me up for", "put me down for", "Could you book me in for", "BOOK"]
class_words = [("yoga", "Yoga"), ("vinyasa", "Vinyasa Flow"), ("flow", "Vinyasa Flow"), ("yin", "Yin Yoga"),
               ("reformer", "Reformer Pilates"), ("pilates", "Pilates"), ("hiit", "HIIT 45"),
               ("bootcamp", "HIIT 45"), ("yogaa", "Yoga"), ("pilats", "Pilates"), ("reformr", "Reformer Pilates"),
               ("vinyasa yoga", "Vinyasa Flow")]
times = [("wed 6pm", at(25, 18), "minute"), ("tomorrow 7am", at(24, 7), "minute"),
         ("thurs 18:30", at(26, 18, 30), "minute"), ("tmrw at 7:30pm", at(24, 19, 30), "minute"),
         ("friday at 6pm", at(27, 18), "minute"), ("sat 9.30am", at(28, 9, 30), "minute"),
         ("on wednesday", at(25), "day"), ("thursday", at(26), "day"), ("tomoz", at(24), "day"),
         ("2moro", at(24), "day"), ("26/11", at(26), "day"), ("the 27th", at(27), "day"),
         ("sat morning", at(28, 5), "part_of_day"), ("thursday evening", at(26, 17), "part_of_day"),
         ("tonight", at(23, 17), "part_of_day"), ("weds 6.30am", at(25, 6, 30), "minute"),
         ("friday 18:00", at(27, 18), "minute"), ("tue 7am", at(24, 7), "minute")]
i = 0
for verb in book_verbs:
    for _ in range(3):
        word, label = class_words[i % len(class_words)]
        phrase, when, grain = times[(i * 5) % len(times)]
        add(f"{verb} {word} {phrase}", "book", label, when, grain)
        i += 1
for word, label in class_words[:8]:
    phrase, when, grain = times[i % len(times)]
    add(f"{word} {phrase} please", "book", label, when, grain)
    i += 1
add("can I come to yoga tomorrow night?", "book", "Yoga", at(24, 18), "part_of_day")
add("book yoga at 6 on wed", "book", "Yoga", at(25, 18), "minute", timetable=True)
add("yoga fri at 6 pls", "book", "Yoga", at(27, 18), "minute", timetable=True)
add("reformer thurs at 7", "book", "Reformer Pilates", at(26, 7), "minute", timetable=True)
add("hiit wed half 6", "book", "HIIT 45", at(25, 6, 30), "minute", timetable=True)
add("Book me in for yin on Thursday x", "book", "Yin Yoga", at(26), "day")
add("BOOK REFORMER TUES 7AM", "book", "Reformer Pilates", at(24, 7), "minute")
add("Hi, could I book the 6pm flow class on Wednesday please?", "book", "Vinyasa Flow", at(25, 18), "minute")
add("i want to do pilates tomorrow morning", "book", "Pilates", at(24, 5), "part_of_day")
add("Put me in hiit monday 6:30am", "book", "HIIT 45", at(30, 6, 30), "minute")
add("yoga with maya friday", "book", "Yoga", at(27), "day")
add("book a PT session with tom", "book", "Personal Training", None, None)
add("spot in reformer 26/11 at 18:30 pls", "book", "Reformer Pilates", at(26, 18, 30), "minute")
add("book me yoga 🧘 tomorrow", "book", "Yoga", at(24), "day")
add("can i join saturday's yoga", "book", "Yoga", at(28), "day")
add("book yoga", "book", "Yoga", None, None)
add("id like to come to reformer", "book", "Reformer Pilates", None, None)
add("i'll take the vinyasa on friday", "book", "Vinyasa Flow", at(27), "day")
add("grab me a spot at yin tmrw", "book", "Yin Yoga", at(24), "day")
add("book bootcamp wednesday", "book", "HIIT 45", at(25), "day")
add("please book me for pilates on dec 1st", "book", "Pilates", "2026-12-01T00:00:00+00:00", "day")

# ---------------------------------------------------------------- more ways people write (UK and US)
more_book = [
    ("Can I reserve a spot for Pilates on Thursday at 6:30pm?", "Pilates", at(26, 18, 30), "minute"),
    ("hey can u book me in 4 yoga tmrw", "Yoga", at(24), "day"),
    ("yoga tomorrow", "Yoga", at(24), "day"),
    ("reformer tues", "Reformer Pilates", at(24), "day"),
    ("flow fri", "Vinyasa Flow", at(27), "day"),
    ("i would like to book yin yoga thursday 7.30pm", "Yin Yoga", at(26, 19, 30), "minute"),
    ("Book Vinyasa Flow Wednesday 25th 18:00", "Vinyasa Flow", at(25, 18), "minute"),
    ("save me a place at bootcamp on wed", "HIIT 45", at(25), "day"),
    ("count me in for saturday yoga", "Yoga", at(28), "day"),
    ("can i do reformer thursday night", "Reformer Pilates", at(26, 18), "part_of_day"),
    ("book the 7am reformer tomorrow", "Reformer Pilates", at(24, 7), "minute"),
    ("book me in the 6.30pm reformer on thurs", "Reformer Pilates", at(26, 18, 30), "minute"),
    ("Hiya! Any chance I could book yoga on Friday evening? x", "Yoga", at(27, 17), "part_of_day"),
    ("book hiit monday 6.30am", "HIIT 45", at(30, 6, 30), "minute"),
    ("I want yin tmr", "Yin Yoga", at(24), "day"),
    ("sign me up for pilates friday", "Pilates", at(27), "day"),
    ("book yoga 2moro 7:30", "Yoga", at(24, 19, 30), "minute", True),
    ("reserve a spot in flow sat 9:30am", "Vinyasa Flow", at(28, 9, 30), "minute"),
    ("book yoga wed", "Yoga", at(25), "day"),
    ("please book pilates thurs 7am", "Pilates", at(26, 7), "minute"),
    ("Book me into reformer pilates on the 26th", "Reformer Pilates", at(26), "day"),
    ("put me in for yoga thursday 7.30", "Yoga", at(26, 19, 30), "minute", True),
    ("book yin yoga this thursday", "Yin Yoga", at(26), "day"),
    ("i'd like a spot in hiit wednesday morning", "HIIT 45", at(25, 5), "part_of_day"),
    ("book flow tonight", "Vinyasa Flow", at(23, 17), "part_of_day"),
    ("can I come to reformer tomorrow at 7", "Reformer Pilates", at(24, 7), "minute", True),
    ("book yoga in 2 hours", "Yoga", at(23, 11), "minute"),
    ("book yoga next week", "Yoga", at(30), "week"),
    ("yogaa tmrw", "Yoga", at(24), "day"),
    ("pilats on fri plz", "Pilates", at(27), "day"),
]
for text, cls, when, grain, *timetable in more_book:
    add(text, "book", cls, when, grain, **({"timetable": True} if timetable else {}))
more_sched = [
    ("what's on this evening", None, at(23, 17), "part_of_day"),
    ("Whats on tmrw morning?", None, at(24, 5), "part_of_day"),
    ("any reformer spots left tomorrow?", "Reformer Pilates", at(24), "day"),
    ("is wednesday yoga full?", "Yoga", at(25), "day"),
    ("what time's hiit on wed", "HIIT 45", at(25), "day"),
    ("which classes are on saturday morning", None, at(28, 5), "part_of_day"),
    ("is there pilates on the 27th?", "Pilates", at(27), "day"),
    ("are there spots in yin thursday", "Yin Yoga", at(26), "day"),
    ("how full is reformer tomorrow", "Reformer Pilates", at(24), "day"),
    ("what's on friday", None, at(27), "day"),
]
for text, cls, when, grain in more_sched:
    add(text, "schedule", cls, when, grain)
more_cancel = [
    ("I can't make reformer tomorrow, can you cancel it", "Reformer Pilates", at(24), "day"),
    ("cancel my 6pm yoga wed", "Yoga", at(25, 18), "minute"),
    ("cancel sat", None, at(28), "day"),
    ("pls cancel tmrw's yin", "Yin Yoga", at(24), "day"),
    ("cancel booking for friday flow", "Vinyasa Flow", at(27), "day"),
    ("I wont be able to make it to yoga on thursday", "Yoga", at(26), "day"),
    ("drop my hiit class", "HIIT 45", None, None),
    ("cancel the reformer on the 26th", "Reformer Pilates", at(26), "day"),
]
for text, cls, when, grain in more_cancel:
    add(text, "cancel", cls, when, grain)
for text in ["yes pls", "ya", "yes thanks", "ok go on then", "perfect", "yes!", "Yeah go for it", "yep yep"]:
    add(text, "yes")
for text in ["no ta", "nah thanks", "no, keep it", "dont", "not today thanks"]:
    add(text, "no")
for text in ["what are your prices", "how much r classes", "cost of unlimited?"]:
    add(text, "prices")
add("buy 10 pack", "buy", package="10 pack")  # contract 2: buying a named package is "buy", not "prices"
for text in ["how many credits left?", "do i have any classes left", "credit balance pls"]:
    add(text, "credits")
for text in ["hello there", "hey hey", "good afternoon"]:
    add(text, "greeting")
for text in ["can i speak to maya", "I'd like to talk to someone about membership"]:
    add(text, "human")

# ---------------------------------------------------------------- cancel (never a bare "cancel")
cancels = [("cancel thurs reformer", "Reformer Pilates", at(26), "day"),
           ("cancel my yoga tomorrow", "Yoga", at(24), "day"), ("cancel yin", "Yin Yoga", None, None),
           ("can't make yoga tonight", "Yoga", at(23, 17), "part_of_day"),
           ("cant make it to hiit wed", "HIIT 45", at(25), "day"),
           ("cancel wednesday's flow", "Vinyasa Flow", at(25), "day"), ("cancel my booking", None, None, None),
           ("please cancel my class", None, None, None), ("cancel reformer", "Reformer Pilates", None, None),
           ("Cancel Friday please", None, at(27), "day"), ("won't make it tomorrow sorry", None, at(24), "day"),
           ("I need to cancel pilates on thursday", "Pilates", at(26), "day"),
           ("cancle yoga", "Yoga", None, None), ("cancel the 6pm on wed", None, at(25, 18), "minute"),
           ("unable to come to yin tmrw, please cancel", "Yin Yoga", at(24), "day"),
           ("take me off saturday yoga", "Yoga", at(28), "day"), ("cancel tomorrow", None, at(24), "day"),
           ("sorry can't come to bootcamp", "HIIT 45", None, None), ("cancel my 7am reformer", "Reformer Pilates",
                                                                    at(24, 7), "minute"),
           ("CANCEL YOGA", "Yoga", None, None)]
for text, cls, when, grain in cancels:
    add(text, "cancel", cls, when, grain)
for n in (1, 2, 3):
    add(f"cancel {n}", "cancel", None, None, None, number=n)

# ---------------------------------------------------------------- list bookings
for text in ["my bookings", "what am I booked into?", "what have i booked", "when is my next class",
             "My classes", "what classes do i have", "show my bookings pls", "am i booked in for thursday?",
             "upcoming bookings", "what am i booked in for this week"]:
    add(text, "list_bookings", None, {"am i booked in for thursday?": at(26)}.get(text),
        {"am i booked in for thursday?": "day"}.get(text))
rows[-1]["when"], rows[-1]["grain"] = at(23, 9), "week"

# ---------------------------------------------------------------- schedule / availability
sched = [("what's on tomorrow?", None, at(24), "day"), ("whats on today", None, NOW, "day"),
         ("any spots in reformer thursday?", "Reformer Pilates", at(26), "day"),
         ("is there yoga tonight?", "Yoga", at(23, 17), "part_of_day"),
         ("timetable for saturday", None, at(28), "day"), ("what classes are on wed", None, at(25), "day"),
         ("any space in hiit wednesday?", "HIIT 45", at(25), "day"),
         ("what time is yin on thursday", "Yin Yoga", at(26), "day"),
         ("schedule this week", None, NOW, "week"), ("are there any pilates classes tomorrow?", "Pilates", at(24),
                                                      "day"),
         ("is reformer full on tues?", "Reformer Pilates", at(24), "day"),
         ("what's on at the weekend", None, at(28), "week"),
         ("any availability friday evening?", None, at(27, 17), "part_of_day"),
         ("what yoga classes are there?", "Yoga", None, None), ("whats on next week", None, at(30), "week"),
         ("Is there a class at 6pm tomorrow?", None, at(24, 18), "minute"),
         ("spots left for flow on wed?", "Vinyasa Flow", at(25), "day"),
         ("when's the next reformer class", "Reformer Pilates", None, None),
         ("what's on 26/11", None, at(26), "day"), ("any yin this week?", "Yin Yoga", NOW, "week")]
for text, cls, when, grain in sched:
    add(text, "schedule", cls, when, grain)

# ---------------------------------------------------------------- waitlist
for text, cls, when, grain in [("put me on the waitlist for reformer thursday", "Reformer Pilates", at(26), "day"),
                               ("add me to the wait list", None, None, None),
                               ("join waitlist yin tomorrow", "Yin Yoga", at(24), "day"),
                               ("can i go on the waiting list for yoga wed", "Yoga", at(25), "day"),
                               ("waitlist please", None, None, None),
                               ("put me on the list for saturday yoga", "Yoga", at(28), "day")]:
    add(text, "join_waitlist", cls, when, grain)

# ---------------------------------------------------------------- yes / no / pick
for text in ["yes", "YES", "Yes please", "yep", "yeah", "y", "ok", "sure", "yes please!", "👍", "Yes!!", "yup",
             "go ahead", "ok thanks", "confirm", "yes book it", "sounds good", "absolutely"]:
    # contract 2: a bare "ok" is an acknowledgement ("ack"), "ok thanks" is thanks
    add(text, {"ok": "ack", "ok thanks": "thanks"}.get(text, "yes"))
for text in ["no", "No thanks", "nope", "nah", "n", "no thank you", "not now", "never mind", "NO", "keep it",
             "no keep my spot", "nah i'm good"]:
    add(text, "no")
for text, n in [("1", 1), ("2", 2), ("3", 3), ("#2", 2), ("option 1", 1), ("the 2nd", 2), ("second", 2),
                ("first one", 1), ("2 please", 2), ("number 3", 3), ("the first", 1), ("3rd", 3)]:
    add(text, "pick", number=n)

# ---------------------------------------------------------------- credits, prices, help, human
for text in ["how many credits do i have", "credits?", "balance", "how many classes have I got left",
             "what's my balance", "classes left on my pack?", "when does my pack expire", "my membership",
             "how many sessions do i have left"]:
    add(text, "credits")
for text in ["prices", "how much is a class?", "how much does it cost", "price list please", "do you have packages?",
             "how much is membership", "what's the drop in price", "class pack prices?",
             "how much for the intro offer"]:
    add(text, "prices")
add("i want to buy a 10 pack", "buy", package="10 pack")
for text in ["help", "HELP", "info", "what can you do?", "how does this work", "help me"]:
    add(text, "help")
for text in ["can I talk to someone", "speak to a human please", "i need to talk to a person",
             "can someone call me", "real person please", "can I speak to the manager about my injury",
             "talk to staff", "human"]:
    add(text, "human")

# ---------------------------------------------------------------- greeting, thanks, opt-out/in, unknown
for text in ["hi", "Hello", "hey", "hiya", "good morning", "Hi there", "hey!", "Morning"]:
    add(text, "greeting")
for text in ["thanks", "thank you", "thx", "ty", "cheers", "thanks so much!", "Thank you 🙏", "brilliant thanks",
             "lovely thanks", "great thanks"]:
    add(text, "thanks")
for text in ["STOP", "stop", "CANCEL", "unsubscribe", "STOPALL", "end", "quit", "please stop texting me",
             "don't text me anymore", "opt me out"]:
    add(text, "opt_out")
for text in ["START", "start", "UNSTOP"]:
    add(text, "opt_in")
for text in ["asdfgh", "is the car park open?", "do you sell water bottles", "my mat is purple", "lol",
             "what's the wifi password", "can I bring my dog", "🙂", "ok so", "whatever"]:
    add(text, "unknown")

# ---------------------------------------------------------------- contract 2: the intents added with it
# (Mon 23 Nov 2026 09:00; "target" is the reschedule's new slot: class and when of the words after to/for)
for text, cls, when, grain, tcls, twhen in [
    ("can I push my reformer to friday", "Reformer Pilates", None, None, None, at(27)),
    ("move my yin to thursday", "Yin Yoga", None, None, None, at(26)),
    ("switch my flow to sat", "Vinyasa Flow", None, None, None, at(28)),
    ("change tomorrow's class to the evening one", None, at(24), "day", None, at(24, 17)),
    ("can i swap to the later one", None, None, None, None, None),
    ("could i move wednesday's hiit to friday", "HIIT 45", at(25), "day", None, at(27)),
]:
    add(text, "reschedule", cls, when, grain, target={"class": tcls, "when": twhen})
for text, minutes in [("running behind, 5 mins", 5), ("running 10 late", 10), ("stuck in traffic", None),
                      ("gonna be late", None), ("be there in 5", 5), ("sorry running 10 mins late!", 10)]:
    add(text, "running_late", minutes=minutes)
for text, when, grain in [("leave the list for thursday", at(26), "day"), ("take me off the waitlist", None, None),
                          ("remove me from the wait list", None, None), ("i don't need the waitlist spot", None, None)]:
    add(text, "leave_waitlist", None, when, grain)
for text in ["where am I on the waitlist", "what number am i on the list", "what's my position on the waitlist"]:
    add(text, "waitlist_status")
for text, names, numbers in [("I'm here", [], []), ("just arrived", [], []), ("here!", [], []),
                             ("check in Sam", ["sam"], []), ("check in 1 3", [], [1, 3]),
                             ("Sam and Priya are here", ["sam", "priya"], [])]:
    add(text, "check_in", names=names, numbers=numbers)
for text, names in [("no show Priya", ["priya"]), ("priya didn't come", ["priya"])]:
    add(text, "no_show", names=names)
add("undo", "undo")
add("waive Priya's fee", "waive", names=["priya"])
for text in ["when do i have to cancel by?", "what's the cancellation policy", "is there a fee if i cancel"]:
    add(text, "cancel_policy")
for text in ["okay", "k", "cool", "alright", "?", "??", "hello?"]:
    add(text, "ack")
for text in ["ok thx"]:
    add(text, "thanks")
for text in ["do i owe anything", "whats my balance"]:
    add(text, "credits")
for text, package in [("the 5 pack", "5 pack"), ("10 pack please", "10 pack"), ("buy the unlimited", "unlimited")]:
    add(text, "buy", package=package)
for text in ["why was i charged", "i was in class, ask maya", "that fee is wrong"]:
    add(text, "dispute")
for text in ["yeah go on then, book it", "definitely, I'll have it", "yes that one please!", "yes please add me",
             "yes waitlist me", "yes, cancel it"]:
    add(text, "yes")
for text in ["nah leave it thanks", "no thanks cant make it"]:
    add(text, "no")
for text in ["STOP thanks", "Stop.", "stop!!", "no more texts please", "remove my number", "opt-out",
             "unsubscribe me"]:
    add(text, "opt_out")
add("book flow fri and cancel my reformer sat", "book", "Vinyasa Flow", at(27), "day",
    also=[{"intent": "cancel", "class": "Reformer Pilates", "when": at(28)}])
add("what's on tomorrow and how many credits do I have", "schedule", None, at(24), "day",
    also=[{"intent": "credits", "class": None, "when": None}])

out = Path(__file__).with_name("labelled.jsonl")
out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
print(f"{len(rows)} rows -> {out}")
