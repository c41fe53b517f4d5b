"""Hostile files for the import tests: what a messy shared drive holds, for every supported extension."""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pdfs

TEXT_EXTENSIONS = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".csv", ".jsonl")
EXTENSIONS = (*TEXT_EXTENSIONS, ".pdf", ".docx")

SENTENCE = "The integrated care board agreed to publish its digital procurement strategy by March."


@dataclass
class Case:
    """One file of the folder and what importing it must do."""

    name: str  # relative to the folder
    data: bytes
    reason: str | None  # a fragment of the one-line failure reason; None when the file must import
    phrase: str | None = None  # for a file that imports: text that must be found in its passages

    @property
    def fails(self) -> bool:
        return self.reason is not None


# -- building blocks -----------------------------------------------------------------------------------------


def pdf_bytes(lines: list[str], image_bytes: int = 0, seed: int = 1) -> bytes:
    """A one-page PDF with the given lines of Helvetica text and, optionally, an RGB image of about
    image_bytes bytes of noise (a scan, as far as size goes)."""
    return pdfs.pdf_bytes([lines], image_bytes=image_bytes, seed=seed)


def docx_bytes(paragraphs: list[str], title: str = "Board paper") -> bytes:
    """A real Word document made with python-docx."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_with_body(body_xml: str) -> bytes:
    """A python-docx document whose word/document.xml body is replaced by body_xml."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["placeholder"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                start = text.index("<w:body>") + len("<w:body>")
                end = text.index("<w:sectPr")
                data = (text[:start] + body_xml + text[end:]).encode("utf-8")
            target.writestr(item, data)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# -- workbooks, slide decks, OpenDocument text and scans (issue 13) -----------------------------------------

TRACKER_HEADER = ["Ref", "Organisation", "Action", "Owner", "Due date", "Status", "% complete"]


def xlsx_bytes(sheets: dict[str, list[list[object]]], *, title_merge: str | None = None) -> bytes:
    """A workbook made with openpyxl: one sheet per entry, rows as given (None for an empty cell);
    datetime values are real Excel dates and floats in a '% complete' column are formatted as percent.
    title_merge ("A1:G1") merges the first sheet's title cells, as tracker templates do."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, float) and 0 <= cell.value <= 1:
                    cell.number_format = "0%"
                elif hasattr(cell.value, "year"):
                    cell.number_format = "dd/mm/yyyy"
    if title_merge:
        workbook.worksheets[0].merge_cells(title_merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def big_xlsx(name: str, rows: object) -> bytes:
    """A one-sheet workbook streamed by openpyxl's write-only mode (fast for tens of thousands of rows)."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(name)
    for row in rows:  # type: ignore[attr-defined]
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tracker_workbook(rows: list[list[object]], *, notes: bool = True) -> bytes:
    """An ICB tracker as people keep one: a merged title row, a blank row, the header, the rows; and a
    second sheet of notes that is no tracker."""
    sheets = {"Actions": [["Moorland ICB - AI in imaging action tracker"], [], TRACKER_HEADER, *rows]}
    if notes:
        sheets["Notes"] = [["About this workbook"], ["Kept by the digital team; updated every month."]]
    return xlsx_bytes(sheets, title_merge="A1:G1")


def pptx_bytes(slides: list[tuple[str, list[str], str]]) -> bytes:
    """A deck made with python-pptx: (title, bullet lines, speaker notes) per slide."""
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    for title, lines, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])  # title and content
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = lines[0] if lines else ""
        for line in lines[1:]:
            body.add_paragraph().text = line
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        if title.endswith("(table)"):
            table = slide.shapes.add_table(3, 2, Inches(1), Inches(5), Inches(6), Inches(1)).table
            for r, row in enumerate([["Trust", "Status"], ["Westmoor", "Live"], ["Kingsbridge", "Pilot"]]):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


