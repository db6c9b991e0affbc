"""Calendar days written in text: a question's "on 2024-04-23" or "April 23rd", a daily note's
file name (`daily/2024-04-23.md`, Logseq's `journals/2024_04_23.md`), a journal's heading
("## 2024-04-23", "### Apr 23rd, 2024") or an entry's stamp in a journal kept in one file
("[2025-03-14 09:12] …")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

Day = tuple[int | None, int, int]
"""(year or None when not written, month, day)."""

_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?"
_NUMERIC = re.compile(r"(?<![\d.])(\d{4})([-_/])(\d{1,2})\2(\d{1,2})(?![\d]|\.\d)")
"""2024-04-23, 2024_04_23 (Logseq's file names), 2024/4/23; not a version, 2024.4.2."""
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_NAMED = re.compile(
    rf"(?:\b(on|since|by|before|after|until|till|from|of)\s+)?"
    rf"(?:\b{_WEEKDAY}\.?,?\s+)?"
    rf"\b(?:{_ORDINAL}\s+(?:of\s+)?({_MONTH})\.?|({_MONTH})\.?\s+{_ORDINAL})(?![\w:])"
    r"(?:,?\s+(\d{4})(?!\d))?",
    re.IGNORECASE,
)
_DOTTED = re.compile(r"(?<![\d.])(\d{2})\.(\d{2})\.(\d{4})(?![\d]|\.\d)")
"""A day as Europe writes it: 19.03.2024 (day first, two digits each: not a version, 1.4.2024)."""
_VERBS = {"may", "mar", "march", "jan", "sep", "dec", "oct"}
"""Month names that are also words ("how may 2 tasks…"): lowercase, a month only after "on",
"since" and the like ("on march 5"), or with an ordinal or a year ("march 5th")."""
_RANGE = re.compile(r"\b(?:since|after|before|until|till|from)\s+(?:the\s+)?$|\bbetween\b", re.I)
"""Words that make a day one end of a span ("since April 15", "between … and …")."""


def _matches(text: str) -> list[tuple[Day, str, int]]:
    """Each day `text` writes: (day, as written, where it starts)."""
    out: list[tuple[Day, str, int]] = []
    for m in _NUMERIC.finditer(text):
        out.append(((int(m[1]), int(m[3]), int(m[4])), m[0], m.start()))
    for m in _DOTTED.finditer(text):
        out.append(((int(m[3]), int(m[2]), int(m[1])), m[0], m.start()))
    for m in _NAMED.finditer(text):
        if not _a_month(m):
            continue
        before, day1, month1, month2, day2, year = m.groups()
        month = month1 or month2
        day = (int(year) if year else None, _MONTHS[month.lower()], int(day1 or day2))
        skip = len(m[0]) - len(m[0][len(before or "") :].lstrip())
        out.append((day, m[0][skip:].strip(), m.start() + skip))
    return [(d, w, at) for d, w, at in out if 1 <= d[1] <= 12 and 1 <= d[2] <= 31]


_SPAN = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|—|to)\s*{_ORDINAL}\s+(?:of\s+)?({_MONTH})\.?"
    rf"|({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|—|to)\s*{_ORDINAL})(?![\w:])"
    r"(?:,?\s+(\d{4})(?!\d))?",
    re.IGNORECASE,
)
"""Days of one month written as a span: "12-19 September 2025", "Sep 12–19", "3rd to 5th of
May"."""


def days_in(text: str) -> set[Day]:
    """The calendar days `text` writes: ISO-like numbers (2024-04-23, 2024_04_23, 2024/4/23),
    day-first dotted ones (19.03.2024) and a month's name with a day ("April 23", "23rd of
    April 2024", "Tuesday, March 5", "Apr 23rd, 2024"), or with a span of days, each of them
    ("12-19 September 2025": "What am I doing on 12 September?" was declined, a folder of
    daily notes having none of that day, though the trip's note wrote its days so)."""
    days = {d for d, _, _ in _matches(text)}
    for m in _SPAN.finditer(text):
        first1, last1, month1, month2, first2, last2, year = m.groups()
        name = month1 or month2
        if name[0].islower() and name.lower() in _VERBS:
            continue  # "may" of "5-6 may be enough"
        first, last = int(first1 or first2), int(last1 or last2)
        if 1 <= first < last <= 31:
            month = _MONTHS[name.lower()]
            days |= {(int(year) if year else None, month, d) for d in range(first, last + 1)}
    return days


