"""Redaction of personal identifiers in exports: what is replaced, what is left alone."""

from __future__ import annotations

import pytest

from knowledge.redact import describe_counts, nhs_number_valid
from knowledge.redact import redact_identifiers as redact


@pytest.mark.parametrize("number", ["485 777 3457", "4857773457", "485-777-3457", "943 476 5919"])
def test_valid_nhs_numbers_are_redacted_in_every_grouping(number):
    text, counts = redact(f"Patient NHS number {number} was pasted into a ticket.")
    assert number not in text
    assert "[NHS number redacted]" in text
    assert counts == {"nhs_number": 1}


@pytest.mark.parametrize("number", ["485 777 3458", "4857773450", "123 456 7890"])
def test_numbers_failing_the_modulus_11_check_stay(number):
    # 123 456 7890: the check digit would have to be 10, which no valid number has.
    text, counts = redact(f"Reference {number} in the log.")
    assert number in text
    assert counts == {}


def test_modulus_11_check():
    assert nhs_number_valid("4857773457")
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("4857773456")
    assert not nhs_number_valid("485777345")


def test_email_addresses_are_redacted():
    text, counts = redact(
        "Contact jamie.fletcher@harbourside-icb.example.nhs.uk or a_b+x@trust.nhs.uk today."
    )
    assert "@" not in text
    assert text.count("[email redacted]") == 2
    assert counts == {"email": 2}


@pytest.mark.parametrize(
    "phone",
    [
        "01632 960 412",
        "01632 960412",
        "020 7946 0958",
        "07700 900123",
        "07700 900 123",
        "+44 7700 900123",
        "+44 (0)1632 960412",
        "+441632960412",
        "(01632) 960412",
        "0113-496-0000",
        "0800 123 4567",
    ],
)
def test_uk_phone_numbers_are_redacted(phone):
    text, counts = redact(f"Call {phone} before noon.")
    assert text == "Call [phone redacted] before noon."
    assert counts == {"phone": 1}


@pytest.mark.parametrize(
    "postcode", ["LS1 4AP", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A1BB"]
)
def test_uk_postcodes_are_redacted(postcode):
    text, counts = redact(f"The hub at {postcode}, opposite the station.")
    assert postcode not in text
    assert counts == {"postcode": 1}


@pytest.mark.parametrize(
    "text",
    [
        "A capital bid of roughly £180,000 for GPU capacity.",
        "Of 11,480 examinations the tool flagged 1,302; 87% agreed.",
        "Due 2024-07-31, reviewed 14/03/2024 and on 14 March 2024.",
        "Upgrade PACS to version 10.2.3 and the viewer to 2.14.1004.",
        "Median time fell from 6.1 days to 2.3 days.",
        "The stroke CT product and the A1 pathway; COVID-19 backlog; ICB board in Q3 2024.",
        "Budget line 2024-2025 of 1234567 pounds; order 12345678901234.",
        "Recommendation 9 (R9) for NHS England and the MHRA.",
    ],
)
def test_ordinary_numbers_dates_and_words_are_not_redacted(text):
    assert redact(text) == (text, {})


def test_harbourside_notes_lose_every_identifier(corpus):
    notes = (corpus / "harbourside-roundtable-notes-2024-03.md").read_text(encoding="utf-8")
    text, counts = redact(notes)
    for secret in ("jamie.fletcher@harbourside-icb.example.nhs.uk", "01632 960 412", "485 777 3457"):
        assert secret in notes and secret not in text
    assert counts == {"email": 1, "phone": 1, "nhs_number": 1}
    # Figures in the discussion survive.
    for figure in ("11,480", "£180,000", "2024-07-31", "87%"):
        assert figure in text


def test_describe_counts_reads_as_a_sentence():
    assert describe_counts({}) == "no items"
    assert describe_counts({"email": 1}) == "1 item (1 e-mail address)"
    assert describe_counts({"phone": 2, "nhs_number": 1}) == "3 items (1 NHS number, 2 phone numbers)"
