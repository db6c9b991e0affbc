"""Stage: decide. Answer or abstain, and which question terms the notes never mention.

Two signals (README, "When it abstains"): the vocabulary (question terms the notes never
mention, after stemming and allowing typos) and the best single line's cosine with the
question. Thresholds and the name rule's switch are `AnswerOptions` fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from assistant.models import Outcome
from assistant.options import DEFAULT_OPTIONS, AnswerOptions
from assistant.stages.evidence import first_units, named_as, terms_in
from assistant.stages.query import CHORDS, chords
from corpus.dates import calendar_word, days_in
from corpus.models import Chunk
from index.models import Hit
from index.retrieve import (
    NUMBERED,
    STOPWORDS,
    VERB_PARTICLES,
    TermInfo,
    clipped_words,
    clipping,
    fold,
    plain,
    query_terms,
    slip_of_stopword,
)
from index.store import CJK

# Words that phrase a question rather than name its subject: never reported as "missing".
PHRASING = frozenset(
    """configure configuring configured setup set work works working happen happens happened
    happening difference differences differ compare comparison between need needs needed
    require required requires
    possible support choose pick option options best good recommend recommendation should
    able allow allows enable enables purpose benefit benefits example examples mean meaning
    define definition happen common main key important types type kind difference work
    possible available handle handled handles provide provides offer offers say says said
    notes note""".split()
)


@dataclass
class Decision:
    abstain: bool
    missing: list[str]
    """Subject words of the question the notes never mention (or, for names, only outside
    the top sections: `elsewhere`)."""
    reason: str
    elsewhere: list[str] = field(default_factory=list)
    """Of `missing`, the names the notes use, but not in any section the answer could quote."""
    names: list[str] = field(default_factory=list)
    """Of `missing`, the names (`is_name`): what makes an answer only partly covered. An
    ordinary word the notes lack ("pricing") is said, but it may only be worded otherwise."""
    keywords: bool = False
    """Decided without vectors (a first build's keyword preview): found, not judged."""
    compounds: list[str] = field(default_factory=list)
    """Of `names`, the identifiers the compound rule found unwritten (`missing_compounds`)."""
    clause: bool = False
    """Answered only by the clause rule (`covered_clause`), which the name rule would decline."""
    clippings: list[str] = field(default_factory=list)
    """Clipped words of the question read with their full words ("auth: authentication or
    authorization"; `TermInfo.full`)."""
    splits: list[str] = field(default_factory=list)
    """Words of the question the notes write hyphenated, as they write them ("wifi: wi-fi";
    `TermInfo.split`)."""
    variants: list[str] = field(default_factory=list)
    """Words of the question the notes spell otherwise, American or British, as they spell
    them ("harbor: harbour"; `TermInfo.variant`, the spelling-variant rule)."""
    derived: list[str] = field(default_factory=list)
    """Words read as the word they are made of ("mouldy: mould"; `TermInfo.derived`, the
    derived-word rule)."""
    joined: list[str] = field(default_factory=list)
    """Words of the question the notes write joined to the word beside them ("back: backup";
    `TermInfo.joined`, the joined-words rule)."""
    whole_line: bool = False
    """Answered under `min_line` by the whole-line rule: a line holds every subject term."""
    other_language: bool = False
    """Read as a question in another language than English (`in_another_language`): only its
    long words the notes lack counted as names (`CONTENT_WORD_LETTERS`)."""
    on_day: bool = False
    """Answered under `min_line` by the date rule: notes of the day the question names hold
    its other subject words."""
    more: bool = False
    """Answered under `min_line` by the more rule: the sections left are of a note the last
    answer quoted."""
    siblings: list[str] = field(default_factory=list)
    """Ordinary words the sibling rule read as missing names (`sibling_names`)."""
    no_day: list[str] = field(default_factory=list)
    """Days the question names that no note is of, in a folder of dated notes (date rule)."""
    abbreviations: list[str] = field(default_factory=list)
    """Phrases of the question searched with the abbreviation the notes define for them too
    ("oxalic acid: OA"; `index.retrieve.abbreviated`), for --explain."""
    unread: list[str] = field(default_factory=list)
    """Words not read as a typo of the notes word a letter away ("tokio: tokyo";
    `TermInfo.unread`, the typo-context rule)."""
    asked: list[str] = field(default_factory=list)
    """Ordinary words said missing by the asked-noun rule ("phone" of "What's Tyler's phone
    number?"), for --explain."""
    asked_here: list[str] = field(default_factory=list)
    """Those of them some note writes, but none of the top sections (`asked_nouns_here`)."""
    unquoted: list[str] = field(default_factory=list)
    """Names no quoted note writes, said missing by the quoted-notes rule (`unquoted_names`)."""
    unpriced: bool = False
    """Partly covered by the price rule (`unpriced`): the quotes write no price."""
    unsaid: list[str] = field(default_factory=list)
    """Ordinary words the notes lack, left out of `missing` in an answer (`ordinary_missing`
    off): "Your notes don't mention look." was mostly the question's wording of what the
    notes put otherwise."""

    @property
    def outcome(self) -> Outcome:
        if self.abstain:
            return "not_covered"
        if self.keywords:
            return "keyword_matches"
        return "partly_covered" if self.names else "answered"


def with_unanswered_parts(decision: Decision, words: Sequence[str]) -> None:
    """The part-missing rule: the words the notes lack of a part of the question that no
    line answers (`Engine._part_sections`) are missing names, so the answer is partly
    covered: "What's the shower valve model and how much does it cost?" quoted the valve's
    model, "answered", though nothing says what it costs."""
    new = [w for w in words if w not in decision.missing]
    if decision.abstain or not new:
        return
    decision.missing += new
    decision.names += new
    decision.unsaid = [t for t in decision.unsaid if t not in {w.lower() for w in new}]
    decision.reason = (
        f"partly covered: no line answers a part of the question, and no note writes "
        f"{', '.join(new)} (part-missing rule)"
    )


_HOW_DEGREE = re.compile(r"\bhow\s+([^\W\d_]+)", re.IGNORECASE)
"""The degree a "how" asks: "precise" of "how precise is it"."""


def part_lacking(part: str, lack: Sequence[str], numbers: bool) -> list[str]:
    """The words the part-missing rule may say missing, of those no note writes (`lack`) of a
    part no line answers: not a lowercase two-letter word ("wich cones go in the witness pack
    and where do they go" said "Your notes don't mention go"), nor, where the quoted sections
    write numbers (`numbers`), the degree a "how" asks ("what scale do i have and how precise
    is it" said "don't mention precise" of a scale's "0.1g"): notes say it by its value."""
    degree = {m[1].lower() for m in _HOW_DEGREE.finditer(part)} if numbers else set()
    names = names_in(part)
    return [t for t in lack if (len(t) > 2 or t in names) and t not in degree]


def subject_terms(coverage: Sequence[TermInfo]) -> list[TermInfo]:
    return [t for t in coverage if t.term not in PHRASING]


@dataclass(frozen=True)
class Phrase:
    terms: tuple[str, ...]
    capitalised: frozenset[str]
    """Its terms the user wrote as names (`capitalised`: "Azure Container Apps"), in this
    phrase."""


def phrases(question: str, subject: Sequence[str]) -> list[Phrase]:
    """The question's runs of adjacent subject terms: its noun phrases, roughly.

    "What is a Kubernetes DaemonSet?" has one phrase [kubernetes, daemonset]; "EKS with
    Karpenter" has two, [eks] and [karpenter]. Stopwords and phrasing words separate phrases,
    except inside a hyphenated word ("on-demand").
    """
    out: list[Phrase] = []
    run: list[str] = []
    caps: set[str] = set()
    first = True
    for token in question.split():
        parts = re.findall(r"[^\W_]+", token)
        capital = {w.lower() for i, w in enumerate(parts) if capitalised(w, first and i == 0)}
        first = first and not parts
        parts = [w.lower() for w in parts]
        subject_parts = [w for w in parts if w in subject]
        if not subject_parts:
            if parts and run:
                out.append(Phrase(tuple(run), frozenset(caps)))
                run, caps = [], set()
            continue
        run.extend(w for w in subject_parts if w not in run)
        caps |= capital & set(subject_parts)
        if not re.search(r"[^\W_]$", token) and token.rstrip("'\")").endswith((",", ";", ":", "?")):
            out.append(Phrase(tuple(run), frozenset(caps)))
            run, caps = [], set()
    if run:
        out.append(Phrase(tuple(run), frozenset(caps)))
    return out


def anchored(
    phrase: Phrase,
    info: dict[str, TermInfo],
    common: set[str],
    ubiquitous: Callable[[TermInfo], bool] = lambda t: False,
) -> bool:
    """A covered phrase that names something of the notes: a term capitalised there or not an
    ordinary word ("ECS", "binpack"), and not one found all over the folder. "ECS with Loki"
    is about ECS, naming Loki as missing; "scale a deployment on Heroku" is about Heroku, and
    "scale a deployment" alone is too general to answer it."""
    named = [t for t in phrase.terms if t in phrase.capitalised or not is_common(t, common)]
    return any(info[t].covered and not t.isdigit() and not ubiquitous(info[t]) for t in named)


MEASURES = frozenset(
    "size length width height depth weight mass volume capacity temperature temp time duration "
    "age cost price fee rate speed distance dose dosage amount quantity count total "
    "percentage ratio concentration voltage pressure frequency quote estimate budget bill "
    "salary rent balance".split()
)
"""Words for a measure, which notes write as its number and unit ("Expected empty vector band
= 312 bp" answers "What size is the empty vector band?"): where the top sections write a
number, the asked-noun rule leaves them unsaid."""
VALUES = frozenset(
    """job occupation profession career trade role rank title name nickname colour color breed
    religion nationality hours results result grade status class level tier number score
    rating version date day year""".split()
)
"""Words for what a value is, which notes write as the value alone ("What job did John Brown
have?" of "1911: labourer at the gasworks"; "What are Riverside's opening hours?" of "Mon-Fri
8:30-7"; "What Bortle class is Crickley Hill?" of "Bortle 4"): the asked-noun rule leaves
them unsaid."""
KINDS = frozenset(
    "type kind sort option method way policy strategy mode step tool example feature setting "
    "choice alternative approach thing item category order metric parameter".split()
)
"""Words for the kinds of a thing, which notes list by name without saying the word ("what
scaling policies can a service use?" of notes listing "Target Tracking", "Step Scaling"):
the asked-noun rule leaves them unsaid, singular or plural."""
_ASKED_THING = re.compile(
    r"\b(?:what|which|how\s+many)\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?\s+"
    r"(?:do|does|did|is|are|was|were|can|could|should|will|would|has|have|had)\b",
    re.IGNORECASE,
)
"""A thing the question asks which of, or how many of: "What car does …", "What time zone
does …", "How many Kafka brokers do we run?" (answered from a note's consumer replicas)."""


_NOT_OWNERS = frozenset("it that what there here who where how let he she this".split())
"""Words whose "'s" is "is" or "us", no owner's: "after it's fully rolled out"."""


def noun_slot(question: str, term: str) -> bool:
    """Whether `term` names the thing the question asks for (the asked-noun rule): what a
    possessive owns ("the dentist's phone number", "Tyler's email"; one word between at
    most), or the thing of "what" or "which" before its verb ("What car does Anna Keller
    drive?", "What time zone does the scheduler use?"). Not a word of the user's own
    description ("a way to avoid provisioning machines", "the managed web app runner"):
    those are as often the notes' subject in other words. Nor a verb's past form ("What's Tom
    Nowak's wife called?")."""
    if len(term) > 4 and term.endswith("ed") and not term.endswith("eed"):
        return False
    words = re.findall(r"[^\W_]+(?:['’]s\b)?", question.lower())
    for i, w in enumerate(words):
        owners = [p for p in words[max(0, i - 2) : i] if p.endswith(("'s", "’s"))]
        if w == term and any(p[:-2] not in _NOT_OWNERS for p in owners):
            return True
    return any(
        term in (m[1].lower(), (m[2] or "").lower()) for m in _ASKED_THING.finditer(question)
    )


def said_as_values(word: str, numbers: bool) -> bool:
    """A word notes say by giving its values, not the word (the asked-noun rule's
    exceptions), singular or plural ("policies": policy): a kind (`KINDS`), what a value is
    (`VALUES`), or a measure (`MEASURES`) where the top sections write `numbers`."""
    forms = {word, word[:-1], word[:-2], word[:-3] + "y"} if word.endswith("s") else {word}
    return bool(forms & KINDS or forms & VALUES or (numbers and forms & MEASURES))


def asked_nouns(
    question: str,
    unsaid: Sequence[str],
    subject: Sequence[TermInfo],
    names: Collection[str],
    hits: Sequence[Hit],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    otherwise: Callable[[str], float] | None = None,
) -> list[str]:
    """The asked-noun rule: of the ordinary words no note writes (`unsaid`), those naming the
    thing the question asks of a name it writes that the notes cover (`noun_slot`: "What's
    Tyler's phone number?"), to be said missing; not a measure the top sections write a
    number for (`MEASURES`), nor a word for kinds (`KINDS`) or for what a value is
    (`VALUES`), nor one a top line comes
    `asked_noun_line` close to on its own (`otherwise`: how close, for a word; a clipping's
    full words count too: "temp", temperature)."""
    if not any(t.covered and t.term in names for t in subject):
        return []  # no name the notes write: the notes may put the word otherwise
    full = {t.term: t.full for t in subject}
    top = "".join(h.chunk.text for h in first_units(hits, opts.local_sections))
    numbers = any(c.isdigit() for c in top)
    return [
        t
        for t in unsaid
        if t.isalpha()
        and noun_slot(question, t)
        and not said_as_values(t, numbers)  # "What size is the band?" of "312 bp", "what
        # scaling policies" listed by name, "What job did he have?" of "labourer"
        and (
            otherwise is None
            or max(otherwise(w) for w in (t, *full.get(t, ()))) < opts.asked_noun_line
        )
    ]


def is_name(term: str, names: Collection[str], common: set[str]) -> bool:
    """A term that names something: capitalised by the user (three letters or more: "IP" of
    notes that write "192.168.1.2" names no subject they lack), or not an ordinary word; a
    short lowercase token ("lb", "53") is too ambiguous to count."""
    return (term in names and len(term) > 2) or (
        not is_common(term, common) and not is_neutral(term)
    )


_VERSION_HEAD = re.compile(r"(?<![\w.])(v\d+)(?=\.\d)", re.IGNORECASE)
"""The first part of a version written with its "v" ("v2" of "v2.4.1")."""


def localise(
    coverage: Sequence[TermInfo],
    question: str,
    common: set[str],
    in_top: Collection[str],
) -> list[TermInfo]:
    """Coverage as the top sections see it (the local coverage rule): a name the notes use
    somewhere, but none of the top sections mentions, is missing from what can be quoted
    ("rebased" in a folder of 1,800 notes, none of them about rebasing that the question
    reached). A lowercase misspelling read as an ordinary word ("isue" as "issue") is that
    word, not a name; a capitalised one stays a name ("ClickUp" is not "click").
    `in_top`: the terms the top sections mention (`evidence.terms_in`). A version's "v2" of
    "v2.4.1" is no name of its own: the compound rule judges the version ("Which CVE was
    fixed in v2.4.1?" said "The sections found don't mention v2" over "[2.4.1]")."""
    names = names_in(question)
    heads = {m[1].lower() for m in _VERSION_HEAD.finditer(question)}
    return [
        t.model_copy(update={"chunks": 0, "near": None})
        if t.covered
        and is_name(t.term, names, common)
        and t.term not in in_top
        and t.term not in heads
        and not (
            t.near and t.term not in names and (is_common(t.near, common) or t.near in PHRASING)
        )
        else t
        for t in coverage
    ]


def ubiquitous(t: TermInfo, sections_total: int, opts: AnswerOptions = DEFAULT_OPTIONS) -> bool:
    """A term that names nothing in particular in this folder: common, or in
    `ubiquitous_share` of its `sections_total` sections (folders of 50 or more: "dendron" in
    Dendron's own notes, "ECS" in the AWS docs)."""
    if t.common:
        return True
    return sections_total >= 50 and t.chunks >= opts.ubiquitous_share * sections_total


def is_neutral(term: str) -> bool:
    """Short tokens and numbers ("lb", "svc", "53") are too ambiguous to decide coverage; a
    short code of letters and digits ("q4", "w12", "ec2") is not: it names one thing ("What
    are our Q4 OKRs?" was answered from Q1's, high confidence). An ordinal ("22nd") is a day
    of some month or a place in some order: "what did Sam water on the 22nd?" was partly
    covered, "don't mention 22nd", of a log of rows dated 2024-09-22."""
    coded = term.isalnum() and not term.isalpha() and not term.isdigit()
    if re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)", term):  # "on the 22nd": a day or a place
        return True
    if CJK.search(term):  # a Chinese or Japanese word of two characters names one thing: 豚汁
        return False
    return (len(term) <= 3 and not coded) or (term.isdigit() and not is_year(term))


