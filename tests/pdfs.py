"""PDFs the tests write themselves: raw PDF objects (Helvetica text, optional image) with a correct xref."""

from __future__ import annotations

import io
import random

# A board paper of four pages: a running header, body lines, and a page number at the foot of each page.
FOUR_PAGES = [
    [
        "Board paper - AI in imaging diagnostics",
        f"Section {n}: {topic}",
        f"The board discussed {topic.lower()} and agreed the next steps for page {n}.",
        "Each trust reports its progress to the integrated care board every quarter.",
        f"Page {n} of 4",
    ]
    for n, topic in enumerate(
        ["Workforce and capacity", "Procurement strategy", "Information governance", "Medical indemnity"],
        start=1,
    )
]


def pdf_bytes(
    pages: list[list[str]], *, title: str | None = None, image_bytes: int = 0, seed: int = 1
) -> bytes:
    """A PDF with one page per list of Helvetica text lines; optionally an RGB image of about image_bytes
    bytes of noise on the first page (a scan, as far as size goes) and a /Title in its metadata."""
    objects: list[bytes | None] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        None,  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for number, lines in enumerate(pages):
        resources = "/Font << /F1 3 0 R >>"
        content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({_escape(line)}) ' " for line in lines) + "ET"
        if image_bytes and number == 0:
            objects.append(_noise_image(image_bytes, seed))
            resources += f" /XObject << /Im1 {len(objects)} 0 R >>"
            content = "q 400 0 0 400 100 100 cm /Im1 Do Q " + content
        objects.append(_stream(b"<<", content.encode("latin-1")))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << {resources} >>"
            f" /Contents {len(objects)} 0 R >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    info = ""
    if title is not None:
        objects.append(f"<< /Title ({_escape(title)}) /Producer (roundtable tests) >>".encode())
        info = f" /Info {len(objects)} 0 R"
    return _file(objects, info)


def image_only_pdf() -> bytes:
    """A one-page scan: an image and no text at all."""
    objects: list[bytes | None] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        _noise_image(30_000, seed=3),
        _stream(b"<<", b"q 400 0 0 400 100 100 cm /Im1 Do Q"),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 3 0 R >> >>"
        b" /Contents 4 0 R >>",
    ]
    return _file(objects, "")


def broken_pdf() -> bytes:
    """A PDF whose header, objects and xref are sound but whose page tree is not (/Kids is no array)."""
    return _file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids 7 /Count 1 >>"], "")


def encrypted_pdf(data: bytes, user_password: str = "secret") -> bytes:
    """The PDF data encrypted (RC4-128); an empty user password opens without asking, as readers do."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def four_page_pdf() -> bytes:
    """The four-page board paper, with page numbers and a running header to strip."""
    return pdf_bytes(FOUR_PAGES, title="Board paper on AI in imaging")


def _noise_image(size: int, seed: int) -> bytes:
    side = int((size / 3) ** 0.5)
    pixels = random.Random(seed).randbytes(side * side * 3)
    header = f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceRGB"
    return _stream(header.encode() + b" /BitsPerComponent 8", pixels)


def _file(objects: list[bytes | None], info: str) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        assert body is not None
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _stream(dictionary_start: bytes, data: bytes) -> bytes:
    return dictionary_start + f" /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"