def calendar_word(word: str) -> bool:
    """A month's or a weekday's name ("March", "Tue"): a date's word, no one's name."""
    w = word.lower().rstrip(".")
    return w in _MONTHS or w in _WEEKDAYS or any(d.startswith(w) for d in _WEEKDAYS if len(w) >= 3)


def month_names(text: str) -> str:
    """The names of the months of the days `text` writes ("2024-07-01": "july jul"): a table
    of meter readings dated 2024-07-01 mentions July."""
    months = sorted({m for _, m, _ in days_in(text)})
    return " ".join(n for n, m in _MONTHS.items() if m in months)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(
    rf"\b(?:(the\s+day\s+before\s+yesterday)|(yesterday)|last\s+({'|'.join(_WEEKDAYS)}))\b",
    re.IGNORECASE,
)
"""A day named from today: "yesterday", "the day before yesterday", "last Friday" (the latest
Friday before today). Not a weekday alone ("on Monday" may be the next one); "today" only as
`_TODAY` reads it."""

_TODAY = re.compile(
    r"\b(?:did|happened|wrote|written|went|was|were|i've|have\s+i|i\s+have)\b[^.?!]*?\b(today)\b"
    r"|\b(today)'?s\s+(?:journal|daily|note|entry|log)\b",
    re.IGNORECASE,
)
""""today" in a question about what was done or written ("what did I do today?", "today's
journal"): that day ("what did I do today?" quoted yesterday's journal). Not in one about
doing ("how do I deploy today?", "What is the weather in Seattle today?"), which asks about
no day."""


_WEEK = re.compile(r"\b(last|this)\s+week\b", re.IGNORECASE)
"""A week named from today: "last week" (Monday to Sunday before this one), "this week"."""


def today() -> dt.date:
    """Today's date, as relative days are read (one place, for tests to fix)."""
    return dt.date.today()


def _relative(question: str) -> list[tuple[Day, str, int]]:
    """The days `question` names from today, each written with its date ("yesterday
    (2026-12-05)"), so that a missing day is said as the day it is; a week's seven ("What did
    I work on last week?" said "Your notes don't mention last")."""
    now = today()
    out: list[tuple[Day, str, int]] = []
    for m in _RELATIVE.finditer(question):
        before_yesterday, _, weekday = m.groups()
        if weekday:
            back = (now.weekday() - _WEEKDAYS.index(weekday.lower()) - 1) % 7 + 1
        else:
            back = 2 if before_yesterday else 1
        day = now - dt.timedelta(days=back)
        out.append(((day.year, day.month, day.day), f"{m[0]} ({day.isoformat()})", m.start()))
    for m in _WEEK.finditer(question):  # "last week": its seven days, Monday first
        monday = now - dt.timedelta(days=now.weekday() + (7 if m[1].lower() == "last" else 0))
        week = [monday + dt.timedelta(days=i) for i in range(7)]
        said = f"{m[0]} ({week[0].isoformat()} to {week[-1].isoformat()})"
        out += [((d.year, d.month, d.day), said, m.start()) for d in week]
    if m := _TODAY.search(question):
        at = m.start(1) if m.group(1) else m.start(2)
        word = question[at : at + len("today")]
        out.append(((now.year, now.month, now.day), f"{word} ({now.isoformat()})", at))
    return out


_MONTH_ASKED = re.compile(
    rf"\b(?:(in|during|throughout|for|of|since|after|before|until|till|from)\s+)?"
    rf"({_MONTH})\.?(?:,?\s+(\d{{4}}))?(?![\w-]|\s*\d)",
    re.IGNORECASE,
)
"""A month without a day ("in March", "March 2024", "during may 2023")."""
_YEAR_MONTH = re.compile(r"(?<![\w.-])(\d{4})-(0[1-9]|1[0-2])(?![\w-]|\.\d)")
"""A month as a year and its number: "2024-03"."""
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_alone(question: str) -> bool:
    """Whether the question names a month only as a word before another ("the March outage",
    "the December book club"), no preposition, year or day making it a date: read as a date
    only where the notes do not write the word (`_months`)."""
    found = [m for m in _MONTH_ASKED.finditer(question) if m.group(2)[0].isupper()]
    return bool(found) and all(not (m.group(1) or m.group(3)) for m in found)