def acronym(term: str, question: str, common: set[str]) -> bool:
    """A short word the question writes in capitals, letters only, no word of the model's
    vocabulary ("TSH", "NPS", "RTO"): an acronym, one thing, as a longer name is, where the
    question lacks nothing else ("What's the normal range for TSH?" of a nurse's lab values
    was partly covered, quoting the other labs). Not one the vocabulary holds ("IP", "ID",
    "PIN": "What's the IP of the printer?" of notes writing its address); nor beside ordinary
    words the notes lack too, as likely said otherwise: "What is the host VM allowed to do
    on behalf of the agent…?" of notes on EC2 instances."""
    return (
        term.isalpha()
        and not is_common(term, common)
        and bool(re.search(rf"(?<![\w-]){term.upper()}(?![\w-])", question))
    )


def is_year(term: str) -> bool:
    """A year ("2021"): one thing, as a code is; notes without it do not answer of it ("What
    did I deduct on my 2021 taxes?" quoted 2022's to 2024's deductions)."""
    return len(term) == 4 and term.isdigit() and term[:2] in ("19", "20")


def capitalised(word: str, first: bool = False) -> bool:
    """Written as a name: with a capital letter, or for the question's first word (capitalised
    anyway) with one after its first letter ("EKS with Karpenter", "FastAPI on ...")."""
    return any(c.isupper() for c in (word[1:] if first else word))


def names_in(question: str, first: bool = False) -> set[str]:
    """Words the user capitalised ("Azure", "MySQL"; a first word only if "EKS" or "FastAPI",
    or with `first`, any capitalised first word: "Tableau pricing" for the typo rule, which
    reads a name as a typo only one letter from a frequent notes word, not "tablet"): names,
    not plain words. A capitalised word joined by an apostrophe is one name, all its parts
    ("Thrall'ek": thrall, ek; "O'Brien"). A title before a name ("Professor Delgado",
    "Justice Black") is none: notes write it otherwise ("Prof. Delgado", "Black, J."), and
    "What did Professor Delgado say would be on the final?" was partly covered, "Your notes
    don't mention Professor Delgado". Nor is a language after "in", "the" or "a" (`LANGUAGES`:
    "in French", "the French word for")."""
    words = re.findall(r"[^\W_]+(?:['’][^\W_]+)*", question)
    return {
        part.lower()
        for i, w in enumerate(words)
        if capitalised(re.split("['’]", w)[0], first=i == 0 and not first)
        and not (i == 0 and w[1:].islower() and slip_of_stopword(w.lower()))  # "Wht is…"
        and not (
            w.lower() in TITLES and i + 1 < len(words) and words[i + 1][:1].isupper()
        )  # the title of a name
        and not (w.lower() in LANGUAGES and words[i - 1 : i] in (["in"], ["the"], ["a"]))
        for part in re.split("['’]", w)
    }


LANGUAGES = frozenset(
    """english french spanish german italian portuguese dutch swedish norwegian danish finnish
    polish czech russian ukrainian greek turkish arabic hebrew hindi japanese chinese mandarin
    cantonese korean vietnamese thai indonesian latin""".split()
)
"""Languages, capitalised in English though the question names by them the language of what
it asks ("How do I tell the time in French?", "What's the French word for saucepan?"): no
subject of a folder of French notes, which would quote first the one section that writes the
word, a README's "Coffee Break French podcast"."""


TITLES = frozenset(
    """mr mrs ms miss mx dr doctor prof professor justice chief judge sir dame rev reverend
    mt mount mtn""".split()
)
"""Titles said before a person's name, which notes abbreviate or leave out; and a mountain's
("Mt Rainier" of notes writing "Rainier")."""


