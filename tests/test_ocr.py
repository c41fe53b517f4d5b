"""Scans become searchable: image-only PDF pages and image files read by the offline OCR engine, page
numbers kept, passages marked with the engine's confidence; progress, cancel and limits; a missing engine
named in the old "no extractable text" reason. The tests make their scans themselves."""

from __future__ import annotations

import io
import json
import random
import sys
import threading
import time

import pdfs
import pytest
from hostile_files import long_scan, named_images, scan_image, scanned_pdf

from desktop.operations.library import import_files
from knowledge.ingest import ocr
from knowledge.ingest.base import IngestError
from knowledge.ingest.pdf import ENCRYPTED, NO_TEXT
from knowledge.ingest.readers import read_file
from knowledge.library import document_passages, import_paths
from knowledge.workspace import open_db

MINUTES = [
    ["Minutes of the Kingsbridge imaging board", "Radiographers asked for protected training time"],
    ["The board agreed a synthetic data strategy", "Regulators will be consulted in the spring"],
    ["Medical indemnity for the fracture tool", "remains with the supplier until go live"],
]


@pytest.fixture
def scans(tmp_path):
    """A three-page scanned PDF, a PNG scan and a two-page TIFF, all without any text layer."""
    (tmp_path / "minutes-scan.pdf").write_bytes(scanned_pdf(MINUTES))
    scan_image(["Westmoor Trust action log", "Appoint a clinical safety officer"]).save(tmp_path / "log.png")
    first, second = (scan_image([f"Fax page {n}", f"Procurement framework item {n}"]) for n in (1, 2))
    first.save(tmp_path / "fax.tif", save_all=True, append_images=[second])
    return tmp_path


def test_a_scanned_pdf_is_found_by_keyword_on_its_page_and_marked_as_recognised(run_cli, scans, db_path):
    code, _, err = run_cli(
        "--db", db_path, "import", scans / "minutes-scan.pdf", scans / "log.png", "--no-index"
    )
    assert code == 0, err
    code, out, _ = run_cli("--db", db_path, "search", "synthetic", "--mode", "keyword", "--json")
    results = json.loads(out)["results"]
    assert code == 0 and results and results[0]["page"] == 2
    assert "data strategy" in results[0]["snippet"].lower()
    code, out, _ = run_cli("--db", db_path, "search", "safety officer", "--mode", "keyword", "--json")
    [png_hit] = [r for r in json.loads(out)["results"] if r["title"] == "Log"]
    assert png_hit["page"] == 1
    # Every passage says it was recognised from a scan, with the engine's confidence.
    db = open_db(db_path)
    [document_id] = [row[0] for row in db.execute("SELECT id FROM documents WHERE pages = 3")]
    passages = document_passages(db, document_id)
    assert sorted({p["page"] for p in passages}) == [1, 2, 3]
    assert all(0.5 <= p["ocr_confidence"] <= 1 for p in passages)
    db.conn.close()


def test_a_png_and_a_multi_page_tiff_are_read_page_by_page(scans):
    png = read_file(scans / "log.png")
    assert "clinical safety officer" in png.text.lower()
    assert {b.page for b in png.blocks} == {1} and all(b.ocr for b in png.blocks)
    tiff = read_file(scans / "fax.tif")
    assert tiff.pages == 2
    assert [(b.page, "item 1" in b.text or "item 2" in b.text) for b in tiff.blocks][-1] == (2, True)
    assert tiff.metadata["ocr"]["pages"] == [1, 2]


def test_a_pdf_of_typed_and_scanned_pages_keeps_each_as_it_is(fresh_db, tmp_path):
    import pypdf

    typed = pypdf.PdfReader(io.BytesIO(pdfs.pdf_bytes([["A typed cover page for the board."]])))
    scanned = pypdf.PdfReader(io.BytesIO(scanned_pdf(MINUTES[1:2])))
    writer = pypdf.PdfWriter()
    writer.add_page(typed.pages[0])
    writer.add_page(scanned.pages[0])
    path = tmp_path / "mixed.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    [outcome] = import_paths(fresh_db, [path])
    by_page = {p["page"]: p for p in document_passages(fresh_db, outcome.document_id)}
    assert by_page[1]["ocr_confidence"] is None and "typed cover page" in by_page[1]["text"]
    assert by_page[2]["ocr_confidence"] and "synthetic data" in by_page[2]["text"].lower()


def test_an_encrypted_scan_is_still_refused_for_its_password(tmp_path):
    path = tmp_path / "locked-scan.pdf"
    path.write_bytes(pdfs.encrypted_pdf(scanned_pdf(MINUTES[:1])))
    with pytest.raises(IngestError, match=f"^{ENCRYPTED}$"):
        read_file(path)