def _months(question: str) -> list[tuple[Day, str, int]]:
    """Every day of each month `question` names without a day ("What broke in March 2024?"
    of an incident log headed "2024-03-03 — tank degraded" was declined, "Your notes don't
    mention March"), each written as the month: after "in", "during" and the like, or with
    a year, or capitalised after the question's first word ("what was the root cause of the
    March outage?" was declined, "Your notes don't mention March", over a postmortem of
    2024-03-12); a lower-case month that is also a word ("may") only so; or as "2024-03".
    Not a month of a day ("March 5"), read as that day."""
    days = {at for _, w, at in _matches(question) for at in range(at, at + len(w))}
    out: list[tuple[Day, str, int]] = []
    for m in _MONTH_ASKED.finditer(question):
        before, month, year = m.groups()
        at = m.start(2)
        named = month[0].isupper() and bool(question[:at].strip())  # "the March outage"
        if at in days or not (before or year or named):
            continue
        written = f"{month} {year}" if year else month
        month_days = _days_of(int(year) if year else None, _MONTHS[month.lower()])
        out += [(day, written, at) for day in month_days]
    for m in _YEAR_MONTH.finditer(question):  # "2024-03"
        out += [(day, m[0], m.start()) for day in _days_of(int(m[1]), int(m[2]))]
    return out


def _days_of(year: int | None, month: int) -> list[Day]:
    """Every day of a month (the 29th of February of any year)."""
    return [(year, month, d) for d in range(1, _MONTH_DAYS[month - 1] + 1)]


_NOT_WHEN = r"(?:name|names|aid|floor|class|person|minute)\b"
"""Words after "first" or "last" that make a name of them, no time: "first-time buyers",
"first aid", "last name", "first floor"."""
_LATEST = re.compile(
    r"\b(?:last(?!\s*(?:[?!.]|$)|\s+(?:before|for|longer|until|till|through|over)\b)|latest"
    r"|most\s+recent(?:ly)?|recently|newest)\b(?!\s+(?:week|month|year|night|"
    rf"weekend|{_WEEKDAY})\b)(?!-|\s+{_NOT_WHEN})",
    re.IGNORECASE,
)
"""The latest rule's words: not "last" the verb, at a question's end or before "before",
"for", "longer" ("How long do idempotency keys last before they expire?" quoted the newest
1:1 notes mentioning them)."""
_EARLIEST = re.compile(rf"\b(?:first|earliest|oldest)\b(?!-|\s+{_NOT_WHEN})", re.IGNORECASE)
WHEN_WORDS = frozenset("last latest most recent recently newest first earliest oldest".split())
"""The words `asks_when` reads: no subject of the question."""


def asks_when(question: str) -> str | None:
    """ "latest" for a question about the last time of something ("when did I last change the
    oil?", "my most recent blood test"), "earliest" for the first ("when did I first sow
    tomatoes?"), else None; not "last week" or "last Friday", days the date rule reads."""
    if _LATEST.search(question):
        return "latest"
    return "earliest" if _EARLIEST.search(question) else None


def names_month(text: str, question: str) -> bool:
    """Whether `text` names a month `question` asks about without a day (`_months`), by its
    name ("the freeze is in March": that note answers "what happens in March?" whatever the
    folder's daily notes hold) or as a year and month ("2024-03")."""
    asked = {(d[0], d[1]) for d, _, _ in _months(question)}
    names = {n: [w for w, k in _MONTHS.items() if k == n] for _, n in asked}
    for year, n in asked:
        if re.search(rf"\b(?:{'|'.join(names[n])})\b", text, re.IGNORECASE):
            return True
        if year and re.search(rf"(?<!\d){year}[-_/.]0?{n}(?!\d)", text):
            return True
    return False