def phrase_covered(
    phrase: Sequence[str],
    coverage: dict[str, TermInfo],
    common: set[str],
    names: set[str],
    max_missing: float = DEFAULT_OPTIONS.max_missing_in_phrase,
) -> bool:
    """A phrase the notes can speak to: every name in it occurs in the notes, and most of its
    words do ("managed web app runner" yes; "EC2 reserved instance cost" no). Short tokens
    such as "lb" count neither way, but a phrase needs at least one covered word."""
    judged = [t for t in phrase if not is_neutral(t) or coverage[t].covered]
    if not any(coverage[t].covered for t in judged):
        return False
    missing = [t for t in judged if not coverage[t].covered]
    if any(t in names or not is_common(t, common) for t in missing):
        return False
    return len(missing) / len(judged) <= max_missing


_BRITISH = (
    ("isation", "ization"),
    ("ise", "ize"),
    ("ise", "ice"),
    ("yse", "yze"),
    ("our", "or"),
    ("tre", "ter"),
    ("ence", "ense"),
)
"""British spellings and their American forms (the model's vocabulary is American English)."""

_INFLECTIONS = (
    ("s", "", 1),
    ("es", "", 1),
    ("ies", "y", 1),
    ("ing", "", 1),
    ("ing", "e", 1),
    ("ed", "", 1),
    ("ed", "e", 1),
    ("est", "", 4),  # superlatives: "cheapest" was "corrected" to the notes' "cheaper"
    ("est", "e", 4),  # of words of four letters or more: "dest" is not "de" + "est"
    ("iest", "y", 4),
    ("en", "e", 4),  # "ripen", "widen": "when did the first Sungold ripen?" was declined,
    # "ripen" read as a name the notes lack (not "-en" of any stem: "Jensen", "Bergen")
)
"""(suffix, what replaces it, the fewest letters the word it inflects may have)."""


def undoubled(term: str, common: set[str]) -> bool:
    """An "-ed", "-ing" or "-en" form, no word of the vocabulary, whose consonant doubled is one
    ("snaped": "snapped", "writen": "written", "stoping"): a misspelling, though its stem is a
    word ("How to fix a snaped chain?" was declined, "Your notes don't mention snaped", of
    notes writing "snapped"; "what score did I get on the writen test?" likewise). So is a
    word of DOUBLED_MIN_LETTERS or more with a consonant doubled anywhere ("derating for 8
    current carying conductors" was declined, "don't mention carying": "cary" is a word)."""
    if term in common:
        return False
    for suffix in ("ed", "ing", "en"):
        stem = term.removesuffix(suffix)
        if stem != term and len(stem) >= 3 and stem + stem[-1] + suffix in common:
            return True
    if len(term) < DOUBLED_MIN_LETTERS:
        return False
    # a consonant doubled inside the word ("carying": "carrying", though "cary" is a word)
    return any(
        term[i - 1] not in "aeiouy" and term[:i] + term[i - 1] + term[i:] in common
        for i in range(1, len(term))
    )


_NEGATIONS = ("un", "non", "in", "dis")
"""Prefixes that make a word's opposite of an ordinary word ("unchecked", "nonblocking")."""


def is_common(term: str, common: set[str], min_stem: int = 1) -> bool:
    """An ordinary word, allowing for plurals, verb endings, superlatives, a verb made of an
    adjective in -e and British spelling ("passwords", "deploying", "cheapest", "ripen",
    "practise", "optimised"), and for a negating
    prefix ("unchecked", "nonblocking"), so that it is never mistaken for a name. An
    inflection counts only of a word of `min_stem` letters or more. Accents aside ("fiancé"
    is "fiance", as the index reads it)."""
    if not term.isascii() and (bare := fold(term)) != term and bare.isascii():
        return is_common(bare, common, min_stem)
    for prefix in _NEGATIONS:
        rest = term.removeprefix(prefix).lstrip("-")
        if rest != term and len(rest) >= 4 and is_common(rest, common, min_stem):
            return True
    stems = {term}
    for suffix, repl, fewest in _INFLECTIONS:
        stem = term[: -len(suffix)] + repl
        if term.endswith(suffix) and len(stem) >= max(min_stem, fewest):
            stems.add(stem)
    forms = set(stems)
    for stem in stems:
        for brit, us in _BRITISH:
            if stem.endswith(brit):
                forms.add(stem[: -len(brit)] + us)
    return any(f in common for f in forms)


MISSPELT_MIN_LETTERS = 7
"""Shortest word read as a misspelling of an ordinary word one letter away: shorter, too
many names are ("jira", "vue")."""
DOUBLED_MIN_LETTERS = 5
"""Shortest word read as an ordinary word with a doubled letter typed once ("adress",
"comit"): the commonest slip, and a shape few short names have."""


def misspelt_ordinary(question: str, common: set[str]) -> set[str]:
    """The question's lower-case words that are no ordinary word but one letter from one
    (left out, added, changed or two swapped: "refernce", "recieve"): misspelt ordinary
    words, no names. "whats the booking refernce for hotel kanra" was partly covered, "Your
    notes don't mention refernce", where the notes never write "reference". Shorter words
    (`DOUBLED_MIN_LETTERS`) only with a doubled letter typed once ("whats the adress of the
    hotel" was partly covered, "Your notes don't mention adress") or a letter typed twice
    ("How offten do the dogs get NexGard?": "Your notes don't mention offten")."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    capitals = names_in(question, first=True)
    out: set[str] = set()
    for w in query_terms(question):
        if len(w) < DOUBLED_MIN_LETTERS or not w.isalpha() or w in capitals or w in common:
            continue
        if is_common(w, common):
            continue
        if len(w) < MISSPELT_MIN_LETTERS:  # a doubled letter typed once, "adress", "comit",
            once = {w[:i] + w[i] + w[i:] for i in range(len(w))}  # or twice: "offten"
            twice = {w[:i] + w[i + 1 :] for i in range(1, len(w)) if w[i] == w[i - 1]}
            if (once | twice) & common:
                out.add(w)
            continue
        splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
        near = {a + b[1:] for a, b in splits if b}
        near |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        near |= {a + c + b[1:] for a, b in splits if b for c in letters}
        near |= {a + c + b for a, b in splits for c in letters}
        if near & common:
            out.add(w)
    return out


def clippings_asked(question: str) -> set[str]:
    """The clippings the question writes (`index.retrieve.clipped_words`), less one it
    capitalises mid-sentence as a name (`names_in`): "how much did I pay Dev in 2023?" asks of
    a person the notes call Dev, not of development, and "Config" is a conference. A month's
    or weekday's name ("Mar 2025", "on Sat") is capitalised anyway and stays a clipping."""
    names = {n for n in names_in(question) if not calendar_word(n)}
    return {w for w in clipped_words(question) if not {w, w.removesuffix("s")} & names}


def ordinary_clippings(common: Collection[str], clipped: Collection[str]) -> set[str]:
    """Of the `clipped` words (`index.retrieve.clipped_words`), those every word of whose full
    forms is ordinary (the clipping rule): "temp" (temperature, temporary) is an ordinary
    word, "k8s" (kubernetes) a name."""
    return {w for w in clipped if all(p in common for form in clipping(w) for p in form.split())}


CONTENT_WORD_LETTERS = 7
"""In a question in another language, the length from which a word the notes lack is taken as
a name ("Sauerteigbrot", "Koffein"), not a function word or a verb's form ("viele", "darf",
"sagt", "Warum"): the English vocabulary rules cannot tell them apart."""


