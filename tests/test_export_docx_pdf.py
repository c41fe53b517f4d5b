"""Board-ready exports: every report kind as Word (--docx) and A4 PDF (--pdf), read back; redaction holds."""

from __future__ import annotations

import re
import unicodedata
import zipfile

import docx
import pypdf
import pytest

from knowledge.reports import render_html, report_title
from knowledge.reports.blocks import parse_html
from knowledge.workspace import open_db

SECRETS = ("jamie.fletcher@harbourside-icb.example.nhs.uk", "01632 960 412", "485 777 3457")
A4_POINTS = (595, 842)


@pytest.fixture
def corpus_db(tmp_path, corpus, run_cli):
    """The project's corpus imported without the model (keyword evidence only)."""
    path = tmp_path / "corpus.db"
    code, _out, err = run_cli("--db", path, "import", corpus, "--no-index")
    assert code == 0, err
    return path


def organisations_with_actions(path) -> list[str]:
    db = open_db(path)
    try:
        sql = "SELECT DISTINCT o.name FROM organisations o JOIN actions a ON a.organisation_id = o.id"
        return [row[0] for row in db.execute(sql)]
    finally:
        db.conn.close()


def headline_figures(markdown: str) -> list[str]:
    section = markdown.split("## Headline figures", 1)[1].split("\n## ", 1)[0]
    return [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]


def docx_text(path) -> str:
    """Every paragraph and table cell of a Word file, one per line."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def docx_xml(path) -> str:
    """All of a .docx's XML parts (body, footers, document properties): what a recipient's tools can see."""
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))


def pdf_text(path) -> str:
    """The PDF's text with whitespace runs as one space (pdf text has a tab between words)."""
    reader = pypdf.PdfReader(str(path))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def flat(text: str) -> str:
    return " ".join(text.split())


def test_briefing_as_word_and_pdf_carries_the_organisations_and_headline_figures(
    corpus_db, run_cli, tmp_path
):
    md, word, pdf = tmp_path / "b.md", tmp_path / "b.docx", tmp_path / "b.pdf"
    code, stdout, err = run_cli(
        "--db",
        corpus_db,
        "export",
        "briefing",
        "--evidence",
        "keyword",
        "--out",
        md,
        "--docx",
        word,
        "--pdf",
        pdf,
    )
    assert code == 0, err
    assert stdout == ""
    markdown = md.read_text(encoding="utf-8")
    figures = headline_figures(markdown)
    assert len(figures) >= 4 and any("organisations" in f for f in figures)
    organisations = organisations_with_actions(corpus_db)
    assert len(organisations) >= 5

    document = docx.Document(str(word))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", report_title(markdown))
    assert ("Heading 2", "Headline figures") in headings
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert figures == bullets[: len(figures)]
    # Real tables: the organisations x recommendations grid has a header row and a row per organisation.
    grid = document.tables[0]
    assert [c.text for c in grid.rows[0].cells][:2] == ["Organisation", "R1"]
    assert {row.cells[0].text for row in grid.rows[1:]} == set(organisations)
    # Quotes are in Word's Quote style, numbered against a references list naming the documents.
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes and all(re.search(r"\[\d+\]$", q) for q in quotes)
    texts = [p.text for p in document.paragraphs]
    references = texts[texts.index("References") + 1 :]
    assert references[0].startswith("[1] ")
    assert document.core_properties.title == report_title(markdown)
    assert document.core_properties.author == "Roundtable Desk"
    word_text = flat(docx_text(word))
    for name in organisations:
        assert name in word_text

    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS
    pages = len(reader.pages)
    first, last = (" ".join(reader.pages[i].extract_text().split()) for i in (0, -1))
    assert f"page 1 of {pages}" in first and f"page {pages} of {pages}" in last
    assert reader.metadata.title == report_title(markdown)
    text = pdf_text(pdf)
    for item in [*organisations, *figures, "Headline figures"]:
        assert flat(item) in text, item


@pytest.mark.parametrize("redact", [False, True])
def test_redaction_holds_in_word_and_pdf(corpus_db, run_cli, tmp_path, redact):
    word, pdf = tmp_path / "b.docx", tmp_path / "b.pdf"
    flags = ["--redact"] if redact else []
    code, _stdout, err = run_cli(
        "--db", corpus_db, "export", "briefing", "--evidence", "keyword", "--docx", word, "--pdf", pdf, *flags
    )
    assert code == 0, err
    xml, text = docx_xml(word), pdf_text(pdf)
    metadata = str(pypdf.PdfReader(str(pdf)).metadata)
    for secret in SECRETS:
        assert (secret in xml) is not redact, secret
        assert (secret in text) is not redact, secret
        assert secret not in metadata
    assert ("Redacted for onward circulation" in docx_text(word)) is redact
    assert ("Redacted for onward circulation" in text) is redact
    if redact:
        assert "[email redacted]" in docx_text(word) and "[email redacted]" in text


KINDS = [
    ("recommendation", "9"),
    ("organisation", "Moorland ICB"),
    ("roundtable", "1"),
    ("briefing", None),
    ("tracker", None),
]