ODT_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
    ' xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def odt_bytes(body_xml: str, *, title: str | None = None) -> bytes:
    """An OpenDocument text as LibreOffice packs one, with body_xml inside office:text; the automatic
    paragraph style "PageBreak" starts a new page."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NAMESPACES}'
        ' office:version="1.3">'
        '<office:automatic-styles><style:style style:name="PageBreak" style:family="paragraph"'
        ' style:parent-style-name="Standard"><style:paragraph-properties fo:break-before="page"/>'
        "</style:style></office:automatic-styles>"
        f"<office:body><office:text>{body_xml}</office:text></office:body></office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODT_NAMESPACES}><office:meta>'
        + (f"<dc:title>{title}</dc:title>" if title else "")
        + "</office:meta></office:document-meta>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return out.getvalue()


def docx_pages(pages: list[list[str]], *, heading: str | None = None, table_on_page: int = 0) -> bytes:
    """A Word document (python-docx) whose pages are separated by explicit page breaks, as a person
    makes them with Ctrl+Enter; optionally a table on one page."""
    import docx

    document = docx.Document()
    if heading:
        document.add_heading(heading, level=1)
    for number, paragraphs in enumerate(pages, start=1):
        if number > 1:
            document.add_page_break()
        for text in paragraphs:
            document.add_paragraph(text)
        if number == table_on_page:
            table = document.add_table(rows=3, cols=3)
            for r, row in enumerate(
                [
                    ["Organisation", "Action", "Status"],
                    ["Moorland ICB", "Publish the procurement strategy", "In progress"],
                    ["Westmoor Trust", "Form the AI team", "Done"],
                ]
            ):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def scan_image(lines: list[str], size: tuple[int, int] = (1100, 360)) -> object:
    """A page of printed lines as a scanner sees it: black text on white, as a PIL image (Pillow's own
    font, so no system font is needed)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", size, 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=34)
    for index, line in enumerate(lines):
        draw.text((50, 50 + index * 70), line, fill=20, font=font)
    return image


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages are only images of text (no text layer at all), as a scanner writes one."""
    images = [scan_image(lines).convert("RGB") for lines in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def zip_bomb(name: str, members: dict[str, bytes], bomb_member: str, megabytes: int = 300) -> bytes:
    """A ZIP package holding members and, under bomb_member, `megabytes` MB of one repeated byte: a few
    hundred KB on disk."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
        with archive.open(bomb_member, "w") as handle:
            block = b"<" * 2**20
            for _ in range(megabytes):
                handle.write(block)
    return out.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def good_text(ext: str, body: str) -> str:
    """body as a small, valid file of the given text extension."""
    if ext in (".html", ".htm"):
        return f"<html><head><title>Hostile test page</title></head><body><p>{body}</p></body></html>"
    if ext == ".csv":
        return f"Organisation,Action,Status\nMoorland ICB,{body.replace(',', ' ')},Open\n"
    if ext == ".jsonl":
        return json.dumps({"id": f"doc{ext}", "title": "A line", "text": body}, ensure_ascii=False) + "\n"
    if ext in (".md", ".markdown"):
        return f"# Notes\n\n{body}\n"
    return f"Notes\n\n{body}\n"


# -- the cases -----------------------------------------------------------------------------------------------


