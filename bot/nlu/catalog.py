"""The studio's own words: class names, aliases, categories, instructors, locations.

Matching is fuzzy (rapidfuzz) over word n-grams of the message, so "pilats",
"yogaa" and "reformr" find their classes. A category ("yoga") matches every class
type in it; a name or alias matches that one class type. A category holding a single
class type is labelled with that class type's name ("spin" -> "Spin 45").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

STOPWORDS = frozenset(
    "a an the i me my to for in on at of and or with please can could want book cancel class classes "
    "session sessions spot spots any is are there what whats on next this tomorrow today tonight "
    "morning evening afternoon am pm yes no one".split()
)


# how clients name a category when the studio hasn't listed the word as an alias
CATEGORY_WORDS = {
    "personal training": ("pt", "personal trainer", "1:1", "one to one", "pt session"),
    "cycling": ("spin", "spinning", "cycle"),
    "hiit": ("high intensity",),
    "meditation": ("breathwork",),
}


@dataclass(frozen=True)
class ClassEntry:
    id: int
    name: str
    category: str
    aliases: tuple[str, ...] = ()
    kind: str = "class"
    credits: int = 1  # what one booking costs from a pack


@dataclass(frozen=True)
class NamedEntry:
    id: int
    name: str


@dataclass(frozen=True)
class ClassMatch:
    label: str  # what the client meant, in the studio's words ("Yoga", "Reformer Pilates")
    class_type_ids: tuple[int, ...]
    score: float
    span: tuple[int, int]  # token indices [start, end)


@dataclass(frozen=True)
class NameMatch:
    id: int
    name: str
    score: float
    span: tuple[int, int]


@dataclass
class Catalog:
    classes: list[ClassEntry] = field(default_factory=list)
    instructors: list[NamedEntry] = field(default_factory=list)
    locations: list[NamedEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._terms: dict[str, tuple[str, tuple[int, ...], int]] = {}
        by_category: dict[str, list[int]] = {}
        for c in self.classes:
            by_category.setdefault(c.category.lower(), []).append(c.id)
        for category, ids in by_category.items():
            label = category.title() if category != "hiit" else "HIIT"
            if len(ids) == 1:  # a category of one class type names that class ("spin" -> "Spin 45")
                label = next(c.name for c in self.classes if c.id == ids[0])
            for term in (category, *CATEGORY_WORDS.get(category, ())):
                self._terms[term] = (label, tuple(ids), 1)
        for c in self.classes:
            for term in (c.name, *c.aliases):
                self._terms[term.lower()] = (c.name, (c.id,), 2)
        # a distinctive word of a class's name stands for it: "yin", "vinyasa", "reformer"
        words: dict[str, set[int]] = {}
        for c in self.classes:
            for word in c.name.lower().split():
                if len(word) >= 3 and word not in by_category and word not in STOPWORDS and not word.isdigit():
                    words.setdefault(word, set()).add(c.id)
        for word, word_ids in words.items():
            if len(word_ids) == 1 and word not in self._terms:
                (only,) = word_ids
                self._terms[word] = (next(c.name for c in self.classes if c.id == only), (only,), 2)
        self._vocabulary = frozenset(w for term in self._terms for w in term.split()) | frozenset(
            w for person in (*self.instructors, *self.locations) for w in person.name.lower().split()
        )
        # the words of class names and aliases a slip can be put right to ("yinn", "flwo")
        self._class_words = frozenset(
            w for term in self._terms for w in term.split() if len(w) >= 3 and w.isalpha() and w not in STOPWORDS
        )
        self._class_phrases = frozenset(
            term for term in self._terms if len(term.split()) == 2 and all(w.isalpha() for w in term.split())
        )
        self._names: dict[str, NamedEntry] = {}
        for person in self.instructors:
            first = person.name.split()[0].lower()
            self._names[person.name.lower()] = person
            self._names.setdefault(first, person)

    def vocabulary(self) -> frozenset[str]:
        """Every word of the studio's class terms, instructors and locations."""
        return self._vocabulary

    def class_words(self) -> frozenset[str]:
        """The words of the studio's class names, aliases and categories (three letters or more)."""
        return self._class_words

    def class_phrases(self) -> frozenset[str]:
        """The studio's two-word class names and aliases ("mat pilates", "slow flow")."""
        return self._class_phrases

    def match_class(self, tokens: list[str], threshold: float = 82) -> ClassMatch | None:
        """The best class phrase in ``tokens``; longer and more specific phrases win ties."""
        best: ClassMatch | None = None
        best_key = (0.0, 0, 0)
        terms = list(self._terms)
        for size in (3, 2, 1):
            for start in range(0, len(tokens) - size + 1):
                words = tokens[start : start + size]
                if words[0] in STOPWORDS or words[-1] in STOPWORDS:
                    continue
                phrase = " ".join(words)
                # short words must match exactly, and near-misses of six letters or fewer closely
                cutoff = 100 if len(phrase) < 4 else (88 if len(phrase) <= 6 else threshold)
                found = process.extractOne(phrase, terms, scorer=fuzz.ratio, score_cutoff=cutoff)
                if not found:
                    continue
                term, score, _ = found
                if score < 100 and term[0] != phrase[0]:
                    continue  # a slip keeps the first letter: "raining" is not "training"
                label, ids, specificity = self._terms[term]
                key = (score + 4 * size, specificity, len(term))
                if key > best_key:
                    best_key = key
                    best = ClassMatch(label, ids, score / 100, (start, start + size))
        return best

    def match_name(self, tokens: list[str], entries: list[NamedEntry], threshold: float = 85) -> NameMatch | None:
        names = {e.name.lower(): e for e in entries}
        for e in entries:
            names.setdefault(e.name.split()[0].lower(), e)
        best: NameMatch | None = None
        for size in (2, 1):
            for start in range(0, len(tokens) - size + 1):
                phrase = " ".join(tokens[start : start + size])
                if size == 1 and (phrase in STOPWORDS or len(phrase) < 3):
                    continue
                found = process.extractOne(phrase, list(names), scorer=fuzz.ratio, score_cutoff=threshold)
                if found and (best is None or found[1] > best.score * 100):
                    entry = names[found[0]]
                    best = NameMatch(entry.id, entry.name, found[1] / 100, (start, start + size))
        return best

    def match_instructor(self, tokens: list[str]) -> NameMatch | None:
        return self.match_name(tokens, self.instructors)

    def match_location(self, tokens: list[str]) -> NameMatch | None:
        return self.match_name(tokens, self.locations)


def generic_catalog() -> Catalog:
    """Used when no studio is given (``frontdesk nlu`` without a fixture)."""
    names = [
        ("Yoga", "Yoga", ("vinyasa", "hatha", "yin", "flow")),
        ("Pilates", "Pilates", ("mat pilates",)),
        ("Reformer Pilates", "Pilates", ("reformer",)),
        ("HIIT", "HIIT", ("bootcamp", "circuits")),
        ("Strength", "Strength", ("weights",)),
        ("Barre", "Barre", ()),
        ("Spin", "Cycling", ("cycling", "cycle")),
        ("Dance", "Dance", ("zumba",)),
        ("Meditation", "Meditation", ("breathwork",)),
        ("Personal Training", "Personal Training", ("pt", "personal trainer")),
    ]
    return Catalog([ClassEntry(i + 1, n, cat, aliases) for i, (n, cat, aliases) in enumerate(names)])