def asked_days(question: str) -> list[tuple[Day, str]]:
    """The days a question asks about, as it writes them: not one end of a span ("what
    changed since April 22", "after 2024-04-23"), which asks about other days; a day named
    from today ("yesterday", "last Friday") as that day; every day of a month it names
    without a day (`_months`: "in March 2024"), and of a year named alone (`_years`: "in
    2024")."""
    found = _matches(question) + _relative(question) + _months(question) + _years(question)
    return [(d, w) for d, w, at in found if not _RANGE.search(question[:at])]


_YEAR_ASKED = re.compile(r"\b(?:in|during|throughout)\s+((?:19|20)\d\d)\b(?![-/.]\d)", re.I)
"""A year without a month ("when did I sow tomatoes in 2024?")."""


def _years(question: str) -> list[tuple[Day, str, int]]:
    """Every day of each year `question` names after "in" and the like, without a month: a
    gardener's "when did I plant the garlic in 2023?" quoted the crop page's advice, not the
    2023 journal's "Planted garlic Solent Wight"."""
    out: list[tuple[Day, str, int]] = []
    for m in _YEAR_ASKED.finditer(question):
        y = int(m.group(1))
        out += [(day, m.group(1), m.start(1)) for n in range(1, 13) for day in _days_of(y, n)]
    return out


def _a_month(match: re.Match[str]) -> bool:
    """Whether a `_NAMED` match is a day, not a word that spells a month ("may 2")."""
    before, _, month1, month2, _, year = match.groups()
    month = month1 or month2
    if month.lower() not in _VERBS or month[0].isupper():
        return True
    return bool(before or year or re.search(r"\d(?:st|nd|rd|th)\b", match.group(0), re.I))


def same_day(a: Day, b: Day) -> bool:
    """The same calendar day, a year left unwritten matching any."""
    return a[1:] == b[1:] and (a[0] is None or b[0] is None or a[0] == b[0])


def any_same_day(written: Iterable[Day], days: Iterable[Day]) -> bool:
    """Whether one of the days `written` is one of `days` (`same_day`)."""
    days = list(days)
    return any(same_day(a, b) for a in written for b in days)


def names_day(text: str, days: set[Day]) -> bool:
    """Whether `text` (a note's path, a heading) writes one of `days`; a day written without
    its year in a text that writes one year is of that year ("garden/journal/2023.md › 3
    September" is of 2023: "what was the pH of bed 4 in 2024?" quoted it first); a month
    written with its year and no day is each of its days (`month_days`)."""
    return any_same_day(days_in_year(text) | month_days(text), days)


_MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?,?\s+((?:19|20)\d\d)(?![\w-]|\.\d)", re.IGNORECASE)
"""A month and its year ("Jan 2024", "March, 2023")."""


def month_days(text: str) -> set[Day]:
    """Every day of each month `text` writes with its year and no day: a monthly note's
    `budget/2024-01.md` or its heading "Budget Jan 2024" is of every day of January 2024
    ("How much did we spend on groceries in January 2024?" quoted February's and March's
    budgets, no January day written anywhere). Not the month of a day ("15 Jan 2024")."""
    taken = {i for _, w, at in _matches(text) for i in range(at, at + len(w))}
    out: set[Day] = set()
    for m in _MONTH_YEAR.finditer(text):
        if m.start(1) not in taken:
            out.update(_days_of(int(m[2]), _MONTHS[m[1].lower()]))
    for m in _YEAR_MONTH.finditer(text):
        out.update(_days_of(int(m[1]), int(m[2])))
    return out


_YEAR = re.compile(r"(?<![\w.-])((?:19|20)\d\d)(?![\w-]|\.\d)")


def years_in(text: str) -> set[int]:
    """The years `text` writes on their own ("Garden journal 2023", `2023.md`)."""
    return {int(y) for y in _YEAR.findall(text)}


def days_in_year(text: str) -> set[Day]:
    """`days_in(text)`, a day without its year given the one year `text` writes, if one."""
    days = days_in(text)
    years = years_in(text) | {d[0] for d in days if d[0] is not None}
    if len(years) != 1:
        return days
    (year,) = years
    return {(year if d[0] is None else d[0], d[1], d[2]) for d in days}


