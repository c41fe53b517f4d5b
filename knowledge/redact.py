"""Redact personal identifiers (NHS numbers, e-mail addresses, UK phones, postcodes) from export text.

NHS numbers: ten digits whose last is the modulus-11 check digit, written bare (4857773457) or in groups
of 3, 3 and 4 split by single spaces or dashes of any kind (ordinary, non-breaking or thin space; hyphen,
en dash, minus sign), as documents pasted from PDFs and Word write them. Digits of any script count
(Arabic-Indic, full-width). Such a number is redacted wherever it stands - next to letters, underscores,
punctuation or currency signs too ("NHS-4857773457", "no.4857773457", "id_4857773457") - unless another
digit touches it: a longer run of digits is a different number (an order number, a phone number). A
leaked identifier costs more than a ten-digit amount or decimal that passes the check being redacted.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PLACEHOLDERS = {
    "nhs_number": "[NHS number redacted]",
    "email": "[email redacted]",
    "phone": "[phone redacted]",
    "postcode": "[postcode redacted]",
}
LABELS = {
    "nhs_number": ("NHS number", "NHS numbers"),
    "email": ("e-mail address", "e-mail addresses"),
    "phone": ("phone number", "phone numbers"),
    "postcode": ("postcode", "postcodes"),
}

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][\w.%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
)
# Ten digits, bare or grouped 3-3-4 by single separators; not touching another digit (see the docstring).
_NHS_SEPARATOR = r"[\s\-\u2010-\u2015\u2212]"  # any space; hyphen, the Unicode hyphens and dashes, minus
_NHS = re.compile(rf"(?<!\d)(\d{{3}}){_NHS_SEPARATOR}?(\d{{3}}){_NHS_SEPARATOR}?(\d{{4}})(?!\d)")
# A UK number: +44 (optionally "(0)") or a leading 0, then digits with single spaces, hyphens or brackets.
# The digit count is checked afterwards, so the pattern itself can stay loose.
_PHONE = re.compile(
    r"(?<![\w.,/£$€+-])(?:\+44[ -]?(?:\(0\)[ -]?)?|\(0|0)(?:\d[ )-]{0,2}){8,10}\d(?![\w/]|[.,-]\d)"
)
# Outward code (A9, A9A, A99, AA9, AA9A, AA99) and inward code (9AA), capitals only so words never match.
_POSTCODE = re.compile(r"(?<![\w-])(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])")


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
        national = national[1:] if national.startswith("0") else national
    else:
        national = digits[1:]
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


def redact(text: str) -> tuple[str, dict[str, int]]:
    """Text with identifiers replaced by labelled placeholders, and how many of each kind were replaced.

    E-mail addresses go first (their digits must not look like phone numbers), then NHS numbers (valid
    check digit only: an invalid one stays), phones and postcodes. Placeholders hold no digits, so no
    later pass can match inside an earlier replacement."""
    counts: dict[str, int] = {}
    text = _replace(_EMAIL, "email", text, counts, lambda m: True)
    text = _replace(_NHS, "nhs_number", text, counts, lambda m: nhs_number_valid(m[1] + m[2] + m[3]))
    text = _replace(_PHONE, "phone", text, counts, lambda m: _phone_valid(m.group(0)))
    text = _replace(_POSTCODE, "postcode", text, counts, lambda m: True)
    return text, counts


def describe_counts(counts: dict[str, int]) -> str:
    """'3 items (1 e-mail address, 2 phone numbers)' or 'no items'."""
    total = sum(counts.values())
    if not total:
        return "no items"
    parts = [
        f"{counts[kind]} {LABELS[kind][0] if counts[kind] == 1 else LABELS[kind][1]}"
        for kind in PLACEHOLDERS
        if counts.get(kind)
    ]
    return f"{total} item{'s' if total != 1 else ''} ({', '.join(parts)})"
