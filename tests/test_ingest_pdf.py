"""The PDF reader on PDFs written here, and (marked `shared`) on every real-world sample PDF."""

from __future__ import annotations

import json
import logging

import pytest
from pdfs import broken_pdf, encrypted_pdf, four_page_pdf, pdf_bytes

from knowledge.ingest.base import IngestError
from knowledge.ingest.pdf import ENCRYPTED, NO_TEXT
from knowledge.ingest.readers import read_file

# What each sample is: readable, or the exact reason it cannot be imported.
EXPECTED_FAILURES = {
    "005-libreoffice-writer-password.pdf": ENCRYPTED,
    "017-unreadablemetadata.pdf": "broken PDF structure, cannot be read (Invalid object in /Pages)",
    "007-imagemagick-ASCII85Decode.pdf": NO_TEXT,
    "007-imagemagick-CCITTFaxDecode.pdf": NO_TEXT,
    "007-imagemagick-lzw.pdf": NO_TEXT,
    "019-grayscale-image.pdf": NO_TEXT,
    "023-cmyk-image.pdf": NO_TEXT,
}
# The 117-page GeoTopo book takes seconds to extract; it is covered once, in the CLI import test.
SLOW = {"009-GeoTopo-komprimiert.pdf"}


def _samples(shared_dir):
    return sorted(p for p in (shared_dir / "fixtures" / "pdf").glob("*.pdf") if p.name not in SLOW)


@pytest.fixture
def made(tmp_path):
    """PDFs written by tests/pdfs.py: four pages, encrypted, broken, and one page with lines of text."""
    files = {
        "four-pages.pdf": four_page_pdf(),
        "encrypted.pdf": encrypted_pdf(four_page_pdf()),
        "broken.pdf": broken_pdf(),
        "minimal.pdf": pdf_bytes([["Lorem ipsum dolor sit amet, a minimal document."]]),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


@pytest.mark.shared
def test_every_sample_reads_or_fails_with_its_reason(shared, capfd):
    seen_failures = {}
    for path in _samples(shared):
        try:
            doc = read_file(path)
        except IngestError as exc:
            seen_failures[path.name] = str(exc)
            continue
        assert doc.blocks, path.name
        assert doc.pages and doc.pages >= 1
        assert all(1 <= b.page <= doc.pages for b in doc.blocks), path.name
        for block in doc.blocks:
            assert doc.text[block.start : block.end] == block.text
        assert doc.title.strip()
    assert seen_failures == EXPECTED_FAILURES
    # pypdf's own warnings and log lines never reach the user's terminal.
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


@pytest.mark.shared
def test_page_counts_agree_with_the_fixture_metadata(shared):
    listed = json.loads((shared / "fixtures" / "pdf" / "files.json").read_text(encoding="utf-8"))["data"]
    pages_by_name = {entry["path"].rsplit("/", 1)[-1]: entry["pages"] for entry in listed}
    for name in ("004-pdflatex-4-pages.pdf", "006-pdflatex-outline.pdf", "026-multicolumn.pdf"):
        doc = read_file(shared / "fixtures" / "pdf" / name)
        original = name.split("-", 1)[1] if name[:3].isdigit() else name
        expected = pages_by_name.get(name) or pages_by_name.get(original)
        assert doc.pages == expected


def test_four_page_pdf_keeps_page_numbers(made):
    doc = read_file(made / "four-pages.pdf")
    assert doc.pages == 4
    assert sorted({b.page for b in doc.blocks}) == [1, 2, 3, 4]
    # Pages are in order and each block's text came from its own page.
    pages = [b.page for b in doc.blocks]
    assert pages == sorted(pages)


@pytest.mark.shared
def test_title_from_metadata_when_sensible(shared):
    pdf = shared / "fixtures" / "pdf"
    assert read_file(pdf / "011-google-doc-document.pdf").title == "PDF Example Document"
    assert read_file(pdf / "024-annotated_pdf.pdf").title == "Annotated PDF"
    # 'untitled' in the metadata is no title: the first heading-like line or the file name is used.
    assert read_file(pdf / "008-inline-image.pdf").title != "untitled"


def test_encrypted_and_broken_messages(made):
    with pytest.raises(IngestError, match="^encrypted PDF: a password is needed to read it$"):
        read_file(made / "encrypted.pdf")
    with pytest.raises(IngestError, match="^broken PDF structure"):
        read_file(made / "broken.pdf")


def test_truncated_and_fake_pdfs_fail_readably(tmp_path, made):
    truncated = tmp_path / "truncated.pdf"
    data = (made / "four-pages.pdf").read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    fake = tmp_path / "fake.pdf"
    fake.write_text("this is a text file named .pdf", encoding="utf-8")
    for path in (truncated, fake):
        with pytest.raises(IngestError) as info:
            read_file(path)
        assert "\n" not in str(info.value) and str(info.value)


def test_reading_leaves_pypdf_logging_as_it_was(made):
    logger = logging.getLogger("pypdf")
    before = (logger.level, logger.propagate)
    with pytest.raises(IngestError):
        read_file(made / "broken.pdf")
    assert (logger.level, logger.propagate) == before


def test_page_numbers_and_running_headers_are_not_passage_text(made):
    from knowledge.ingest.chunker import chunk
    from knowledge.ingest.pdf import strip_page_furniture

    doc = read_file(made / "four-pages.pdf")
    for passage in chunk(doc.text, doc.blocks):
        assert not passage.text.rstrip()[-1].isdigit(), passage.text[-40:]
    pages = [f"Board paper – March 2024\nBody text of page {n}.\nPage {n} of 4" for n in range(1, 5)]
    assert strip_page_furniture(pages) == [f"\nBody text of page {n}.\n" for n in range(1, 5)]
    # Two pages are too few to tell a running header from a real first line.
    assert strip_page_furniture(["Intro\nText.", "Intro\nMore."]) == ["Intro\nText.", "Intro\nMore."]


def test_encryption_with_an_empty_user_password_still_reads(tmp_path, made):
    import pypdf

    source = pypdf.PdfReader(made / "minimal.pdf")
    for user_password, readable in (("", True), ("secret", False)):
        writer = pypdf.PdfWriter()
        for page in source.pages:
            writer.add_page(page)
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
        path = tmp_path / f"locked-{readable}.pdf"
        with path.open("wb") as handle:
            writer.write(handle)
        if readable:
            assert "Lorem ipsum" in read_file(path).text
        else:
            with pytest.raises(IngestError, match=f"^{ENCRYPTED}$"):
                read_file(path)