def names_other_day(text: str, days: set[Day]) -> bool:
    """Whether `text` writes a day, none of them one of `days` (a daily note of 2024-04-27
    is no answer to "what happened on 2024-04-23")."""
    written = days_in(text) | month_days(text)
    return bool(written) and not any_same_day(written, days)


_STAMP = re.compile(r"[ \t]*(?:[-*+][ \t]+)?\[?(\d{4})-(\d{1,2})-(\d{1,2})(?=[\s\]T:,]|$)")
"""A line that starts with a day, as a journal's entry does: "[2025-03-14 09:12] Pi day…"
(jrnl), "2025-09-28 16:00 Half marathon…", "- 2024-05-01: released 2.0"."""


_BOLD_STAMP = re.compile(r"[ \t]*(?:[-*+][ \t]+)?(\*\*|__)([^*_\n]{3,32}?)\1")
"""A line that starts with a day in bold, as a log's entry does: "**jan 14** ordered…",
"**2024-01-20:** relay boot loop", "- __Mon, March 4__ — met Sam"."""
_DATE_ONLY = re.compile(rf"[\W\d_]*(?:(?:{_WEEKDAY}|{_MONTH}|st|nd|rd|th|of)\b[\W\d_]*)*", re.I)
"""Bold words that write a day and nothing else: numbers, months, weekdays, "of"."""


def stamped_days(lines: Sequence[str]) -> list[tuple[int, Day]]:
    """(line, day) of each of `lines` that starts with a day (`_STAMP`), or with a day in
    bold and nothing else (`_BOLD_STAMP`: a log of "**jan 14** …" paragraphs was quoted
    whole, six entries for a one-line answer): the entries of a journal kept in one file."""
    out: list[tuple[int, Day]] = []
    for i, line in enumerate(lines):
        if (m := _STAMP.match(line)) and 1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31:
            out.append((i, (int(m[1]), int(m[2]), int(m[3]))))
        elif (b := _BOLD_STAMP.match(line)) and _DATE_ONLY.fullmatch(b[2]):
            days = days_in(b[2].title())  # "jan 14": in bold, a month, no verb
            if len(days) == 1:
                out.append((i, next(iter(days))))
    return out


def day_stamp(day: Day) -> str:
    """A day as a stamp that `days_in` reads back: "2024-01-14", or "January 14" without
    its year."""
    y, m, d = day
    if y is None:
        return f"{next(n for n, k in _MONTHS.items() if k == m).title()} {d}"
    return f"{y}-{m:02d}-{d:02d}"


def entry_lines(lines: Sequence[str], days: Iterable[Day]) -> list[int]:
    """The lines of the entries stamped with one of `days`: each from its stamp up to the
    line before the next stamp, its trailing blank lines left out."""
    days = list(days)
    stamps = stamped_days(lines)
    out: list[int] = []
    for n, (i, day) in enumerate(stamps):
        if not any_same_day([day], days):
            continue
        end = stamps[n + 1][0] if n + 1 < len(stamps) else len(lines)
        while end > i + 1 and not lines[end - 1].strip():
            end -= 1
        out.extend(range(i, end))
    return out


def is_day_name(stem: str) -> bool:
    """A file name (without its suffix) that is a day and nothing else: a daily note's
    (`2024-04-23`, Logseq's `2024_04_23`), not a meeting's `2024-04-15-platform-sync`."""
    return any(written == stem for _, written, _ in _matches(stem))


def day_phrases(question: str) -> list[str]:
    """The days a question asks about (`asked_days`), as it writes them, each once:
    "2024-04-23", "Tuesday, March 5", "March 2024"."""
    return list(dict.fromkeys(w for _, w in asked_days(question)))


def day_words(question: str) -> set[str]:
    """The words (lower-cased) that write the days a question asks about: "april", "23rd",
    "2024", "04", "tuesday"."""
    return {w.lower() for s in day_phrases(question) for w in re.findall(r"[^\W_]+", s)}


def date_words(text: str) -> set[str]:
    """The words (lower-cased) of every day `text` writes, one end of a span too ("since
    April 15": "april", "15")."""
    return {w.lower() for _, s, _ in _matches(text) for w in re.findall(r"[^\W_]+", s)}
