"""Redact personal data (NHS, hospital and phone numbers, e-mails, postcodes, birth dates, names) from text.

NHS numbers: ten digits whose last is the modulus-11 check digit, written bare (4857773457) or in groups
of 3, 3 and 4 split by single spaces, dots or dashes of any kind (ordinary, non-breaking or thin space;
hyphen, en dash, minus sign), as documents pasted from PDFs and Word write them. Digits of any script count
(Arabic-Indic, full-width). Such a number is redacted wherever it stands - next to letters, underscores,
punctuation or currency signs too ("NHS-4857773457", "no.4857773457", "id_4857773457") - unless another
digit touches it: a longer run of digits is a different number (an order number, a phone number). A
leaked identifier costs more than a ten-digit amount or decimal that passes the check being redacted.

People are found by shape, not by a list of names: the words after a title (Dr, Prof, Mr, Mrs, Ms, Miss,
Mx, Sir, Dame), after a label that introduces a person (Patient, Chair:, Note-taker:, Owner:, Signed by,
an Attendees: list or the list under an "Attendees" heading; after "Chair:", "Note-taker:" and other labels
only people follow, one word is enough), and the names the caller passes in (the database's own owners,
contacts and authors). A run of words holding a role or organisation word ("Head of Digital", "Harbourside
ICB", "Kingsbridge Community Hospitals") is an official or a body, not a person, and stays. A name written
bare in running prose, with none of these around it, is not found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

PLACEHOLDERS = {
    "nhs_number": "[NHS number redacted]",
    "email": "[email redacted]",
    "phone": "[phone redacted]",
    "postcode": "[postcode redacted]",
    "person": "[name redacted]",
    "date_of_birth": "[date of birth redacted]",
    "hospital_number": "[hospital number redacted]",
}
LABELS = {
    "nhs_number": ("NHS number", "NHS numbers"),
    "email": ("e-mail address", "e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "postcode": ("postcode", "postcodes"),
    "person": ("name", "names"),
    "date_of_birth": ("date of birth", "dates of birth"),
    "hospital_number": ("hospital number", "hospital numbers"),
}
# What the window's checkbox and `export --redact` promise; said once so neither claims more than this does.
COVERS = (
    "NHS numbers, hospital/MRN numbers after their label, e-mail addresses, UK phone numbers, postcodes,"
    " dates of birth after their label, and people's names after a title (Dr, Mr, Ms...) or a label"
    " (Patient, Chair:, Attendees:, signed...) or held in the database's owner and contact fields"
)

_LETTER = r"[^\W\d_]"
_EMAIL = re.compile(
    rf"(?<![\w.%+-])(?:{_LETTER}|\d)[\w.%+-]*@(?:{_LETTER}|\d)(?:[\w-]*(?:{_LETTER}|\d))?(?:\.(?:{_LETTER}|\d)[\w-]*)+"
)
# Ten digits, bare or grouped 3-3-4 by single separators; not touching another digit (see the docstring).
_NHS_SEPARATOR = r"[\s.\-\u2010-\u2015\u2212]"  # any space, dot, hyphen, Unicode dash, minus
_NHS = re.compile(rf"(?<!\d)(\d{{3}}){_NHS_SEPARATOR}?(\d{{3}}){_NHS_SEPARATOR}?(\d{{4}})(?!\d)")
# A UK number: +44 or 0044 (optionally "(0)", or the area code in brackets), or a leading 0 (the area code
# optionally in brackets), then digits split by single spaces, dots, hyphens or brackets. The digit count
# is checked afterwards, so the pattern itself can stay loose.
_PHONE_SEP = r"[ \u00a0\u202f.\-\u2010-\u2013()]"
_PHONE = re.compile(
    rf"(?<![\w.,/£$€+-])(?:(?:\+|00{_PHONE_SEP}?)44{_PHONE_SEP}{{0,3}}(?:\(0\){_PHONE_SEP}{{0,2}})?|\(?0(?=\d))"
    rf"(?:\d{_PHONE_SEP}{{0,2}}){{8,10}}\d(?![\w/]|[.,-]\d)"
)
# Outward code (A9, A9A, A99, AA9, AA9A, AA99) and inward code (9AA), in any case. Letters no postcode
# uses are left out (Q, V, X never first; I, J, Z never second; CIKMOV never in the inward code), which
# also keeps ordinary words and version labels out.
_POSTCODE = re.compile(
    r"(?<![\w-])(?:GIR ?0AA|(?:[A-PR-UWYZ]\d[A-HJKPSTUW\d]?|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
    r"[ \u00a0]?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_DAY}(?:\s+of)?[\s\-]+{_MONTH},?[\s\-]+(?:\d{{4}}|\d{{2}})|{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_MONTH}\s+\d{{4}})"
)
# The label stays ("DOB: [date of birth redacted]"): the reader still sees what was there.
_DOB = re.compile(
    r"(\b(?:date\s+of\s+birth|birth\s*date|d\.\s?o\.\s?b\.?|dob|born(?:\s+on|\s+in)?|birthday)"
    rf"(?:\s*[:=\-\u2013]\s*|\s+(?:is|was)\s+|\s*\(\s*|\s+))({_DATE})(?![\w/])",
    re.IGNORECASE,
)
_HOSPITAL_LABEL = (
    r"(?:hospital|hosp\.?|unit|case|patient|pas|medical\s+record|health\s+record|record|k)"
    r"\s*(?:number|num\.?|no\.?|id|ref\.?|#)|mrn|m\.r\.n\.?|crn|hrn|rxn"
)
_HOSPITAL = re.compile(
    rf"(\b(?:{_HOSPITAL_LABEL})(?:\s*[:=#\-\u2013]\s*|\s+(?:is|was)\s+|\s*\(\s*|\s+))"
    r"((?:[A-Z]{1,4}[ \-]?)?\d(?:[\d/\-]|[ ](?=\d)){3,15}[A-Z]?)(?![\w/])",
    re.IGNORECASE,
)

# -- people ------------------------------------------------------------------------------------------------

_UPPER = r"[A-Z\u00c0-\u00d6\u00d8-\u00de]"
_LOWER = r"[a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f]"
# One word of a name: "Okafor", "O'Neill", "McDonald", "Smith-Jones", "Zoë"; or an initial: "J." or "J".
_NAME_WORD = rf"(?:{_UPPER}\.|{_UPPER}{_LOWER}*(?:['’]?{_UPPER}{_LOWER}+)*(?:-{_UPPER}{_LOWER}+)*)"
_NAME_RUN = rf"{_NAME_WORD}(?:[ \u00a0]+{_NAME_WORD}){{0,3}}"
_TITLE = r"(?:Dr|Doctor|Prof|Professor|Mr|Mrs|Ms|Miss|Mx|Sir|Dame|Lady|Lord)"
_TITLED = re.compile(rf"(?<![\w.])({_TITLE})\.?[ \u00a0]+(?={_UPPER})({_NAME_RUN})")
# Labels whose next words name a person. A colon or "by" makes the label explicit; "Patient" alone needs
# a name of two words ("Patient Safety" is a team).
_LABEL = re.compile(
    r"(?<![\w-])((?:co-|vice[- ])?chair(?:person|man|woman)?|note[- ]?taker|minute[- ]?taker|minutes\s+by"
    r"|secretary|author|authors|prepared\s+by|written\s+by|reported\s+by|referred\s+by|requested\s+by"
    r"|approved\s+by|signed(?:\s+off)?(?:\s+by)?|signature|contact|contact\s+name|owner|action\s+owner"
    r"|presenter|presented\s+by|speaker|facilitator|clinician|consultant|surgeon|radiologist"
    r"|patient(?:\s+name)?|name|full\s+name|next\s+of\s+kin|carer|cc|from|to)"
    r"(\s*(?:\*\*|__)?\s*[:\u2013\u2014-]\s*(?:\*\*|__)?\s*|,\s*|\s+)",  # "**Chair:** X" in markdown too
    re.IGNORECASE,
)
_STRONG_LABELS = re.compile(r"patient(?:\s+name)?|signed.*", re.IGNORECASE)
# Labels only ever followed by a person: after these and a colon one word is a surname ("Chair: Okafor").
# "Owner:", "Contact:", "From:" also take teams and places ("Owner: Estates"), so they need two words.
_PERSON_LABELS = re.compile(
    r"(?:co-|vice[- ])?chair(?:person|man|woman)?|note[- ]?taker|minute[- ]?taker|minutes\s+by|secretary"
    r"|authors?|(?:prepared|written|reported|referred|requested|approved|presented)\s+by|signature"
    r"|presenter|speaker|facilitator|clinician|consultant|surgeon|radiologist|contact\s+name|full\s+name"
    r"|next\s+of\s+kin|carer",
    re.IGNORECASE,
)
# The same list labels written as a line of their own: a markdown heading ("## Attendees"), a bold line
# ("**Present**") or a bare line, with or without a colon; the names are in the list or lines below it.
_LIST_HEADING = re.compile(
    r"^[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*|__)?[ \t]*(?:attendees|attendance|present|in\s+attendance|apologies"
    r"(?:\s+received)?|participants|panel|members)[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*#*"
    r"[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_LIST_LABEL = re.compile(
    r"(?<![\w-])(attendees|attendance|present|in\s+attendance|apologies|participants|panel|members)"
    r"\s*(?:\*\*|__)?\s*[:\u2013\u2014-][ \t]*(?:\*\*|__)?[ \t]*",
    re.IGNORECASE,
)
# Words that make a run of capitalised words a role, a body or a place rather than a person.
_NOT_NAMES = frozenset(
    """
    head chief director deputy assistant associate lead leader manager officer clinical medical nursing
    consultant radiologist radiographer registrar nurse surgeon physician doctor practitioner professor
    chair chairman chairwoman secretary member members team group board committee panel network programme
    project service services department unit directorate office council trust trusts icb icbs ics icss
    nhs hospital hospitals foundation teaching university college royal national regional system systems
    england scotland wales ireland uk ltd limited plc inc llp partnership partners health care healthcare
    imaging diagnostics diagnostic radiology digital data information governance safety quality patient
    patients public the a an of and for to in on at by with all none n/a tbc tbd various everyone staff
    ai it ig pacs ris epr dpia mhra nice cqc dhsc cso ccio cio cno cmo ceo cfo coo sro pmo
    officer representative representatives supplier suppliers vendor vendors company commissioning
    procurement finance operations transformation strategy innovation research development support
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december item items action actions agenda notes minutes meeting
    report summary update minutes background purpose date venue time location notes apologies attendees
    present agreed next steps none tbc not applicable yes no see above below page section table figure
    community vacant
    """.split()
)
# Words that make the capitalised words before them the name of a body: "Kingsbridge Community Hospitals",
# "Harbourside ICB". A name cut short by one of these is part of an organisation's name, not a person's.
_BODY_WORDS = frozenset(
    """
    trust trusts hospital hospitals icb icbs ics nhs ltd limited plc llp network foundation university college
    council board committee group team service services partnership healthcare health care imaging
    diagnostics community system systems alliance practice surgery centre center clinic unit directorate
    department office programme forum
    """.split()
)


def _names_a_body(after: str) -> bool:
    """Whether the word that follows a name (`after`: the text after it) makes it part of a body's name."""
    word = re.match(r"[ \u00a0]+([^\W\d_]+)", after)
    return bool(word) and word.group(1).lower() in _BODY_WORDS