def test_every_report_kind_exports_to_word_and_pdf(corpus_db, run_cli, tmp_path):
    from knowledge.reports import kinds

    assert {kind for kind, _ in KINDS} == set(kinds())  # a new kind joins this list
    for kind, target in KINDS:
        word, pdf = tmp_path / f"{kind}.docx", tmp_path / f"{kind}.pdf"
        argv = ["--db", corpus_db, "export", kind, *([target] if target else []), "--evidence", "none"]
        code, markdown, err = run_cli(*argv, "--docx", word, "--pdf", pdf)
        assert code == 0, (kind, err)
        title = report_title(markdown)
        assert docx.Document(str(word)).paragraphs[0].text == title
        assert pypdf.PdfReader(str(pdf)).metadata.title == title
        assert flat(title) in pdf_text(pdf)


def test_out_picks_the_format_by_its_suffix(corpus_db, run_cli, tmp_path):
    word, pdf = tmp_path / "r9.docx", tmp_path / "r9.pdf"
    assert run_cli("--db", corpus_db, "export", "recommendation", "9", "--out", word, "--evidence", "none")[
        :2
    ] == (
        0,
        "",
    )
    assert zipfile.is_zipfile(word) and "word/document.xml" in zipfile.ZipFile(word).namelist()
    assert (
        run_cli("--db", corpus_db, "export", "recommendation", "9", "--out", pdf, "--evidence", "none")[0]
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_failed_pdf_is_one_line_and_leaves_the_last_one_whole(corpus_db, run_cli, tmp_path, monkeypatch):
    import desktop.exporters

    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(b"%PDF the board's copy")
    monkeypatch.setattr(desktop.exporters.sys, "executable", "/bin/false")  # the PDF writer dies
    code, _stdout, err = run_cli("--db", corpus_db, "export", "tracker", "--pdf", pdf)
    assert code == 1
    assert err.strip().splitlines() == ["roundtable: the PDF writer stopped (exit 1)"]
    assert pdf.read_bytes() == b"%PDF the board's copy"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".b.pdf")] == []  # no temporary left

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _stdout, err = run_cli("--db", corpus_db, "export", "tracker", "--docx", blocker / "t.docx")
    assert (
        code == 1 and len(err.strip().splitlines()) == 1 and "cannot write" in err and "Traceback" not in err
    )


def test_word_shows_stored_text_literally_and_splits_joined_quotes():
    markdown = (
        "# A &lt;script&gt; \\*title\\*\n\n"
        "| Organisation | % |\n|---|---|\n| Smith &amp; Co \\| Ltd | 40% |\n\n"
        "> First passage.\n>\n> — *Doc one*, p. 2\n\n"
        "> Second passage.\n>\n> — *Doc two*, section “Intro”\n"
    )
    blocks = parse_html(render_html(markdown, "t"))
    assert [b.kind for b in blocks] == ["heading", "table", "quote", "quote"]
    assert blocks[0].text == "A <script> *title*"
    assert [[c[0].text for c in row] for row in blocks[1].rows] == [
        ["Organisation", "%"],
        ["Smith & Co | Ltd", "40%"],
    ]
    assert blocks[1].header_rows == 1
    assert [b.paragraphs[0][0].text for b in blocks[2:]] == ["First passage.", "Second passage."]
    assert ["".join(r.text for r in b.citation) for b in blocks[2:]] == [
        "Doc one, p. 2",
        "Doc two, section “Intro”",
    ]


def test_the_reports_page_saves_word_pdf_and_excel(qtbot, corpus_window, tmp_path):
    import openpyxl

    page = corpus_window.go_to("export")
    with qtbot.waitSignal(page.previewReady, timeout=20000):
        page.show_item(kind="briefing", redact=True)
    assert not page.save_buttons["xlsx"].isEnabled()  # a briefing has no spreadsheet form
    for fmt in ("docx", "pdf"):
        with qtbot.waitSignal(page.saved, timeout=30000):
            page.save(tmp_path / f"briefing.{fmt}", fmt)
    assert "@harbourside-icb" not in docx_xml(tmp_path / "briefing.docx")
    assert "Headline figures" in pdf_text(tmp_path / "briefing.pdf")
    assert "@harbourside-icb" not in pdf_text(tmp_path / "briefing.pdf")

    with qtbot.waitSignal(page.previewReady, timeout=20000):
        page.show_item(kind="tracker", redact=False)
    assert page.save_buttons["xlsx"].isEnabled()
    with qtbot.waitSignal(page.saved, timeout=30000):
        page.save(tmp_path / "tracker.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "tracker.xlsx")["Tracker"]
    count = corpus_window.db.execute("SELECT count(*) FROM actions").fetchone()[0]
    assert sheet.max_row == count + 1


def test_a_table_too_wide_for_portrait_turns_the_page(corpus_db, run_cli, tmp_path):
    """The tracker's dozen columns are set on landscape A4, each column at least its longest word wide."""
    from docx.enum.section import WD_ORIENT

    word, pdf = tmp_path / "tracker.docx", tmp_path / "tracker.pdf"
    code, _stdout, err = run_cli("--db", corpus_db, "export", "tracker", "--docx", word, "--pdf", pdf)
    assert code == 0, err
    section = docx.Document(str(word)).sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    for page in pypdf.PdfReader(str(pdf)).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS[::-1]
    text = pdf_text(pdf)
    for word_ in ("2024-06-30", "Recommendation", "Organisation"):
        assert word_ in text  # no date or header broken across two lines