def _per_extension(rng: random.Random, good_pdf: bytes, good_docx: bytes) -> list[Case]:
    """Empty, blank, random, truncated, NUL-containing and PNG-content files of every extension."""
    out = []
    for ext in EXTENSIONS:
        stem = ext.lstrip(".")
        random_reason = {".pdf": "not a PDF file", ".docx": "not a Word .docx file"}.get(ext, "binary data")
        out += [
            Case(f"empty-{stem}{ext}", b"", "the file is empty"),
            Case(f"blank-{stem}{ext}", b"  \n\n\t \r\n  ", "the file is empty"),
            Case(f"random-{stem}{ext}", rng.randbytes(20_000), random_reason),
        ]
    for ext in TEXT_EXTENSIONS:
        stem = ext.lstrip(".")
        good = good_text(ext, f"Truncated {stem} file: {SENTENCE} Café naïve résumé").encode("utf-8")
        # Cut inside the two bytes of "é": the last character is lost, not the whole file's encoding.
        cut = good[: good.index("é".encode()) + 1]
        # A JSON line cut short has lost its closing quote and brace.
        truncated = Case(f"truncated-{stem}{ext}", cut, "not valid JSON" if ext == ".jsonl" else None)
        truncated.phrase = None if truncated.fails else f"Truncated {stem} file"
        nul = good_text(ext, f"Null bytes in a {stem} file: {SENTENCE}").encode("utf-8")
        nul = nul.replace(b"agreed", b"ag\x00reed", 1).replace(b"digital", b"digital\x00\x00", 1)
        out += [
            truncated,
            Case(
                f"nul-{stem}{ext}",
                nul,
                None,
                f"Null bytes in a {stem} file: The integrated care board agreed",
            ),
            Case(f"png-as-{stem}{ext}", PNG, "binary data, not text (it looks like a PNG image)"),
        ]
    return out + [
        Case("truncated-pdf.pdf", good_pdf[: len(good_pdf) // 2], "broken PDF structure"),
        Case("truncated-docx.docx", good_docx[: len(good_docx) // 2], "damaged or truncated ZIP package"),
    ]


def _wrongly_named(good_pdf: bytes, good_docx: bytes) -> list[Case]:
    not_word = "not a Word document"
    return [
        Case("pdf-named.docx", good_pdf, "not a Word .docx file (it looks like a PDF document)"),
        Case("png-named.pdf", PNG, "not a PDF file (it looks like a PNG image)"),
        Case("zip-named.pdf", zip_bytes({"a.txt": b"x"}), "not a PDF file (it looks like a ZIP archive)"),
        Case("text-named.pdf", SENTENCE.encode() * 3, "not a PDF file (it looks like plain text)"),
        Case("docx-named.txt", good_docx, "binary data, not text (it looks like a ZIP archive)"),
        Case("pdf-named.md", good_pdf, "binary data, not text (it looks like a PDF document)"),
        Case(
            "zip-without-document.docx",
            zip_bytes({"notes/readme.txt": b"hello"}),
            f"{not_word} (a ZIP archive without word/document.xml)",
        ),
        Case(
            "workbook-named.docx",
            zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
            f"{not_word} (it looks like an Excel workbook)",
        ),
    ]


ENCODED_PHRASE = "Café board – naïve £180 budget"


def _encodings() -> list[Case]:
    """Legacy cp1252, UTF-16 with and without a BOM, UTF-8 with a stray byte: each imports intact."""
    text = f"{ENCODED_PHRASE}. {SENTENCE}"
    stray = good_text(".txt", text).encode().replace(b"board agreed", b"board \xff agreed")
    out = [
        Case("cp1252-page.html", good_text(".html", text).encode("cp1252"), None, ENCODED_PHRASE),
        Case("utf8-stray-byte.txt", stray, None, ENCODED_PHRASE),  # still UTF-8, not cp1252 mojibake
    ]
    for ext in (".txt", ".md", ".csv"):
        stem, data = ext.lstrip("."), good_text(ext, text)
        out += [
            Case(f"cp1252-{stem}{ext}", data.encode("cp1252"), None, ENCODED_PHRASE),
            Case(f"utf16-bom-{stem}{ext}", data.encode("utf-16"), None, ENCODED_PHRASE),
            Case(f"utf16le-nobom-{stem}{ext}", data.encode("utf-16-le"), None, ENCODED_PHRASE),
            Case(f"utf16be-nobom-{stem}{ext}", data.encode("utf-16-be"), None, ENCODED_PHRASE),
        ]
    return out


JSONL_GOOD = ("Good jsonl line one survives.", "Good jsonl line two survives.")


def _nested() -> list[Case]:
    """100,000 nested <div>s and JSON arrays, 5,000-deep quotes, 300-deep Word tables."""
    depth = 100_000
    html = "<html><body>" + "<div>" * depth + "Deeply nested page text." + "</div>" * depth + "</body></html>"
    quotes = "\n".join(
        [">" * 5000 + " Quote 5000 levels deep."] + [">" * n + f" Level {n}." for n in range(999)]
    )
    lists = "\n".join(" " * level + f"- item {level}" for level in range(1000))
    lines = [
        json.dumps({"id": "ok1", "title": "Good line one", "text": JSONL_GOOD[0]}),
        '{"id": "deep", "text": "x", "meta": ' + "[" * depth + "]" * depth + "}",
        "{not json at all",
        json.dumps({"id": "notext", "title": "No text"}),
        '{"id": "digits", "text": ' + "1" * 5000 + "}",  # past Python's 4,300-digit integer limit
        json.dumps({"id": "ok2", "title": "Good line two", "text": JSONL_GOOD[1]}),
    ]
    tables = (
        "<w:tbl><w:tr><w:tc>" * 300 + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + "</w:tc></w:tr></w:tbl>" * 300
    )
    return [
        Case("nested-divs.html", html.encode(), None, "Deeply nested page text"),
        Case(
            "nested-quotes.md", f"# Quotes\n\n{quotes}\n\n{lists}\n".encode(), None, "Quote 5000 levels deep"
        ),
        Case(
            "nested-lines.jsonl", "\n".join(lines).encode(), "line 2: not readable JSON (nested too deeply)"
        ),
        Case("nested-tables.docx", docx_with_body(tables), "nested too deeply"),
    ]


def _odd() -> list[Case]:
    """A CSV field past the csv module's 128 KB limit, and file names with line breaks and emoji."""
    field = "Enormous field " + "word " * 60_000
    return [
        Case(
            "enormous-field.csv",
            f"Organisation,Action\nMoorland ICB,{field}\n".encode(),
            None,
            "Enormous field",
        ),
        Case("line\nbreak name.txt", f"Odd name. {SENTENCE}".encode(), None, "Odd name"),
        Case("bad\nname.pdf", b"not a pdf at all", "not a PDF file (it looks like plain text)"),
        Case("emoji 📄 café – name.md", f"# Emoji\n\nEmoji name. {SENTENCE}".encode(), None, "Emoji name"),
    ]


# -- files from real organisations (issue 16) ---------------------------------------------------------


def late_quote_csv(rows_before: int = 300) -> bytes:
    """An Excel-style tracker whose first doubled quote (and first quoted comma) comes after 10,000
    characters, past any sample a dialect sniffer would read."""
    lines = ["Organisation,Action,Owner,Due,Status"]
    row = "Trust {0},Plain action number {0} of the tracker,Lead {0},2024-06-30,planned"
    lines += [row.format(i) for i in range(rows_before)]
    lines.append(
        'Westmoor Trust,"Adopt the ""AI first"" policy, then review it",Head of Digital,2024-09-30,blocked'
    )
    lines.append("Kingsbridge Trust,Write the job plans,Radiology Manager,2024-10-01,done")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def encrypted_pdf(lines: list[str], user_password: str = "", owner_password: str = "owner") -> bytes:
    """A PDF encrypted with AES-256 by pypdf's own writer; an empty user password opens it without asking."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes(lines)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def glyph_name_pdf(text: str, ascii_codes: bool = True) -> bytes:
    """A one-page PDF whose font has no Unicode map and names every glyph /gNN, so pypdf reads "/g79/g118...".
    With ascii_codes the byte codes are the letters' own (PDFium then reads the text); otherwise they are
    1, 2, 3... and no reader can recover the letters."""
    letters = sorted(set(text))
    codes = {c: (ord(c) if ascii_codes else i + 1) for i, c in enumerate(letters)}
    shown = "".join(c if ascii_codes and c not in "()\\" else f"\\{codes[c]:03o}" for c in text)
    diffs = " ".join(f"{codes[c]} /g{codes[c]}" for c in letters)
    content = f"BT /F1 12 Tf 72 720 Td ({shown}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+Custom /Encoding << /Type /Encoding"
        b" /Differences [" + diffs.encode() + b"] >> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def docx_with_comment() -> bytes:
    """A Word document with an XML comment and a processing instruction among the body's paragraphs."""
    return docx_with_body(
        "<!-- written by a converter --><w:p><w:r><w:t>Commented Word paragraph survives.</w:t></w:r></w:p>"
        "<?producer legacy?><w:p><w:r><w:t>" + SENTENCE + "</w:t></w:r></w:p><!-- end -->"
    )


def _real_world() -> list[Case]:
    """The kinds issue 16 found in real organisations' files: each good one imports, each bad one is named."""
    return [
        Case("late-quote-tracker.csv", late_quote_csv(), None, 'Adopt the "AI first" policy'),
        Case(
            "aes-owner-only.pdf",
            encrypted_pdf(["Owner password only, opened without asking.", SENTENCE]),
            None,
            "Owner password only",
        ),
        Case("aes-user-password.pdf", encrypted_pdf([SENTENCE], user_password="secret"), "encrypted PDF"),
        Case("glyph-names-recoverable.pdf", glyph_name_pdf("Overview of the pilot"), None, "Overview of the"),
        Case("glyph-names-only.pdf", glyph_name_pdf("Unmapped font", ascii_codes=False), "glyph names"),
        Case("comment-in-body.docx", docx_with_comment(), None, "Commented Word paragraph"),
    ]


def write_hostile(folder: Path, seed: int = 7) -> list[Case]:
    """Write every hostile case but the huge files into folder; returns what each must do."""
    rng = random.Random(seed)
    good_pdf = pdfs.four_page_pdf()
    good_docx = docx_bytes([f"Good Word paragraph. {SENTENCE}"])
    cases = _per_extension(rng, good_pdf, good_docx) + _wrongly_named(good_pdf, good_docx)
    cases += _encodings() + _nested() + _odd() + _real_world()
    cases += _new_formats(rng)
    for case in cases:
        (folder / case.name).write_bytes(case.data)
    return cases + _raw_name(folder) + _links(folder)


def _raw_name(folder: Path) -> list[Case]:
    """A file whose name is not UTF-8 (Latin-1 "é", as written from an old Windows share)."""
    data = f"Latin name. {SENTENCE}".encode()
    with open(os.fsencode(folder) + b"/latin1-caf\xe9.txt", "wb") as handle:
        handle.write(data)
    return [Case(os.fsdecode(b"latin1-caf\xe9.txt"), data, None, "Latin name")]


def _links(folder: Path) -> list[Case]:
    """A broken link, a link to itself, a link back to the folder (a loop when followed) and a pipe."""
    (folder / "broken-link.txt").symlink_to(folder / "does-not-exist.txt")
    (folder / "self-loop.md").symlink_to(folder / "self-loop.md")
    (folder / "sub").mkdir()
    (folder / "sub" / "back-to-parent").symlink_to(folder, target_is_directory=True)
    inside = f"Inside a subfolder. {SENTENCE}".encode()
    (folder / "sub" / "inside.txt").write_bytes(inside)
    os.mkfifo(folder / "pipe.txt")  # reading it would wait forever
    return [
        Case("broken-link.txt", b"", "a broken link"),
        Case("self-loop.md", b"", "a link that loops back on itself"),
        Case("sub/inside.txt", inside, None, "Inside a subfolder"),
        Case("pipe.txt", b"", "not a regular file"),
    ]


WORD_PARAGRAPH = (
    "<w:p><w:r><w:t>The board agreed to publish the strategy by March next year.</w:t></w:r></w:p>"
)


def write_huge(folder: Path) -> list[Case]:
    """Files of tens of MB: text past the limit (refused quickly) and a PDF that is big only for its image."""
    line = f"{SENTENCE} Row of a very long report.\n"
    rows = "Moorland ICB,Publish the strategy by March,Open\n"
    cases = [
        Case("huge.txt", (line * (30_000_000 // len(line))).encode(), "too much text: "),
        Case("huge.csv", ("Organisation,Action,Status\n" + rows * 650_000).encode(), "too much text: "),
        Case(
            "huge-one-line.html",
            b"<html><body><p>" + b"Word " * 4_000_000 + b"</p></body></html>",
            "too much text: ",
        ),
        Case("huge-report.docx", docx_with_body(WORD_PARAGRAPH * 400_000), "too much text: "),
        Case(
            "huge-scan.pdf",
            pdf_bytes(["Scanned report with a short typed cover note."], image_bytes=30_000_000),
            None,
            "short typed cover note",
        ),
    ]
    for case in cases:
        (folder / case.name).write_bytes(case.data)
        case.data = b""  # tens of MB need not stay in memory
    with open(folder / "sparse-300mb.pdf", "wb") as handle:  # 300 MB of nothing, written instantly
        handle.truncate(300 * 2**20)
    return [
        *cases,
        Case("sparse-300mb.pdf", b"", "file too large: 300 MB (the limit is 256 MB"),
        *_huge_new(folder),
    ]


# -- the formats of issue 13 -------------------------------------------------------------------------------

# What a folder import reads of them (PNG and JPEG files are read only when named: see named_images).
NEW_EXTENSIONS = (".xlsx", ".xlsm", ".pptx", ".odt", ".tif", ".tiff")
_NOT_THIS = {
    ".xlsx": "not an Excel workbook file",
    ".xlsm": "not an Excel workbook file",
    ".pptx": "not a PowerPoint .pptx file",
    ".odt": "not an OpenDocument text file",
    ".tif": "not a TIFF image file",
    ".tiff": "not a TIFF image file",
}
TRACKER_PHRASE = "Publish the imaging AI procurement strategy"


def lying_dimension_xlsx(data: bytes) -> bytes:
    """The workbook with its first sheet claiming to span A1:XFD1048576 (as some exporters write it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode("utf-8")
                start = text.index("<dimension")
                text = text[:start] + '<dimension ref="A1:XFD1048576"/>' + text[text.index(">", start) + 1 :]
                body = text.encode("utf-8")
            target.writestr(item, body)
    return out.getvalue()


def _new_formats(rng: random.Random) -> list[Case]:
    """Empty, blank, random, truncated, disguised and zip-bomb workbooks, decks, ODTs and TIFFs; and good
    ones (a tracker whose sheet claims a million rows among them)."""
    out = []
    for ext in NEW_EXTENSIONS:
        stem = ext.lstrip(".")
        out += [
            Case(f"empty-{stem}{ext}", b"", "the file is empty"),
            Case(f"blank-{stem}{ext}", b"  \n\n\t \r\n  ", "the file is empty"),
            Case(f"random-{stem}{ext}", rng.randbytes(20_000), _NOT_THIS[ext]),
        ]
    row = ["T1", "Moorland ICB", TRACKER_PHRASE, "Head of Digital", None, "Planned", 0.1]
    tracker = tracker_workbook([row])
    deck = pptx_bytes([("Roundtable slides", ["Bring IT in from the very start"], "Speaker notes survive.")])
    odt = odt_bytes("<text:p>OpenDocument minutes survive the drive.</text:p>")
    tiff = io.BytesIO()
    scan_image(["A fax"]).save(tiff, "TIFF")
    package = {"[Content_Types].xml": b"<Types/>"}
    workbook_part, deck_part = {"xl/workbook.xml": b"<workbook/>"}, {"ppt/presentation.xml": b"<p/>"}
    return out + [
        Case("tracker-good.xlsx", tracker, None, TRACKER_PHRASE),
        Case("tracker-lying-size.xlsx", lying_dimension_xlsx(tracker), None, TRACKER_PHRASE),
        Case("deck-good.pptx", deck, None, "Bring IT in from the very start"),
        Case("minutes-good.odt", odt, None, "OpenDocument minutes survive"),
        Case("truncated-xlsx.xlsx", tracker[: len(tracker) // 2], "damaged or truncated ZIP package"),
        Case("truncated-pptx.pptx", deck[: len(deck) // 2], "damaged or truncated ZIP package"),
        Case("truncated-odt.odt", odt[: len(odt) // 2], "damaged or truncated ZIP package"),
        Case("truncated-tif.tif", tiff.getvalue()[:400], "not a readable image"),
        Case(
            "docx-named.xlsx", docx_bytes([SENTENCE]), "(it looks like a Word document); rename it to .docx"
        ),
        # Other bytes than the good files', which would be skipped as already imported before being read.
        Case(
            "xlsx-named.pptx", tracker_workbook([]), "(it looks like an Excel workbook); rename it to .xlsx"
        ),
        Case(
            "pptx-named.odt", pptx_bytes([]), "(it looks like a PowerPoint presentation); rename it to .pptx"
        ),
        Case(
            "pdf-named.xlsx",
            pdfs.four_page_pdf(),
            "not an Excel workbook file (it looks like a PDF document)",
        ),
        Case(
            "bomb.xlsx", zip_bomb("b", package | workbook_part, "xl/worksheets/sheet1.xml", 150), "zip bomb"
        ),
        Case("bomb.pptx", zip_bomb("b", package | deck_part, "ppt/slides/slide1.xml", 150), "zip bomb"),
        Case("bomb.odt", zip_bomb("b", {"mimetype": b"x"}, "content.xml", 100), "zip bomb"),
    ]


def _huge_new(folder: Path) -> list[Case]:
    """A 50,000-row tracker sheet and a 300-page scan: each refused at once, with the limit."""
    rows = (
        [f"R{i}", "Moorland ICB", f"Action {i}", "Lead", "2024-09-30", "Planned", 10] for i in range(50_000)
    )
    (folder / "tracker-50000-rows.xlsx").write_bytes(big_xlsx("Actions", [TRACKER_HEADER, *rows]))
    (folder / "scan-300-pages.pdf").write_bytes(long_scan(300))
    return [
        Case("tracker-50000-rows.xlsx", b"", "too many rows: sheet 'Actions' has more than 10,000"),
        Case("scan-300-pages.pdf", b"", "300 scanned pages to recognise, the limit is 100"),
    ]


def long_scan(pages: int) -> bytes:
    """A scanned PDF of many small image-only pages (quick to write, as long as a book to recognise)."""
    page = scan_image(["A page of a very long scanned report"]).convert("RGB").resize((220, 72))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=30, save_all=True, append_images=[page] * (pages - 1))
    return buffer.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG that says it is width x height pixels (what a decompression bomb says)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def named_images(rng: random.Random) -> list[Case]:
    """Hostile PNG and JPEG files (imported only when named): each refused with its reason."""
    png, jpeg = io.BytesIO(), io.BytesIO()
    scan_image(["A photographed page"]).save(png, "PNG")
    scan_image(["A photographed page"]).save(jpeg, "JPEG")
    return [
        Case("empty.png", b"", "the file is empty"),
        Case("random.png", rng.randbytes(5_000), "not a PNG image file"),
        Case("random.jpg", rng.randbytes(5_000), "not a JPEG image file"),
        Case("jpeg-named.png", jpeg.getvalue(), "not a PNG image file (it looks like a JPEG image)"),
        Case("truncated.png", png.getvalue()[: len(png.getvalue()) // 2], "not a readable image"),
        Case("truncated.jpeg", jpeg.getvalue()[:300], "not a readable image"),
        Case("bomb.png", _png_header(50_000, 50_000), "image too large: 2,500,000,000 pixels"),
        Case("poster.png", _png_header(12_000, 11_000), "image too large: 12,000 x 11,000 pixels"),
    ]
