"""The formats a report is saved in (markdown, HTML, Word, PDF, Excel): one registry, by name or suffix.

No Qt here (the command line and the operations layer use it): the PDF is drawn by Qt in a child process
(desktop/pdf_export.py), so a command-line export needs no display and the window's UI thread never waits."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

# A board pack of a few hundred pages takes seconds; a child still running after this is stuck.
PDF_TIMEOUT_S = 300


class ExportError(Exception):
    """A report that could not be written in a format; str() is one line for the user."""


class Report(Protocol):
    """What an exporter needs: the markdown, its HTML and title, and the spreadsheet form if the kind has
    one (a callable building an openpyxl Workbook, or None)."""

    markdown: str
    html: str
    title: str
    workbook: Callable[[], Any] | None


@dataclass(frozen=True)
class Exporter:
    """One format: `write(report, path)` writes the whole file at path (a temporary beside the target;
    save() renames it into place); `workbook` says it needs the report's spreadsheet form."""

    name: str
    label: str
    suffixes: tuple[str, ...]
    write: Callable[[Report, Path], None]
    workbook: bool = False

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    @property
    def file_filter(self) -> str:
        """'Word document (*.docx)' for a file dialog."""
        return f"{self.label} (" + " ".join(f"*{s}" for s in self.suffixes) + ")"

    def available(self, report: Report) -> bool:
        return not self.workbook or report.workbook is not None


_EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> Exporter:
    _EXPORTERS[exporter.name] = exporter
    return exporter


def exporters() -> list[Exporter]:
    """Every format, in registration order (markdown first)."""
    return list(_EXPORTERS.values())


def get(name: str) -> Exporter:
    try:
        return _EXPORTERS[name]
    except KeyError:
        raise ValueError(f"unknown format {name!r}; choose one of {', '.join(_EXPORTERS)}") from None


def for_path(path: str | Path, default: str = "md") -> Exporter:
    """The format a file name asks for by its suffix (any other suffix: `default`)."""
    suffix = Path(path).suffix.lower()
    for exporter in _EXPORTERS.values():
        if suffix in exporter.suffixes:
            return exporter
    return get(default)


def save(report: Report, path: str | Path, name: str | None = None) -> str:
    """Write the report at `path` in format `name` (else the one its suffix names), whole or not at all:
    a failed export never leaves half a file over the last one. ExportError says why it failed."""
    from knowledge.files import replacing

    exporter = get(name) if name else for_path(path)
    if not exporter.available(report):
        raise ExportError(f"this report has no {exporter.label} form")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as tmp:
            exporter.write(report, tmp)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return str(path)


def _write_markdown(report: Report, path: Path) -> None:
    path.write_text(report.markdown, encoding="utf-8", newline="\n")  # the same bytes on every platform


def _write_html(report: Report, path: Path) -> None:
    path.write_text(report.html, encoding="utf-8", newline="\n")


def _write_docx(report: Report, path: Path) -> None:
    from knowledge.reports.docx import write_docx

    write_docx(report.html, report.title, path)


def _write_xlsx(report: Report, path: Path) -> None:
    assert report.workbook is not None  # save() checked available()
    report.workbook().save(str(path))


def _write_pdf(report: Report, path: Path) -> None:
    """Run desktop.pdf_export in a child process with Qt's offscreen platform (no display needed)."""
    from desktop.pdf_layout import prepare

    html, landscape = prepare(report.html)  # here: the child then needs nothing but Qt
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "desktop.pdf_export", str(path), "--title", report.title]
    command += ["--landscape"] if landscape else []
    try:
        done = subprocess.run(
            command, input=html.encode("utf-8"), capture_output=True, env=env, timeout=PDF_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise ExportError(f"the PDF took longer than {PDF_TIMEOUT_S} s and was abandoned") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExportError(lines[-1] if lines else f"the PDF writer stopped (exit {done.returncode})")


register(Exporter("md", "Markdown", (".md", ".markdown"), _write_markdown))
register(Exporter("html", "HTML page", (".html", ".htm"), _write_html))
register(Exporter("docx", "Word document", (".docx",), _write_docx))
register(Exporter("pdf", "PDF", (".pdf",), _write_pdf))
register(Exporter("xlsx", "Excel workbook", (".xlsx",), _write_xlsx, workbook=True))