def test_without_the_engine_the_no_text_reason_names_what_is_missing(monkeypatch, scans):
    monkeypatch.setattr(ocr, "_ENGINE", None)
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if it were not installed
    with pytest.raises(IngestError) as pdf_error:
        read_file(scans / "minutes-scan.pdf")
    assert str(pdf_error.value).startswith(NO_TEXT)
    assert "text recognition unavailable: the rapidocr-onnxruntime package is not installed" in str(
        pdf_error.value
    )
    with pytest.raises(IngestError, match="needs text recognition, and the rapidocr-onnxruntime package"):
        read_file(scans / "log.png")


def test_recognition_reports_progress_and_stops_when_cancelled(fresh_db, scans):
    labels: list[str] = []

    def progress(done, total, label):
        labels.append(label)

    def cancel():  # the person presses Cancel once page 2 is being recognised
        return any("page 2 of 3" in label for label in labels)

    result = import_files(fresh_db, [str(scans / "minutes-scan.pdf")], progress=progress, cancel=cancel)
    assert "minutes-scan.pdf: recognising text, page 1 of 3" in labels
    assert result.value.cancelled
    [(_, reason)] = result.value.failed
    assert reason.startswith("import cancelled during text recognition")
    assert fresh_db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_a_300_page_scan_is_refused_at_once_with_the_limit(tmp_path):
    path = tmp_path / "long-scan.pdf"
    path.write_bytes(long_scan(300))
    started = time.perf_counter()
    with pytest.raises(IngestError, match="300 scanned pages to recognise, the limit is 100"):
        read_file(path)
    assert time.perf_counter() - started < 15  # refused before any page is recognised


def test_recognition_is_time_bounded(monkeypatch, scans):
    monkeypatch.setattr(ocr, "MAX_OCR_SECONDS", 0)
    with pytest.raises(IngestError, match="text recognition stopped after"):
        read_file(scans / "minutes-scan.pdf")


def test_a_photo_or_blank_scan_gives_no_text_not_noise(tmp_path):
    from PIL import Image

    Image.new("RGB", (800, 600), (250, 250, 250)).save(tmp_path / "blank.png")
    with pytest.raises(IngestError, match="^no text recognised in the image$"):
        read_file(tmp_path / "blank.png")


def test_hostile_images_named_to_the_import_fail_in_one_line_each(fresh_db, tmp_path):
    cases = named_images(random.Random(3))
    for case in cases:
        (tmp_path / case.name).write_bytes(case.data)
    outcomes = import_paths(fresh_db, [tmp_path / case.name for case in cases])
    for case, outcome in zip(cases, outcomes, strict=True):
        assert outcome.status == "failed" and case.reason in outcome.reason, (case.name, outcome.reason)
        assert "\n" not in outcome.reason and str(tmp_path) not in outcome.reason


def test_a_folder_import_reads_its_tiffs_but_leaves_pictures_alone(fresh_db, scans):
    outcomes = import_paths(fresh_db, [scans])
    assert sorted(o.path.rsplit("/", 1)[-1] for o in outcomes) == ["fax.tif", "minutes-scan.pdf"]


def test_the_window_recognises_a_scan_off_the_ui_thread_with_progress_and_cancel(
    qtbot, make_desk_window, scans, monkeypatch
):
    # The engine waits until the test listens to the job, so no page's progress can come before.
    listening = threading.Event()
    load = ocr.load_engine
    monkeypatch.setattr(ocr, "load_engine", lambda: listening.wait(30) and load())
    window = make_desk_window()
    window.show()
    labels: list[str] = []
    with qtbot.waitSignal(window.importFinished, timeout=120_000) as blocker:
        job = window.start_import([scans / "minutes-scan.pdf"])
        job.signals.progress.connect(lambda done, total, label: labels.append(label))
        listening.set()
    assert blocker.args[0].imported == 1
    assert [label for label in labels if "recognising" in label] == [
        f"minutes-scan.pdf: recognising text, page {n} of 3" for n in (1, 2, 3)
    ]

    # Cancel pressed while page 1 of the TIFF is being recognised: the import stops there.
    def cancel_on_first_page(done, total, label):
        if "recognising text, page 1" in label:
            window.progress.cancel_button.click()

    listening.clear()
    with qtbot.waitSignal(window.importFinished, timeout=120_000) as blocker:
        job = window.start_import([scans / "fax.tif"])
        job.signals.progress.connect(cancel_on_first_page)
        listening.set()
    summary = blocker.args[0]
    assert summary.cancelled and summary.imported == 0
    assert summary.failed[0][1].startswith("import cancelled during text recognition")


def test_an_old_database_gains_the_ocr_column_with_its_passages_typed(tmp_path):
    from conftest import version_one_database

    path = tmp_path / "old.db"
    version_one_database(path)
    db = open_db(path)
    rows = db.execute("SELECT text, page, ocr_confidence FROM passages ORDER BY ordinal").fetchall()
    assert rows == [
        ("Medical indemnity for AI technologies must be clarified.", 1, None),
        ("Synthetic data could train imaging models.", 2, None),
    ]
    db.conn.close()