def reading(
    question: str,
    coverage: Sequence[TermInfo],
    common: set[str],
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> tuple[list[TermInfo], set[str], set[str]]:
    """The question's subject terms, the names it writes and the ordinary words, as the
    vocabulary rules read them. A question in another language (`in_another_language`, the
    other-language rule) is read otherwise: its short words are its function words and verb
    forms, neither subject nor names (so ordinary), and a word of `CONTENT_WORD_LETTERS` or
    more is a name; capitals say nothing (German writes every noun so)."""
    subject = subject_terms(coverage)
    if not (opts.other_languages and in_another_language(question)):
        return subject, names_in(question), common
    short = {t.term for t in subject if len(t.term) < CONTENT_WORD_LETTERS}
    subject = [t for t in subject if t.covered or t.term not in short]
    long = {t.term for t in subject if t.term not in short}
    return subject, long, common | short


SIBLINGS_MIN = 2
"""Fewest other words the notes' headings write before a word for the sibling rule."""
NO_KIND = frozenset(
    """another other same own next last every each any all some no more less most least much
    many few several both either neither such enough worth very really too quite rather just
    still also only even ever already always never often significantly clearly noticeably
    slightly substantially considerably marginally broken bad failed failing faulty wrong
    stuck corrupt corrupted flaky hung crashed""".split()
)
"""Words before a noun that name no kind of it ("onto another branch", "after every rate
change": not a kind of rate beside "slower rate"), adverbs, which name none of the word
after them ("How many consumer replicas is it worth running?" was declined, "don't mention
worth", of notes writing "long running txns" and "images running"; "Was CTC-align
significantly better than co-teaching?", "don't mention significantly", of notes writing
"confidence better"), and a state anything of the kind may be in ("How do I roll back a
broken release?" was declined, "don't mention broken", of notes writing "minor release"
and "patch release")."""


def no_kind(word: str, common: set[str]) -> bool:
    """A word before a noun that names no kind of it: a quantifier or determiner (`NO_KIND`),
    or a superlative ("Which account has the lowest rate?" of notes writing "bonus rate" and
    "variable rate" was declined, "lowest" a missing name): "lowest", "cheapest", "biggest",
    "easiest", "best", "worst", an ordinary word in "-est" whose "-er" is one too ("lower";
    not "forest", "digest", "interest")."""
    if word in NO_KIND or word in ("best", "worst"):
        return True
    return len(word) >= 6 and word.endswith("est") and word[:-3] + "er" in common


VERB_BEFORE = frozenset(
    "i you we they he she who to can could should would will must do does did".split()
)
"""Words after which the question's next word is a verb, no kind of the word after it ("How do
I treat low blood sugar?" of notes writing "bed low" and "use low"; "How do I thank a donor
who gave food?" was declined, "don't mention gave", of notes writing "baby food" and "canned
food")."""


def _does_it(words: Sequence[str], at: int) -> bool:
    """Whether `words[at]` is the verb "do" itself, after its subject or "to": what follows is
    what it does, no verb ("How do I do duplicate stitch?", "how to do a backup")."""
    return words[at] in ("do", "does", "did") and at > 0 and words[at - 1] in VERB_BEFORE


_VERB_PARTICLES = frozenset(VERB_PARTICLES) - {"in"}
"""Particles after which the word before is a verb ("times out", "backs up"), no noun; not
"in", which follows nouns as often ("the time in Lisbon")."""
PARTICLES = frozenset("away apart ahead aside together ago back forward forth".split())
"""Adverbs of place and time that the text writes after verbs and adverbs ("right away", "go
back"), never a noun whose kinds those would be: "two or three hops away" is no kind of
"away" the notes lack (the text-sibling rule declined it)."""


_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
"""A possessive's "'s" ("the cat's insurance")."""


def sibling_names(
    question: str,
    coverage: Sequence[TermInfo],
    common: set[str],
    modifiers: Mapping[str, Collection[str]],
    in_text: Callable[[str], Collection[str]] | None = None,
) -> list[str]:
    """The sibling rule: an ordinary word the notes never write, said just before a word
    their headings or file names write after `SIBLINGS_MIN` or more other words, names
    which of those the question means: "when does the boat insurance renew?" of notes headed
    "Car insurance", "Travel insurance", "Home insurance" asks about a boat's, which they
    lack; it was answered with the car's renewal date. Such a word is a missing name, as a
    capitalised one is. Only words side by side in the question ("hosts when the service"
    is no pair; a possessive's "s" is none of them: "the cat's insurance"); `modifiers`:
    `index.retrieve.heading_modifiers`; `in_text` (the text-sibling rule): the ordinary
    words the notes' text writes before a word (`index.retrieve.text_modifiers`). Not a word
    after one of those kinds: "how do I parent rigid mechanical parts to bones?" was
    declined, "don't mention mechanical", of notes writing "rigid parts" and "loose parts"."""
    info = {t.term: t for t in coverage}
    out: list[str] = []
    capitals = names_in(question)
    owners = {m.group(1) for m in re.finditer(r"([^\W_]+)['’]s\b", question.lower())}
    words = re.findall(r"[^\W_]+", _POSSESSIVE.sub("", question.lower()))
    for at, (word, after) in enumerate(pairwise(words)):
        t, nxt = info.get(word), info.get(after)
        if t is None or nxt is None or t.covered or not nxt.covered:
            continue
        if not is_common(word, common) or no_kind(word, common):
            continue  # no ordinary word: the name rule reads it already; "another branch"
        if at and words[at - 1] in VERB_BEFORE and not _does_it(words, at - 1):
            continue  # a verb: "do I treat low blood sugar", no kind of "low"
        if at + 2 < len(words) and words[at + 2] in _VERB_PARTICLES:
            continue  # the word after is a verb: "if a payment authorisation times out"
        others = set(modifiers.get(plain(after), ()))
        if (
            in_text
            and is_common(after, common)
            and after not in capitals
            and after not in PARTICLES
            and word not in owners
        ):
            # the text-sibling rule: "flood damage" of notes writing "water damage" and
            # "accidental damage"; of ordinary words alone, not "try ECS", nor "web app" of
            # notes on "AWS App Runner"; nor an owner ("my friend's car" of notes writing
            # "courtesy car" and "other cars" is a car, whosever)
            others |= {
                m for m in in_text(plain(after)) if is_common(m, common) and not no_kind(m, common)
            }
        others -= {plain(word)}
        if at and plain(words[at - 1]) in others:
            continue  # the word before is a kind they write: "rigid mechanical parts" of
            # "rigid parts" names those, the one word more describing them
        if len(others) >= SIBLINGS_MIN:
            out.append(word)
    return out


def asked_names(
    question: str,
    coverage: Sequence[TermInfo],
    common: set[str],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    sections_total: int = 0,
) -> set[str]:
    """The names the user capitalised (`names_in`) that the notes write, not ubiquitous in the
    folder nor too short to tell (`is_neutral`): what the together rule reads. A word only
    rare in English ("serverless", "timezone") is left out: a section answers about it in
    other words as often as not. So is a weekday's or month's name (`calendar_word`), no
    one's name: "What are the opening hours on Saturday?" quoted a baker's "kouign-amann on
    Saturdays" first, the shop's hours writing "Sat 7:30–14:00"."""
    subject, _, _ = reading(question, coverage, common, opts)
    capitals = names_in(question)
    return {
        t.term
        for t in subject
        if t.covered
        and t.term in capitals
        and not is_neutral(t.term)
        and not ubiquitous(t, sections_total, opts)
        and not calendar_word(t.term)
    }


def names_written(
    question: str, coverage: Sequence[TermInfo], common: set[str], opts: AnswerOptions
) -> set[str]:
    """The names the user capitalised ("Mum", "Porto"; three letters or more), as the notes
    write them, however many sections write them: what the sibling-heading rule reads
    headings for. Not a word only rare in English: "timeout" of a heading `upstream.timeout`
    names an option, and "Which release fixed the login timeout?" lost `session.ttl`,
    which says the bug capped it."""
    subject, _, _ = reading(question, coverage, common, opts)
    capitals = names_in(question)
    return {
        t.near or t.term for t in subject if t.covered and t.term in capitals and len(t.term) > 2
    }


FOREIGN_FUNCTION_WORDS = frozenset(
    """der die das und ist ein eine einen dem den des mit auf für von zu im wie nicht auch
    le la les un une des du et est pour sur avec dans pas qui que il elle
    el los las una y es por para con en del lo se al
    il gli della di che non è
    os um uma não com em da do
    het een van en niet op met voor""".split()
)
"""Function words of other languages written in Latin letters (German, French, Spanish,
Italian, Portuguese, Dutch): a long question with none is English keywords."""


def in_another_language(question: str) -> bool:
    """A question of six words or more (of two letters or more; numbers aside), under 15% of
    them English function words (`STOPWORDS`), with a function word of another language
    (`FOREIGN_FUNCTION_WORDS`) or a letter English does not write: "Wie lange darf ein Job
    auf dem Cluster maximal laufen?" (none of ten English, "wie", "ein", "auf", "dem").
    English questions that long have more ("can tasks share a network file system": one of
    six; "problem 7 of problem set 4" is four words); the shortest are left as English, and
    so are keywords ("hashcat mode for Kerberos AES256 etype 18 hashes?": one of seven, but
    no word of another language; read as foreign, "AES256" went unsaid as missing)."""
    words = [w for w in re.findall(r"[^\W\d_]+", question.lower()) if len(w) > 1]
    if len(words) < 6 or sum(w in STOPWORDS for w in words) >= 0.15 * len(words):
        return False
    return any(w in FOREIGN_FUNCTION_WORDS or not w.isascii() for w in words)


def decide(
    question: str,
    coverage: Sequence[TermInfo],
    hits: Sequence[Hit],
    best_line: float,
    common: set[str] = frozenset(),  # type: ignore[assignment]
    opts: AnswerOptions = DEFAULT_OPTIONS,
    sections_total: int = 0,
    keywords: bool = False,
    whole_line: bool = False,
    on_day: bool = False,
    no_day: Sequence[str] = (),
    numbered: Sequence[str] = (),
    more: bool = False,
    siblings: Sequence[str] = (),
    otherwise: Callable[[str], float] | None = None,
    not_here: Collection[str] = (),
) -> Decision:
    """Abstain or answer, and which question terms the notes never mention.

    Two signals: the vocabulary (`phrase_covered`: "EKS with Karpenter" is answered about EKS,
    naming Karpenter as missing, while in "a Kubernetes DaemonSet" the covered "Kubernetes"
    only qualifies the missing name "DaemonSet", so the assistant abstains) and `best_line`, the
    highest cosine between the question and any single line of the top sections (a specific
    fact matching the question, which a whole-section cosine blurs). `common` holds ordinary
    English words (the model's whole-word vocabulary); a missing word outside it is a name.
    A name the user capitalised that the notes lack ("Heroku") also needs a covered phrase
    that names something (`anchored`): in a large corpus "scale a deployment" is always
    covered, and answering "How do I scale a deployment on Heroku?" from it misleads. A term
    in `ubiquitous_share` of the folder's `sections_total` sections anchors nothing.
    `Decision.names` holds the missing names (`is_name`): only they make an answer partly
    covered; an ordinary word the notes do not use ("pricing") is said, not held against it.
    `keywords`: no vectors yet (a first build's preview): the vocabulary rules alone decide,
    and what they let through is `keyword_matches`, never `answered`. `whole_line` (a line
    holds every subject term) and `on_day` (the date rule: notes of the day the question
    names hold its other subject words) answer under `min_line`; `no_day`: days the question
    names that no note is of, in a folder of dated notes (the date rule), missing names.
    `more` (the more rule: a "tell me more" whose top sections left are of a note the last
    answer quoted, "what else?" after the physio note's first lines) answers under `min_line`
    too: the note was found to answer; its other sections are what more there is.
    `not_here`: terms some note writes that the top sections do not (the asked-noun rule
    in the sections found).
    """
    foreign = opts.other_languages and in_another_language(question)
    subject, names, common = reading(question, coverage, common, opts)
    names = names | set(siblings)  # the sibling rule: "boat" of "boat insurance"
    names -= kind_words(question)  # "Technique" of "the Pomodoro Technique": no name
    missing = [t.term for t in subject if not t.covered]
    named_missing = [t for t in missing if is_name(t, names, common)]
    compounds = (
        missing_compounds(
            question,
            hits,
            opts.local_sections,
            numbered,
            {t.term: t.near for t in coverage},
            opts.name_headings,
        )
        if opts.compounds and not foreign
        else []
    )
    missing, named_missing = missing + compounds, named_missing + compounds
    missing, named_missing = missing + list(no_day), named_missing + list(no_day)

    by_clause = False
    unsaid: list[str] = []
    asked: list[str] = []
    asked_here: list[str] = []

    def said(abstain: bool, reason: str) -> Decision:
        parts = compound_parts(compounds)  # "KR4.2" said once, not as "kr4" and "KR4.2"
        return Decision(
            abstain,
            [t for t in missing if t not in parts or t in compounds],
            reason,
            names=[t for t in named_missing if t not in parts or t in compounds],
            keywords=keywords,
            compounds=compounds,
            clause=by_clause and not abstain,
            clippings=[f"{t.term}: {' or '.join(t.full)}" for t in subject if t.full],
            splits=[f"{t.term}: {t.near}" for t in subject if t.split],
            joined=[f"{t.term}: {t.near}" for t in subject if t.joined],
            variants=[f"{t.term}: {t.near}" for t in subject if t.variant],
            derived=[f"{t.term}: {t.near}" for t in subject if t.derived],
            unread=[f"{t.term}: {t.unread}" for t in coverage if t.unread],
            unsaid=unsaid,
            asked=asked,
            asked_here=asked_here,
            whole_line=whole_line and not abstain and not keywords and best_line < opts.min_line,
            other_language=foreign,
            on_day=on_day and not abstain and not keywords and best_line < opts.min_line,
            more=more and not abstain and not keywords and best_line < opts.min_line,
            siblings=[t for t in siblings if t in missing],
            no_day=list(no_day),
        )

    if not hits:
        return said(True, "no section matched")
    named_parts = compound_parts(compounds) | kinds_of(question, compounds)
    if compounds and all(t.term in named_parts for t in subject if t.covered):
        return said(True, "the question names nothing but what no top section writes")
    named = {*numbered, *coded(question), *_REFERENCE.findall(question)}
    items = [c for c in compounds if c in named]  # the items it names (no asked noun)
    if items and all(
        says_nothing_of(h, items, question, subject) for h in first_units(hits, opts.local_sections)
    ):
        return said(True, f"the top sections are of other items of the kind of {', '.join(items)}")

    def everywhere(t: TermInfo) -> bool:
        return ubiquitous(t, sections_total, opts)

    if missing:
        info = {t.term: t for t in subject}
        named = [t for t in missing if t in names or not is_common(t, common)]
        covered = [
            p
            for p in phrases(question, list(info))
            if phrase_covered(p.terms, info, common, names, opts.max_missing_in_phrase)
        ]
        if named and not covered:
            return said(True, "the question is about something the notes never name")
        if (
            opts.uncovered_phrases
            and not more  # the note was found to answer: its other sections are more of it
            and best_line < opts.uncovered_phrase_line  # a line that close says it otherwise
            and not covered
            and (
                sum(not t.covered for t in subject) == 1  # one thing asked of that the notes lack
                or (opts.uncovered_all and not any(t.covered for t in subject))
            )
            and all(
                (is_common(t.term, common) and t.term not in names) or everywhere(t)
                for t in subject
                if t.covered
            )
        ):  # no name, code or rare word the notes write holds it up ("What caused INC2099?"),
            # but one on every other page (a tool's docs: "How do I uninstall rivet?"); a name
            # the user capitalised does, an ordinary word or not ("What does Maya's husband
            # do?" of "Partner: Tunde, a structural engineer" was declined: "maya" is a word)
            lacking = "one of its words" if any(t.covered for t in subject) else "each word"
            return said(True, f"no phrase of the question is covered: {lacking} is in no note")
        proper = [t for t in missing if t in names and not is_neutral(t)]  # not "VM", but an
        if all(t in proper or acronym(t, question, common) for t in missing):  # acronym where
            proper = list(missing)  # nothing else is lacking: "What's the normal TSH range?"
        if (
            opts.names
            and proper
            and not any(anchored(p, info, common, everywhere) for p in covered)
        ):
            if opts.clauses and covered_clause(question, info, common, names, opts):
                by_clause = True
            else:
                return said(
                    True,
                    "the question names something the notes never mention, and the "
                    "rest of it names nothing they cover",
                )
    if keywords:
        return said(False, "keyword matches: no vectors yet to weigh the lines' meaning")
    if best_line < opts.min_line and not whole_line and not on_day and not more:
        return said(True, f"no line is similar enough ({best_line:.3f} < {opts.min_line})")
    if not opts.ordinary_missing:  # the ordinary-word rule: an answer does not say them,
        # nor a small bare number ("paper 1" of notes that write "P1": "don't mention 1" says
        # nothing; "issue #1500" is an item's number, said)
        unsaid = [
            t
            for t in missing
            if t not in names and (is_common(t, common) or (t.isdigit() and len(t) <= 2))
        ]
        unsaid = [t for t in unsaid if t not in named_missing]
        if opts.asked_nouns:  # the asked-noun rule: "What language do people speak in Veyle?"
            asked = asked_nouns(question, unsaid, subject, names, hits, opts, otherwise)
            unsaid = [t for t in unsaid if t not in asked]
            named_missing = named_missing + asked
        missing = [t for t in missing if t not in unsaid]
        if opts.asked_nouns and opts.asked_nouns_here:  # "Priya's phone" of another note's
            here = [  # in the question's order
                t.term
                for t in subject
                if t.term in not_here and t.term not in missing and t.term not in names
            ]
            here = asked_nouns(question, here, subject, names, hits, opts, otherwise)
            asked_here.extend(here)
            missing, named_missing = missing + here, named_missing + here
    if named_missing:  # "Your notes don't mention lisinopril", not "lisinopril, take"
        return said(False, "partly covered: the notes never mention a name it uses")
    return said(False, "answered")


CLAUSE_BREAK = re.compile(
    r"[;?]\s+|,\s*(?:and|but|or)\s+|\s+(?:and|but|or)\s+(?=(?:can|could|do|does|did|is|are|"
    r"was|were|will|would|should|how|what|which|why|where|when|who)\b)",
    re.IGNORECASE,
)
"""Where a question joins two questions of its own: "…, and can…", "…; how…"."""


def clauses(question: str) -> list[str]:
    """The questions a question joins ("What are the use cases for multiple vaults, and can a
    vault be stored in Supabase?": two), each as written; one if it joins none."""
    return [c for c in CLAUSE_BREAK.split(question) if c.strip()]


def covered_clause(
    question: str,
    info: dict[str, TermInfo],
    common: set[str],
    names: set[str],
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> bool:
    """The clause rule: a question that joins two or more questions of its own, one of which
    uses no word the notes lack and has a phrase they cover, is partly covered, not "about
    nothing the notes name", even when every word of that one is common in the folder
    ("multiple vaults" in Dendron's notes): it asks that part on its own."""
    parts = clauses(question)
    if len(parts) < 2:
        return False
    for part in parts:
        terms = [t for t in query_terms(part) if t in info]
        if not terms or any(not info[t].covered for t in terms):
            continue
        if any(
            phrase_covered(p.terms, info, common, names, opts.max_missing_in_phrase)
            for p in phrases(part, list(info))
        ):
            return True
    return False


COMPOUND = re.compile(
    r"(?<![\w.^{\\-])(?:[^\W\d_]{2,}(?:[_.][^\W\d_]{2,})+|--[^\W\d_][\w-]*[^\W_]"
    r"|[^\W\d_]{2,}(?:-[^\W\d_]{2,})*-\d+(?:-\d+)*|v?\d+(?:\.\d+){2,}"
    r"|[^\W\d_]{2,4}\d+(?:\.\d+)+|\d{3,}-[^\W\d_]{1,4}"
    r"|(?<!/)[B-HJ-Z][ -](?!(?:for|and|the|with|from|into|then|than|when|that|this|have|has|"
    r"had|was|were|will|would|can|could|does|did|should|must|need|needs|take|takes|get|gets|"
    r"pay|pays|use|uses|still|also|only|just|want|wants|owe|owes|came|come|comes|went|goes|"
    r"gave|made|said|says)\b)[a-z]{3,}"
    r"|[A-Z](?:\+\+|#|\*)"
    r"|(?:\d+-\d+|\d{3,})(?:\([0-9a-z]{1,4}\))+|\d+(?:\([0-9a-z]{1,4}\)){2,})(?![\w-])"
)
"""An identifier built of words joined by "_" or "." ("pg_advisory_lock", "lazy.nvim",
"asyncio.TaskGroup"; parts of two letters or more, no digits: not "e.g."), a command-line
option ("--auto-heal-containers", "--link-dest"), a ticket's, incident's or host's number
("INC-2099", "CVE-2024-3094", "db-prod-04" of "db-prod-04.internal"), a model's ("GPT-3":
"How many parameters does GPT-3 have?" was answered from GPT-2's notes), or a version or an
address of three numbers or more ("2.5.0", "v1.4.2", "10.20.4.99"; not "3.11", nor a day,
"19.03.2024", which the date rule reads), or a code of a few letters and a dotted number
("KR2.3", an OKR's key result), or a form's number and a few letters ("1099-SA"), or a one-
letter name ("the Z algorithm", "R language", "B-tree", "A*", "C++", "C#": query terms leave
single letters out, so "how does A* search work" was answered about binary search; not "A"
or "I", words of their own, nor the B of "A/B test", nor a letter and a function word or a
verb, "vitamin K for bleeding", "Does unit B have a cosigner?", nor a letter a word before
it names, "vitamin D level", "Ollie B": `named_letter`), or a statute's or rule's
section with its subsections ("2-201(3)(b)", "1332(a)", "12(b)(6)"; not a problem's part,
"3(b)", which notes write "Problem 3" over "(b)": "what does 2-201(3)(a) cover" was
declined, its line scoring 0.288, "what does 2-201(3)(b) say" quoted § 2-207(2), and "§
1367(d)", in no note, was answered from § 1332(a)).
Other words joined by "-" are left to the term rules: most are ordinary
("latency-sensitive", "slimmed-down"), and a name among their parts is already judged on
its own."""


def section_text(chunk: Chunk) -> str:
    """What a section writes, for the compound and code rules: its note path, headings and
    text."""
    return f"{chunk.path}\n{' '.join(chunk.heading_path)}\n{chunk.text}"


def opens_sentence(question: str, at: int) -> bool:
    """Whether the question's word at `at` starts a sentence (capitalised anyway)."""
    before = question[:at]
    return not before.strip() or re.search(r"[.!?:]\s*$", before) is not None


_WORD_AND_LETTER = re.compile(r"\b([A-Za-z]+)[ \t][B-HJ-Z]$")
"""A word and a capital letter after it, ending the text."""
LETTER_KINDS = frozenset("vitamin hepatitis type plan unit grade".split())
"""Words that a letter after them labels ("vitamin D", "hepatitis B", "unit B")."""


def named_letter(before: str) -> bool:
    """Whether `before` ends in a capital letter that the word before it makes no name of a
    letter (`_WORD_AND_LETTER`): a first name, the letter a surname's initial ("What target
    grade does Ollie B have?" said "Your notes don't mention B have"; a stopword is no name:
    "Is R language…"), or a word the letter labels (`LETTER_KINDS`: "What was my vitamin D
    level?" said "don't mention D level"). "B-tree", "R language" stay names."""
    m = _WORD_AND_LETTER.search(before)
    if m is None:
        return False
    word = m[1]
    first_name = word[0].isupper() and word[1:].islower() and word.lower() not in STOPWORDS
    return first_name or word in LETTER_KINDS


def missing_compounds(
    question: str,
    hits: Sequence[Hit],
    sections: int,
    numbered: Sequence[str] = (),
    fixes: dict[str, str | None] | None = None,
    headed: bool = True,
) -> list[str]:
    """The compound rule: compound names of the question (`COMPOUND`) that none of the first
    `sections` sections among the `hits` (`first_units`) writes, in its text, headings or
    note path, with any joiner or none ("pg advisory lock", "lazy-nvim"; an option without
    its dashes). Each of its words may be all over the notes ("advisory", "lock") while the
    name is not. So are the question's `numbered` words of a series (`series_in`: "session
    14" where notes are headed "Session 12", "Session 13"), written with that number,
    leading zeros aside ("Lecture 07"). So are its full names (`full_names`: "When did I
    last talk to Anna Schmidt?" was answered from Hannah Schmidt's note, Anna's being Anna
    Keller's), or, in order, the words of a top section's note path (`dendron.topic.preview.md`
    is of the "Dendron Preview"). So is an item's number (`ITEM`: "what was my status on
    problem 560?" was answered with a log table holding no 560), or an issue's "#430" ("What
    did we decide about #430?" quoted #419's decision, "answered"), that no top section
    writes, in any words. So is a two-part version of a name ("When will we support Python
    3.14?"). With `headed` (`name_headings`), a full name a section holds, some of its
    words in its headings, is no missing one (`headed_name`)."""
    compounds = [
        m[0]
        for m in COMPOUND.finditer(question.rstrip("?.!"))
        if not days_in(m[0]) and not named_letter(question[: m.start() + 1])
    ]
    names = full_names(question)
    compounds += names + list(numbered)
    items = [
        m.group(0)
        for m in ITEM.finditer(question)
        if m.group(1).lower() not in STOPWORDS and m.group(1).lower() not in _APPROXIMATE
    ]
    items += [  # an issue's "#430", not an example's ("a ticket number like #123")
        m[0]
        for m in _REFERENCE.finditer(question)
        if not any(m[0] in i for i in items)
        and not re.search(r"\b(?:like|e\.g|such as|say)\W*$", question[: m.start()], re.I)
    ]
    items = [i for i in items if i not in compounds and not is_year(i.split()[-1].lstrip("#"))]
    if not compounds and not items and not versions_of_names(question):
        return []
    top = first_units(hits, sections)
    # its headings and note path too: "INC-2077" heads its postmortem
    text = "\n".join(section_text(h.chunk) for h in top).lower()
    paths = [re.findall(r"[^\W_]+", h.chunk.path.lower()) for h in top]
    bare = re.sub(r"['’]", "", text)  # "Dont Look Back" of "Don't Look Back in Anger"
    cased = "\n".join(section_text(h.chunk) for h in top)  # names as written
    out: list[str] = []
    for item in items:  # "problem 560": its number, anywhere in a top section
        if not re.search(rf"(?<![\d.])(?<!\d,){_number(item)}(?!\d|\.\d)", text):
            out.append(item)
    for name, version in versions_of_names(question):  # "Orbit 3.1.0", not Quill's
        if not any(_holds_version(h.chunk, name, version) for h in top):
            out.append(f"{name} {version}")
            compounds = [c for c in compounds if c != version]
    for found in compounds:
        if found in out or writes(text, found):
            continue
        fixed = re.sub(r"[^\W\d_]+", lambda m: (fixes or {}).get(m[0].lower()) or m[0], found)
        if fixed != found and writes(text, fixed):
            continue  # "evnts_raw" read as the notes' "events_raw"
        if found in names and generic_head(found, cased):
            continue  # "Marshall Attack" of "## Marshall (8...d5)"
        if found in names and any(
            writes(bare, form) or any(in_order(form.lower().split(), p) for p in paths)
            for form in name_forms(found, fixes or {})
        ):
            continue  # "Dendron Preview" of `dendron.topic.preview.md`, "Tom Beckers"
        if found in names and two_names(found, bare):
            continue  # "Python App Runner": Python's App Runner
        if headed and found in names and any(headed_name(found, h.chunk) for h in top):
            continue  # "Heltec Meshtastic" of "# Meshtastic" over "Two Heltec V3 boards"
        out.append(found)
    return out


GENERIC_HEADS = frozenset(
    """technique method system attack defence defense gambit variation opening matrix principle
    rule theorem law effect model framework approach strategy diet protocol algorithm
    pattern""".split()
)
"""Words that end a name by saying what kind of thing it is, which notes leave out: "the
Pomodoro Technique" is "Pomodoro", "the Marshall Attack" "Marshall"."""


def kind_words(question: str) -> set[str]:
    """The words for a kind that end the question's full names (`GENERIC_HEADS`): ordinary
    words, though capitalised ("Technique" of "the Pomodoro Technique")."""
    return {
        last.lower()
        for name in full_names(question)
        if (last := name.split()[-1]).lower() in GENERIC_HEADS
    }


def generic_head(name: str, text: str) -> bool:
    """Whether a full name ends in a word for its kind (`GENERIC_HEADS`) and `text` writes
    the rest of it, as a name, capitalised ("How long are the breaks in the Pomodoro
    Technique?" of "## Pomodoro" was declined, "Your notes don't mention Pomodoro
    Technique"); not "Lisbon Card", whose card is a thing of its own."""
    *rest, last = name.split()
    if last.lower() not in GENERIC_HEADS or not rest:
        return False
    return re.search(rf"(?<![^\W_]){re.escape(' '.join(rest))}(?![^\W_])", text) is not None


def headed_name(name: str, chunk: Chunk) -> bool:
    """Whether a section holds each word of a full name, one or more in its headings or note
    path and the rest in its text ("Which firmware is on the Heltec Meshtastic boards?" of
    "# Meshtastic" over "Two Heltec V3 boards": said to be missing; "Tom Becker" of "# The
    Beckers" over "Tom starts school in May"), so the note is of it: the text writing them
    as names, capitalised ("How much does the Lisbon Card cost?" of "# Lisbon" over "pay by
    card" asks of a card the notes never name); not of words its text alone holds ("Anna
    Schmidt" of a team list writing "Anna Keller, Hannah Schmidt")."""
    head = " ".join([*chunk.heading_path, chunk.path]).lower()
    text = re.sub(r"['’]", "", chunk.text)
    words = [re.sub(r"['’]", "", w) for w in name.split()]

    def has(w: str, where: str) -> bool:
        return re.search(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", where) is not None

    return any(has(w.lower(), head) for w in words) and all(
        has(w.lower(), head) or has(w[0].upper() + w[1:], text) for w in words
    )


ITEM = re.compile(
    r"(?<![\w.#-])([A-Za-z]{2,})[ \t]+#?(\d{2,6})(?![\w.,:/%-]"
    r"|[ \t]+(?!(?:and|or|in|on|at|for|to|of|from|with|is|was|the|get|got|use|used|cover|"
    r"covered|say|said|have|had|do|did|make|made|take|took|need|mean|cost|happen|go|went|"
    r"come|came|run|ran|air|aired|start|end)\b)[A-Za-z])"
)
"""A word and the number that names one of its kind, the number ending the phrase or before
its verb ("what was my status on problem 560?", "port 3000", "How many downloads did episode
39 get?"; not a count, "10 replicas", nor "5432:5432")."""


_APPROXIMATE = frozenset(
    "like than about around over under near nearly approximately roughly".split()
)
"""Words before a number that is an example or a bound, no item ("a ticket number like #123")."""


def _number(item: str) -> str:
    """The pattern of an item's number as notes may write it, leading zeros aside (not a
    thousands group: "2,040" writes no episode 40)."""
    return "0*" + item.split()[-1].lstrip("#").lstrip("0")


def two_names(name: str, text: str) -> bool:
    """Whether a full name of three words or more is two names `text` writes, each whole
    ("for my Python App Runner service": "Python" and "App Runner"; "Fargate Live Migration"
    is not "Fargate" and "Live Migration"). Of two words, each is a name ("Anna Schmidt" is
    no "Anna" and no "Schmidt")."""
    words = name.split()
    return len(words) > 2 and any(
        all(re.search(rf"(?<!\w){_written(' '.join(p))}(?!\w)", text) for p in parts)
        for at in range(1, len(words))
        for parts in [(words[:at], words[at:])]
    )


def name_forms(name: str, fixes: dict[str, str | None]) -> list[str]:
    """A full name as the notes may write it: as typed, with each word as the typo rule reads
    it ("Fatma Hassan": "fatima hassan"), and with its last word's possessive "s" typed without
    the apostrophe ("whens Tom Beckers birthday": "Tom Becker"); the caller reads the notes
    without apostrophes ("Dont Look Back" is "Don't Look Back in Anger")."""
    words = name.lower().split()
    fixed = [fixes.get(w) or w for w in words]
    forms = [words, fixed]
    forms += [[*f[:-1], f[-1][:-1]] for f in forms if f[-1].endswith("s") and len(f[-1]) > 3]
    return list(dict.fromkeys(" ".join(f) for f in forms))


def in_order(words: Sequence[str], among: Sequence[str]) -> bool:
    """Whether `among` holds `words` in their order, other words between them or not."""
    rest = iter(among)
    return all(any(w == x for x in rest) for w in words)


FULL_NAME = re.compile(r"(?<![\w.'’-])((?:[A-Z][a-z]+[ \t]+)+[A-Z][a-z]+)(?:['’]s)?(?![\w-])")
"""Words the user capitalised one after another: a full name ("Anna Schmidt", "Docker
Swarm"), which the notes may hold word by word in other names ("Anna Keller", "Hannah
Schmidt")."""


NAME_VERSION = re.compile(r"(?<![\w.'’-])([A-Z][\w+]*)[ \t]+(v?\d+(?:\.\d+)+)(?![\w-]|\.\d)")
"""A capitalised name and the version after it ("Orbit 3.1.0", "Quill v2.7"): one thing, as
a full name is."""


def versions_of_names(question: str) -> list[tuple[str, str]]:
    """The question's versions of a name (`NAME_VERSION`): (name, version), a sentence's
    first word and stopwords ("In 2.4.1") no name."""
    return [
        (m.group(1), m.group(2))
        for m in NAME_VERSION.finditer(question)
        if not opens_sentence(question, m.start()) and m.group(1).lower() not in STOPWORDS
    ]


def _holds_version(c: Chunk, name: str, version: str) -> bool:
    """Whether one section writes `version` (or a release under it: "2.4" of "2.4.1"), and
    `name` in its text, headings or note path: a changelog of Orbit heads its releases
    "## [3.0.0]" under "# Orbit"; Quill's "3.1.0" is no Orbit 3.1.0."""
    text = section_text(c).lower()
    number = re.escape(version.lower().removeprefix("v"))
    if not re.search(rf"(?<![\d.]){number}(?:\.\d+)*(?!\d)", text):
        return False
    return re.search(rf"(?<![^\W_]){re.escape(name.lower())}(?![^\W_])", text) is not None


def full_names(question: str) -> list[str]:
    """The question's full names (`FULL_NAME`), a sentence's first word left out (capitalised
    anyway: "Can App Runner…" is "App Runner"). The compound rule reads them with any joiner
    or none: "anna-schmidt.md" writes "Anna Schmidt"."""
    out = []
    for m in FULL_NAME.finditer(question):
        words = m.group(1).split()
        if opens_sentence(question, m.start()):
            words = words[1:]  # a sentence's first word
        group: list[str] = []
        for w in [*words, ""]:  # a month's or weekday's name splits them ("Tuesday March 5")
            if w.lower() in TITLES:
                continue  # "Professor Delgado" is Delgado: notes write "Prof. Delgado"
            if w and not calendar_word(w):
                group.append(w)
                continue
            if len(group) > 1:
                out.append(" ".join(group))
            group = []
    return out


def compound_parts(compounds: Sequence[str]) -> set[str]:
    """The words the compounds are made of, as query terms ("INC-2042": inc, 2042): a
    question of nothing else asks about nothing but them."""
    return {  # "v2.4.1" is 2, 4, 1 and, as the question's words are read, "v2"
        t
        for c in compounds
        for t in (*query_terms(c.removeprefix("v").replace(".", " ")), *query_terms(c))
    }


def kinds_of(question: str, compounds: Sequence[str]) -> set[str]:
    """The word the question writes just before each compound, naming its kind ("bug" of "bug
    LF-045", "ticket" of "ticket INC-2041"): with the compound, one name, no other subject
    ("What was bug LF-045 about?" was partly covered, quoting a bug list's "Format: ID —
    summary — status" as the one section writing "bug")."""
    out: set[str] = set()
    for c in compounds:
        for m in re.finditer(rf"([^\W\d_]+)[ \t]+{re.escape(c)}(?![\w-])", question, re.I):
            if m.group(1).lower() not in STOPWORDS:
                out |= set(query_terms(m.group(1)))
    return out


def series_in(question: str, series: Collection[str]) -> list[str]:
    """The question's words of a series the notes number (`index.retrieve.numbered_words`)
    with their number, as written: "lecture 7", "Problem 4"; or with the number before the
    word ("my 2021 taxes" of notes named "Taxes 2022", "Taxes 2023"), as "taxes 2021"."""
    found = [
        m.group(0)
        for m in NUMBERED.finditer(question)
        if fold(m.group(1)) in series and not days_in(m.group(0))
    ]
    found += [
        f"{m.group(2)} {m.group(1)}"
        for m in _NUMBER_FIRST.finditer(question)
        if fold(m.group(2)) in series
        and not days_in(m.group(0))
        and not _CODE_BEFORE.search(question[: m.start()])
    ]
    return found


_NUMBER_FIRST = re.compile(r"(?<![\w.-])(\d{1,4})[ \t]+([^\W\d_]+)\b")
"""A number and the word after it: "2021 taxes"."""
_CODE_BEFORE = re.compile(r"(?<![\w.-])[A-Z]{2,}[ \t]*$")
"""A code the number after it completes ("STAT 610", "HW 4"): "the STAT 610 problem set" is
no "problem 610", "HW 4 problem 5" no "problem 4"."""


def coded(question: str) -> list[str]:
    """The question's compound names with a digit in them (`COMPOUND`, no day): a version
    "2.3.1", an incident "INC-2041"; each names one item of a kind, as "lecture 7" does of
    a numbered series (`series_in`)."""
    return [
        c
        for c in COMPOUND.findall(question.rstrip("?.!"))
        if any(ch.isdigit() for ch in c) and not days_in(c)
    ]


_REFERENCE = re.compile(r"(?<![\w#&])#\d{2,}(?![\w-])")
"""An issue's or pull request's number as trackers write it: "#1423"."""


_PASSAGE = re.compile(r"[\"“]([^\"“”\n]+)[\"”]|(?<!\w)'([^'\n]+)'(?!\w)")
"""Words the question quotes: "the highlight 'You do not rise to the level of your goals'"."""
PASSAGE_WORDS = 4
"""Fewest words a quoted passage has to name what a note writes word for word: "'set -e'"
or "'dry run'" are a command's or a term's, which the other rules read."""


def is_passage(code: str) -> bool:
    """Whether a code rule's reference is a passage the question quotes (`passages`)."""
    return code.startswith('"')


def passages(question: str) -> list[str]:
    """The passages the question quotes (`PASSAGE_WORDS` words or more), each in double
    quotes, as the code rule reads them (`_written`): "Which book says 'You do not rise to
    the level of your goals'?" asks where the notes write them."""
    quoted = (a or b for a, b in _PASSAGE.findall(question))
    return [f'"{q.strip()}"' for q in quoted if len(re.findall(r"[^\W_]+", q)) >= PASSAGE_WORDS]


def is_chord(code: str) -> bool:
    """Whether a code rule's reference is a key chord (`chords`)."""
    return CHORDS.fullmatch(code) is not None


def references(question: str) -> list[str]:
    """The question's codes and issue numbers (`coded`, `_REFERENCE`: "#1423") and the
    passages it quotes (`passages`): what the code rule finds the sections of. A version of a
    name stays with it ("Orbit 3.1.0": Quill's 3.1.0 is none of it; `versions_of_names`)."""
    said = passages(question)
    rest = _PASSAGE.sub(" ", question) if said else question
    named = {v: f"{n} {v}" for n, v in versions_of_names(rest)}
    keys = chords(rest)  # "C-x C-e", "⌘⇧L": the key chord rule
    rest = CHORDS.sub(" ", rest) if keys else rest
    return [
        *said,
        *keys,
        *(named.get(c, c) for c in coded(rest)),
        *_REFERENCE.findall(rest),
    ]


def asks_of_codes(coverage: Sequence[TermInfo], codes: Sequence[str], common: set[str]) -> bool:
    """Whether the question asks about its codes themselves ("What does clause 3.2.2 say?",
    "What changed in Orbit 2.4.1?"): no subject word but ordinary ones beside them, found or
    not, where "…ephemeral storage … platform version 1.3.0…" asks about storage and "Which
    CVE was fixed in Quill 3.2.0?" about a CVE."""
    parts = compound_parts(codes)  # a version of a name's words too: "Orbit 2.4.1"
    return not any(
        t.term not in parts and not is_common(t.term, common) for t in subject_terms(coverage)
    )


def bare_code(code: str) -> str:
    """A code as a line writes it: a version of a name ("Orbit 3.1.0") is its version, the
    name being in its section's headings or note path."""
    m = NAME_VERSION.fullmatch(code)
    return m.group(2) if m else code


def section_writes(chunk: Chunk, code: str) -> bool:
    """Whether a section writes `code` in its text, headings or note path: a version of a
    name where it holds both (`_holds_version`)."""
    if m := NAME_VERSION.fullmatch(code):
        return _holds_version(chunk, m.group(1), m.group(2))
    return writes(section_text(chunk), code)


SERIES_JOINER = r"[ \t_#/-]*"
"""What may stand between a series' word and its number: "Session 14", "lecture_07", "PS #4",
"ADR-0006", the folder of `adr/0002-event-bus.md`."""


def another_item(text: str, item: str) -> bool:
    """Whether `text` writes an item of `item`'s kind but not `item` itself: another
    numbered word of its series ("ADR-0009" for "adr 6"), another version ("[2.3.0]" for
    "2.3.1"), another number after its prefix ("INC-2040" for "INC-2041"), another issue
    ("#419" for "#430")."""
    if writes(text, item):
        return False
    if numbered := NUMBERED.fullmatch(item):
        if numbers_of(text, numbered.group(1)) - {int(numbered.group(2))}:
            return True
        kind = rf"(?<!\w){re.escape(numbered.group(1).lower())}{SERIES_JOINER}\d"
    elif item.startswith("#"):  # an issue's "#430": another issue, "#419"
        kind = _REFERENCE.pattern
    elif re.match(r"v?\d", item.lower()):
        kind = r"(?<![\d.])v?\d+(?:\.\d+){2,}(?!\d|\.\d)"
    elif dotted := re.fullmatch(r"([^\W\d_]+)\d+(?:\.\d+)+", item.lower()):
        kind = rf"(?<!\w){re.escape(dotted.group(1))}\d+(?:\.\d+)+"
    else:
        prefix = re.sub(r"-\d.*$", "", item.lower())
        kind = rf"(?<!\w){re.escape(prefix)}-\d"
    return re.search(kind, text.lower()) is not None


def of_another_item(h: Hit, items: Sequence[str]) -> bool:
    """The section (its note's name, headings and text) writes another item of the kind of
    one of `items` and none of them (`another_item`: `ADR-0009` for "ADR 6", "[2.3.0]" for
    "2.3.1", last quarter's "KR2.1" and "KR2.2" for "KR2.3"); one writing an item asked about
    is its section, though of another's kind ("What did P1 and P2 say about parking?" was
    declined: P1's note is another participant's than P2, and P2's than P1)."""
    label = f"{named_as(h.chunk)}\n{h.chunk.text}"
    return any(another_item(label, item) for item in items) and not any(
        writes(label, item) for item in items
    )


def says_nothing_of(
    h: Hit, items: Sequence[str], question: str, subject: Sequence[TermInfo]
) -> bool:
    """A top section says nothing of the `items` the question asks about (which no top section
    writes) when it is of another item of their kind (`of_another_item`) or holds no other
    phrase of the question that the notes cover, whole: "What learning rate did run 19 use?"
    was answered, partly covered, from a jogging log's "Long run" (its "run" a word of the
    item, its "Heart rate" half of "learning rate"), once the sections of runs 14 and 17 were
    left out as other runs'."""
    if of_another_item(h, items):
        return True
    parts = compound_parts(items)
    info = {t.term: t for t in subject}
    wanted = [[t for t in p.terms if t not in parts] for p in phrases(question, list(info))]
    wanted = [w for w in wanted if w and all(info[t].covered for t in w)]
    if not wanted:
        return False
    held = terms_in([h], [info[t] for w in wanted for t in w], 1)
    return not any(set(w) <= held for w in wanted)


def writes(text: str, compound: str) -> bool:
    """Whether `text` writes `compound` (`missing_compounds`: any joiner, leading zeros aside).
    A numbered item may also be written among others of its kind (`numbers_of`)."""
    text = text.lower()
    if re.search(_written(compound), text):
        return True
    numbered = NUMBERED.fullmatch(compound)
    return numbered is not None and int(numbered.group(2)) in numbers_of(text, numbered.group(1))


_RANGE = r"[ \t]*(?:-|–|—|\bto\b|\bthrough\b)[ \t]*"
_LISTED = (
    r"[ \t#]*((?:#?\d{1,4}(?:"
    + _RANGE
    + r"|[ \t]*(?:,|&|/|\band\b|\bor\b)[ \t]*))+#?\d{1,4})(?![\d.])"
)


def numbers_of(text: str, word: str) -> set[int]:
    """The numbers of the series `word` names that `text` writes as several items
    at once: in a list or a range after the word's plural ("runs 15 and 16", "lectures 3-5"),
    or as table rows whose cell under a column headed by the word holds the
    number ("| 16 |" under "| Run | Seed |"). "What ROUGE-L did run 16 get?" was declined: the
    notes held run 16 only so, and "Same config as run 14" under the plural heading made it
    another run's section."""
    word, text = re.escape(word.lower()), text.lower()
    found: set[int] = set()
    for m in re.finditer(rf"(?<!\w){word}(?:s|es)?{_LISTED}", text):
        if days_in(m.group(1)):
            continue
        found |= {int(x) for x in re.findall(r"\d+", m.group(1))}
        for a, b in re.findall(rf"(\d+){_RANGE}#?(\d+)", m.group(1)):
            if 0 < int(b) - int(a) < 100:
                found |= set(range(int(a), int(b) + 1))
    column: int | None = None
    for line in text.split("\n"):
        if not line.lstrip().startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:  # the header row: the column the word heads, if any
            heads = [re.findall(r"[^\W\d_]+", c) for c in cells]
            column = next(
                (i for i, h in enumerate(heads) if h and re.fullmatch(rf"{word}(?:s|es)?", h[0])),
                -1,
            )
        elif 0 <= column < len(cells) and (cell := re.fullmatch(r"#?0*(\d{1,4})", cells[column])):
            found.add(int(cell.group(1)))
    return found


def _written(compound: str) -> str:
    """How the notes may write `compound`: its parts with any joiner or none; a passage its
    words in order, with any punctuation or line break between; a version or
    an address number by number, whole ("2.5.0" is not in "12.5.0" nor "250"; "v1.4.2" is
    "1.4.2"); a numbered word with its number ("Session #14", "lecture 07", the folder
    `adr/0002-event-bus.md` of "ADR 2"); a full name
    with a middle name or initial between its words, or none ("Magistrate Penrake" of
    "Magistrate Hollis Penrake" was said to be missing)."""
    if is_chord(compound):  # as written, any space between its chords
        chord = r"[ \t]+".join(map(re.escape, compound.lower().split()))
        return r"(?<![\w+<>-])" + chord + r"(?![\w+-])"
    if is_passage(compound):  # its words, in order, any joiner
        words = re.findall(r"[^\W_]+", compound.lower())
        return r"(?<!\w)" + r"[\W_]+".join(map(re.escape, words)) + r"(?!\w)"
    if numbered := NUMBERED.fullmatch(compound):
        word, n = numbered.groups()
        return rf"(?<!\w){re.escape(word.lower())}{SERIES_JOINER}0*{n}(?![\d]|\.\d)"
    name = compound.lower().lstrip("-")
    if re.fullmatch(r"#\d+", name):  # an issue's "#1423", not "1423 ms"
        return rf"(?<![\w#]){re.escape(name)}(?!\d)"
    if re.fullmatch(r"[a-z](?:\+\+|#|\*)", name):  # "A*" is not the end of "data*"
        return r"(?<![\w.])" + re.escape(name)
    if "(" in name:  # a section and its subsections, "2-201(3)(a)", "2-201 (3)(a)"
        parts = [re.escape(p) for p in re.split(r"\s*(?=\()", name)]
        return r"(?<![\w.-])" + r"[ \t]*".join(parts)
    if re.match(r"v?\d", name):
        parts = re.split(r"\.", name.removeprefix("v"))
        return r"(?<![\d.])v?" + r"[-_.]".join(parts) + r"(?!\d|\.\d)"
    if re.fullmatch(r"[^\W\d_]+(?: [^\W\d_]+)+", name):  # a full name, a middle one between
        between = r"(?:[-_. ]?|\s+[^\W\d_]+\.?\s+)"  # ("Magistrate Hollis Penrake")
        return r"(?<!\w)" + between.join(map(re.escape, name.split())) + r"(?!\w)"
    joined = r"[-_. ]?".join(map(re.escape, re.split(r"[-_. ]", name)))
    return joined + r"(?!\d|\.\d)" if name[-1].isdigit() else joined  # GPT-3.5 is not GPT-3


_ASKS_PRICE = re.compile(
    r"\bhow\s+much\b.*\b(?:pay|paid|cost|costs|spend|spent|charge|charges|price)\b"
    r"|\bwhat(?:['’]s|\s+is|\s+was|\s+did|\s+does)\b.*\b(?:cost|costs|price)\b|\bprice\s+of\b",
    re.IGNORECASE,
)
"""A question asking what something costs: "How much did I pay for the KX2?", "What's the
price of 12/4 hard maple?", "What did the rewire cost?"."""

MONEY = re.compile(
    r"[$£€¥₹]\s?\d|\d\s?(?:[$£€¥₹]|(?:usd|eur|gbp|chf|aud|cad|jpy|inr|dollars?|euros?|pounds?"
    r"|quid|bucks|cents?|pence|p|k)\b|/(?:hr|h|hour|mo|month|yr|year|night|seat|wk|week|day"
    r"|person|pp|user)\b)|\b\d+\.\d\d\b(?![°%\w])|\bfree\b",
    re.IGNORECASE,
)
"""An amount of money as notes write it: "$4.10", "£700", "120 EUR", "45/hr", "5k", "12.99",
"free"."""

_PRICE_COLUMN = re.compile(r"cost|price|paid|fee|rate|amount|total|[$£€]", re.IGNORECASE)


def unpriced(question: str, quotes: Sequence[str]) -> bool:
    """The price rule: whether a one-part question asks what a thing it names costs, the
    quotes name that thing, and no quoted line writes an amount of money (`MONEY`; in a
    table, only the thing's own row counts, or every row where the thing heads a column, and
    a number in it where the header row names a price): "How much did I pay for the Shimpo
    wheel?" quoted the equipment table's wheel row, bought "2023-01" and no price, as if it
    answered. Quotes naming none of its names are no ruling: they may say it otherwise."""
    if not _ASKS_PRICE.search(question) or len(clauses(question)) > 1:
        return False
    names = [n for n in names_in(question) if len(n) > 1]

    def naming(line: str) -> bool:
        return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", line.lower()) for n in names)

    if not any(naming(line) for quote in quotes for line in quote.splitlines()):
        return False
    for quote in quotes:
        rows = [r for r in quote.splitlines() if r.lstrip().startswith("|")]
        priced = bool(rows) and bool(_PRICE_COLUMN.search(rows[0]))
        column = bool(rows) and naming(rows[0])  # the thing heads a column: every row is its
        for line in quote.splitlines():
            row = line in rows
            own = not row or column or naming(line)  # a row is one thing's: its own
            if own and (MONEY.search(line) or (row and priced and re.search(r"\d", line))):
                return False
    return True


def missing_here(decision: Decision, words: Sequence[str]) -> list[str]:
    """A verdict of the rules that read the quotes (the price and quoted-notes rules):
    partly covered, the sections found don't mention `words`. Those said now: none where the
    answer is declined, nor a word said already."""
    new = [w for w in words if w not in decision.missing]
    if decision.abstain or not new:
        return []
    decision.missing += new
    decision.names += new
    decision.elsewhere += new
    return new


def unquoted_names(
    question: str,
    names: Collection[str],
    notes: Sequence[str],
    fixes: Mapping[str, str] | None = None,
    missing: Sequence[str] = (),
) -> list[str]:
    """The quoted-notes rule: the names the question asks about (`asked_names`: capitalised,
    written in the notes, not ubiquitous in the folder) that none of the quoted notes writes,
    in the question's order. "How does button income work in Patchwork?" quoted a games
    log's stats, a note that never names Patchwork, as if it answered. `notes`: each quoted
    note's path and text. A name written with an ending ("TLEs" of "TLE") is
    written, and a misspelt or abbreviated one as the notes write it (`fixes`: "Micheal",
    michael; "DDIA", each word of "designing data intensive applications"). Not a
    name with a digit (a code: the code rules judge it), nor a word of a name said missing
    already (`missing`: "Gray Catbird")."""
    low, texts = question.lower(), [t.lower() for t in notes]
    said = {w for m in missing for w in re.findall(r"[^\W_]+", m.lower())}
    lacking = [
        n
        for n in names
        if not any(c.isdigit() for c in n)
        and n not in said
        and not any(
            all(re.search(rf"(?<![^\W_]){re.escape(w.removesuffix('s'))}", t) for w in form.split())
            for form in (n, (fixes or {}).get(n, n))
            for t in texts
        )
    ]
    return sorted(lacking, key=lambda n: low.find(n))


def confidence(decision: Decision, best_line: float) -> Literal["high", "medium", "low"]:
    """What the user can read into the answer: high when it answers and a line of the notes is
    close to the question (cosine >= 0.5), medium when less close or partly covered, low when
    the notes do not cover it or only keywords matched."""
    if decision.abstain or decision.keywords:
        return "low"
    return "high" if decision.outcome == "answered" and best_line >= 0.5 else "medium"