def _person_words(run: str) -> str | None:
    """The leading words of `run` that read as a person's name, or None: a run holding a role,
    organisation or other non-name word is cut there, and initials alone are no name."""
    kept: list[str] = []
    for word in run.split():
        bare = word.strip(".")
        if len(bare) > 1 and (bare.lower() in _NOT_NAMES or bare.isupper()):
            break
        kept.append(word)
    while kept and len(kept[-1].strip(".")) == 1:  # a trailing initial belongs to what follows
        kept.pop()
    if not kept or all(len(w.strip(".")) == 1 for w in kept):
        return None
    return " ".join(kept)


def looks_like_person_name(text: str) -> bool:
    """'Jamie Fletcher', 'Dr Okafor' yes; 'Head of Digital', 'Harbourside ICB', 'IT team', 'Jamie' no."""
    title = re.match(rf"{_TITLE}\.?\s+", text)
    words = text[title.end() :].split() if title else text.split()
    if not (1 if title else 2) <= len(words) <= 4 or any(not re.fullmatch(_NAME_WORD, w) for w in words):
        return False
    return _person_words(" ".join(words)) == " ".join(words)


class _Counter:
    def __init__(self, counts: dict[str, int]):
        self.counts = counts

    def hit(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return PLACEHOLDERS[kind]


def _titled(text: str, counter: _Counter) -> str:
    def sub(match: re.Match) -> str:
        name = _person_words(match.group(2))
        if name is None:
            # "Dr Foster Intelligence"-like bodies are cut by _NOT_NAMES; a bare initial stays as written.
            return match.group(0)
        rest = match.group(2)[len(name) :]
        return counter.hit("person") + rest

    return _TITLED.sub(sub, text)


_NAME_AT = re.compile(rf"(?={_UPPER})({_NAME_RUN})")


def _after_labels(text: str, counter: _Counter) -> str:
    spans: list[tuple[int, int]] = []
    for match in _LABEL.finditer(text):
        label, gap = match.group(1), match.group(2)
        found = _NAME_AT.match(text, match.end())
        name = _person_words(found.group(1)) if found else None
        if name is None:
            continue
        explicit = bool(re.search(r"[:\u2013\u2014-]", gap)) or label.lower().endswith(" by")
        strong = bool(_STRONG_LABELS.fullmatch(label))
        # "owner Jamie" in prose is too weak to call a name; after "Patient:" or "Chair:" one word is a
        # surname, unless it starts a body's name ("Chair: Harbourside ICB").
        single = explicit and (strong or bool(_PERSON_LABELS.fullmatch(label)))
        if (
            (explicit or strong)
            and (len(name.split()) >= 2 or single)
            and not _names_a_body(text[match.end() + len(name) : match.end() + len(name) + 40])
        ):
            spans.append((match.end(), match.end() + len(name)))
    return _cut(text, spans, counter)


def _cut(text: str, spans: list[tuple[int, int]], counter: _Counter) -> str:
    out, last = [], 0
    for start, end in sorted(set(spans)):
        if start < last:
            continue
        out += [text[last:start], counter.hit("person")]
        last = end
    return "".join(out) + text[last:]


def _attendee_lists(text: str, counter: _Counter) -> str:
    """Each item of an 'Attendees: A, B (Org), C' line, or of the list under an 'Attendees:' line that
    ends there or under an 'Attendees' heading, whose first words read as a name."""
    spans: list[tuple[int, int]] = []
    list_starts = {match.end() for match in _LIST_HEADING.finditer(text)}
    for match in _LIST_LABEL.finditer(text):
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end
        if text[match.end() : line_end].strip():
            spans += _item_names(text, match.end(), line_end)
        else:
            list_starts.add(line_end)
    for line_end in sorted(list_starts):
        spans += _list_names(text, line_end)
    return _cut(text, spans, counter)


def _lines_from(text: str, position: int) -> Iterator[tuple[int, int]]:
    while position < len(text):
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        yield position, end
        position = end + 1


def _list_names(text: str, line_end: int) -> list[tuple[int, int]]:
    """Names in what follows a list label's line: its bulleted or numbered items, or else the lines of the
    paragraph under it (blank lines between the label and the list are skipped)."""
    spans: list[tuple[int, int]] = []
    bulleted: bool | None = None
    for start, end in _lines_from(text, line_end + 1):
        line = text[start:end]
        if not line.strip():
            if bulleted is None:
                continue
            break
        if line.lstrip().startswith("#"):
            break
        item = re.match(r"[ \t]*(?:[-*+\u2022]|\d+[.)])[ \t]+", line)
        bulleted = bool(item) if bulleted is None else bulleted
        if bulleted != bool(item):
            break
        spans += _item_names(text, start + (item.end() if item else 0), end)
    return spans


def _item_names(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for item in re.finditer(r"[^,;]+", text[start:end]):
        body = item.group(0)
        lead = len(body) - len(body.lstrip())
        title = re.match(rf"{_TITLE}\.?[ \u00a0]+", body[lead:])
        offset = lead + (title.end() if title else 0)
        found = re.match(rf"(?={_UPPER})({_NAME_RUN})", body[offset:])
        if not found:
            continue
        name = _person_words(found.group(1))
        after = start + item.start() + offset + len(name or "")
        if name and len(name.split()) >= 2 and not _names_a_body(text[after : after + 40]):
            begin = start + item.start() + lead
            spans.append((begin, start + item.start() + offset + len(name)))
    return spans


def _known_names(text: str, names: Iterable[str], counter: _Counter) -> str:
    wanted = sorted(
        {" ".join(n.split()) for n in names if n and looks_like_person_name(" ".join(str(n).split()))},
        key=len,
        reverse=True,
    )
    if not wanted:
        return text
    alternatives = "|".join(r"[ \u00a0]+".join(map(re.escape, n.split())) for n in wanted)
    pattern = re.compile(rf"(?<![\w@.])(?:{_TITLE}\.?[ \u00a0]+)?(?:{alternatives})(?![\w@])", re.IGNORECASE)
    return pattern.sub(lambda m: counter.hit("person"), text)


# The database's people fields: who owns an action, who recorded or decided something, who chaired.
_PEOPLE_FIELDS = (
    "SELECT owner FROM actions",
    "SELECT who FROM progress_updates",
    "SELECT decided_by FROM action_recommendations",
    "SELECT contact_role FROM organisations",
    "SELECT chair FROM roundtables",
)


def known_people(db: Any) -> tuple[str, ...]:
    """The people named in the database's own fields, for redact(names=...): a value that reads as a
    role or a body ("Head of Digital") is left out, and "Dr A Okafor, CCIO" gives "Dr A Okafor"."""
    found: set[str] = set()
    for query in _PEOPLE_FIELDS:
        try:
            rows = db.execute(query).fetchall()
        except Exception:  # noqa: BLE001 - an older schema without the column has no names in it
            continue
        for (value,) in rows:
            for part in re.split(r"[,;/]| and ", str(value or "")):
                part = " ".join(part.split())
                if looks_like_person_name(part):
                    found.add(part)
    return tuple(sorted(found))


def redact_people(text: str, names: Iterable[str] = (), counts: dict[str, int] | None = None) -> str:
    """Names of people replaced (see the module docstring for which); counts['person'] counts them."""
    counter = _Counter(counts if counts is not None else {})
    text = _known_names(text, names, counter)
    text = _titled(text, counter)
    text = _attendee_lists(text, counter)
    return _after_labels(text, counter)


# -- numbers and addresses ---------------------------------------------------------------------------------


def nhs_number_valid(digits: str) -> bool:
    """The modulus-11 check: weights 10..2 over the first nine digits; 10 is never a valid check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_valid(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    if match.startswith("+44"):
        national = digits[2:]
    elif match.startswith("00"):
        national = digits[4:]
    else:
        national = digits
    national = national[1:] if national.startswith("0") else national
    # UK national significant numbers are 9 or 10 digits and start 1, 2, 3, 5, 7, 8 or 9.
    return len(national) in (9, 10) and national[0] in "1235789"


def _replace(
    pattern: re.Pattern[str], kind: str, text: str, counts: dict[str, int], valid: Callable[[re.Match], bool]
) -> str:
    def sub(match: re.Match) -> str:
        if not valid(match):
            return match.group(0)
        counts[kind] = counts.get(kind, 0) + 1
        return PLACEHOLDERS[kind]

    return pattern.sub(sub, text)


def _labelled(pattern: re.Pattern[str], kind: str, text: str, counts: dict[str, int]) -> str:
    """Replace group 2 of each match, keeping its label (group 1)."""

    def sub(match: re.Match) -> str:
        counts[kind] = counts.get(kind, 0) + 1
        return match.group(1) + PLACEHOLDERS[kind]

    return pattern.sub(sub, text)


def redact_identifiers(text: str) -> tuple[str, dict[str, int]]:
    """Every kind but names: text with identifiers replaced by labelled placeholders, and how many of each.

    E-mail addresses go first (their digits must not look like phone numbers), then dates of birth and
    hospital numbers after their labels, NHS numbers (valid check digit only: an invalid one stays),
    phones and postcodes. Placeholders hold no digits, so no later pass can match inside an earlier
    replacement."""
    counts: dict[str, int] = {}
    text = _replace(_EMAIL, "email", text, counts, lambda m: True)
    text = _labelled(_DOB, "date_of_birth", text, counts)
    text = _replace(_NHS, "nhs_number", text, counts, lambda m: nhs_number_valid(m[1] + m[2] + m[3]))
    text = _labelled(_HOSPITAL, "hospital_number", text, counts)
    text = _replace(_PHONE, "phone", text, counts, lambda m: _phone_valid(m.group(0)))
    text = _replace(_POSTCODE, "postcode", text, counts, lambda m: True)
    return text, counts


def redact(text: str, names: Iterable[str] = ()) -> tuple[str, dict[str, int]]:
    """Text with every kind the module covers replaced, and how many of each kind were replaced.
    `names`: people the caller knows of (the database's owners, contacts, who), redacted wherever written."""
    text, counts = redact_identifiers(text)
    text = redact_people(text, names, counts)
    return text, counts


# A placeholder as it appears in a report: markdown may escape its brackets ("\\[name redacted\\]").
PLACEHOLDER_SHOWN = re.compile(
    r"\\?\[(" + "|".join(re.escape(p[1:-1]) for p in PLACEHOLDERS.values()) + r")\\?\]"
)
_KIND_OF = {p[1:-1]: kind for kind, p in PLACEHOLDERS.items()}


def placeholder_counts(text: str) -> dict[str, int]:
    """How many placeholders of each kind a redacted text shows (markdown, HTML or plain text): what a
    reader sees was taken out, counted from the text itself."""
    counts: dict[str, int] = {}
    for match in PLACEHOLDER_SHOWN.finditer(text):
        kind = _KIND_OF[match.group(1)]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def count_parts(counts: dict[str, int]) -> list[str]:
    """['1 e-mail address', '2 phone numbers']: each kind counted, in the order PLACEHOLDERS lists them."""
    return [
        f"{counts[kind]} {LABELS[kind][0] if counts[kind] == 1 else LABELS[kind][1]}"
        for kind in PLACEHOLDERS
        if counts.get(kind)
    ]


def describe_counts(counts: dict[str, int]) -> str:
    """'3 items (1 e-mail address, 2 phone numbers)' or 'no items'."""
    total = sum(counts.values())
    if not total:
        return "no items"
    return f"{total} item{'s' if total != 1 else ''} ({', '.join(count_parts(counts))})"


def redaction_line(counts: dict[str, int]) -> str:
    """'3 items redacted: 1 e-mail address, 2 phone numbers' or 'Nothing was redacted'."""
    total = sum(counts.values())
    if not total:
        return "Nothing was redacted"
    return f"{total} item{'s' if total != 1 else ''} redacted: {', '.join(count_parts(counts))}"
