"""Office packages (.docx .xlsx .pptx .odt are ZIP archives): refused before parsing when damaged, of
another format, or a zip bomb."""

from __future__ import annotations

import zipfile
from pathlib import Path

from knowledge.ingest.base import IngestError

# The part that tells each package format apart, and what to call a file that has it.
MAIN_PARTS = (
    ("word/document.xml", "a Word document", ".docx"),
    ("xl/workbook.xml", "an Excel workbook", ".xlsx"),
    ("ppt/presentation.xml", "a PowerPoint presentation", ".pptx"),
    ("content.xml", "an OpenDocument file", ".odt"),
)
# Past this a member is a zip bomb or an ordinary file the size of a book shelf: refused from the ZIP
# directory, before a byte is unpacked (zipfile never unpacks more than a member's declared size).
MAX_UNPACKED_BYTES = 256 * 2**20


def _size(count: int) -> str:
    return f"{count / 2**20:,.0f} MB" if count >= 2**20 else f"{max(count, 1) / 1024:,.0f} KB"


def check_package(
    path: Path, *, main: str, label: str, unreadable: str, limit: int = MAX_UNPACKED_BYTES
) -> list[zipfile.ZipInfo]:
    """The members of an Office package whose main part is `main` (label: 'a Word document'), after
    checking it is a sound ZIP archive of that format whose XML unpacks to at most `limit` bytes. The
    failures say what the file is: "not a Word document (it looks like an Excel workbook)"."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise IngestError(f"{unreadable} (damaged or truncated ZIP package)") from exc
    names = {m.filename for m in members}
    if main not in names:
        other = next(((what, ext) for part, what, ext in MAIN_PARTS if part in names and part != main), None)
        if other:
            rename = f"; rename it to {other[1]}" if other[1] != path.suffix.lower() else ""
            raise IngestError(f"not {label} (it looks like {other[0]}){rename}")
        # An Office Open XML package names its main part in [Content_Types].xml: it may be called otherwise.
        if "[Content_Types].xml" not in names or main == "content.xml":
            raise IngestError(f"not {label} (a ZIP archive without {main})")
    xml = [m for m in members if m.filename.endswith((".xml", ".rels"))]
    unpacked = sum(m.file_size for m in xml)
    if unpacked > limit:
        packed = sum(m.compress_size for m in xml)
        # Ordinary XML packs about ten to one; two hundred to one is made to be unpacked by a victim.
        bomb = f" from {_size(packed)}: a zip bomb" if unpacked > 200 * max(packed, 1) else ""
        raise IngestError(
            f"too large: the file unpacks to {_size(unpacked)} of XML{bomb} (the limit is {_size(limit)};"
            " split the file)"
        )
    return members
