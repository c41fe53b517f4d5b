"""Recommendation sets as data: import from JSON, CSV and XLSX, refuse bad files whole, update in place."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from conftest import REPO, version_one_database

from knowledge.actions import confirm_link, create_action, link_evidence, recommendation_id
from knowledge.codebook import (
    BUILTIN_SET,
    CodebookError,
    attach_source,
    delete_set,
    export_codebook,
    get_set,
    list_recommendations,
    list_sets,
    load_codebook,
    none_judgements,
    pending_for_set,
    record_match_checks,
)
from knowledge.codebook_files import read_codebook_file

BERWICK = REPO / "benchmarks" / "data" / "berwick-2013.json"


def _write_csv(path, rows, header=("number", "title", "summary")):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _set_rows(db, slug):
    return [(r.number, r.title, r.summary) for r in list_recommendations(db, slug)]


def test_a_json_set_lists_under_its_own_slug_beside_the_nine(memory_db):
    load_codebook(memory_db, read_codebook_file(BERWICK))
    sets = {s["slug"]: s for s in list_sets(memory_db)}
    assert sets[BUILTIN_SET]["builtin"] and sets[BUILTIN_SET]["recommendations"] == 9
    assert sets["berwick-2013"]["recommendations"] == 10 and not sets["berwick-2013"]["builtin"]
    assert list_sets(memory_db)[0]["slug"] == BUILTIN_SET  # the built-in set first
    recs = list_recommendations(memory_db, "berwick-2013")
    assert [r.number for r in recs] == list(range(1, 11))
    assert {r.set_slug for r in recs} == {"berwick-2013"}
    assert len(list_recommendations(memory_db, BUILTIN_SET)) == 9


def test_a_csv_set_with_list_cells_and_organisation_labels(memory_db, tmp_path):
    path = _write_csv(
        tmp_path / "CQC maternity review.csv",
        [
            ["1", "Safe staffing", "Trusts should staff units safely.", "Trust; ICB", "rota\nagency"],
            ["R2", "Listen to women", "Boards should act on what women tell them.", "National body", ""],
        ],
        header=("Number", "Title", "Summary", "Addressed to", "Keywords"),
    )
    data = read_codebook_file(path, title="CQC maternity review")
    assert data["slug"] == "cqc-maternity-review"  # from the file name
    load_codebook(memory_db, data)
    first, second = list_recommendations(memory_db, "cqc-maternity-review")
    assert first.addressed_to == ["trust", "icb"] and first.keywords == ["rota", "agency"]
    assert second.number == 2 and second.addressed_to == ["national_body"]
    assert get_set(memory_db, "cqc-maternity-review")["title"] == "CQC maternity review"


def test_an_xlsx_set(memory_db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Recommendations of the review"])  # a title row above the header
    sheet.append(["number", "title", "summary", "includes"])
    sheet.append([1, "Open data", "Publish quality data monthly.", "ward dashboards; open data"])
    sheet.append([2, "Learning", "Learn from incidents, not blame.", None])
    path = tmp_path / "review.xlsx"
    book.save(path)
    load_codebook(memory_db, read_codebook_file(path, slug="review-2024"))
    recs = list_recommendations(memory_db, "review-2024")
    assert [(r.number, r.includes) for r in recs] == [(1, ["ward dashboards", "open data"]), (2, [])]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([["1", "A", "first"], ["2", "B", ""]], "recommendation 2 is missing 'summary'"),
        ([["1", "A", "first"], ["1", "B", "second"]], "recommendation 1 appears twice"),
        ([["1", "A", "first"], ["", "B", "second"]], "row 3 has no recommendation number"),
        ([["one", "A", "first"]], "has no number"),
    ],
)
def test_a_bad_spreadsheet_is_refused_whole_with_its_reason(memory_db, tmp_path, rows, reason):
    path = _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(CodebookError, match=reason) as caught:
        read_codebook_file(path)
    assert "\n" not in str(caught.value)  # one line
    assert [s["slug"] for s in list_sets(memory_db)] == [BUILTIN_SET]


def test_an_unknown_organisation_type_refuses_the_file_and_loads_nothing(memory_db):
    data = json.loads(BERWICK.read_text(encoding="utf-8"))
    data["recommendations"][3]["addressed_to"] = ["trust", "hospitalz"]
    with pytest.raises(CodebookError, match="recommendation 4: unknown organisation type 'hospitalz'"):
        load_codebook(memory_db, data)
    assert [s["slug"] for s in list_sets(memory_db)] == [BUILTIN_SET]
    assert memory_db.execute("SELECT count(*) FROM recommendations").fetchone()[0] == 9


def test_a_json_file_needs_slug_title_and_recommendations(memory_db, tmp_path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"title": "No slug", "recommendations": []}), encoding="utf-8")
    with pytest.raises(CodebookError, match="missing 'slug'"):
        read_codebook_file(path)
    path.write_text('{"slug": "x", "title": "broken', encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid JSON"):
        read_codebook_file(path)
    path.write_text(json.dumps({"slug": "Bad Slug", "title": "T", "recommendations": [{}]}), "utf-8")
    with pytest.raises(CodebookError, match="lower-case letters, digits and hyphens"):
        read_codebook_file(path)


def test_reimport_updates_in_place_keeps_links_and_is_logged(memory_db):
    from knowledge.changelog import entries

    set_id = load_codebook(memory_db, read_codebook_file(BERWICK))
    rec_id = recommendation_id(memory_db, 4, "berwick-2013")
    action = create_action(memory_db, text="Review nurse staffing twice a year", organisation="A Trust")
    confirm_link(memory_db, action, rec_id, who="lead")
    data = json.loads(BERWICK.read_text(encoding="utf-8"))
    data["recommendations"][3]["title"] = "Enough staff, properly supported"
    data["recommendations"].append({"number": 11, "title": "New", "summary": "A new one."})
    assert load_codebook(memory_db, data, who="analyst") == set_id
    assert recommendation_id(memory_db, 4, "berwick-2013") == rec_id  # same row: the link stands
    assert get_set(memory_db, "berwick-2013")["linked_actions"] == 1
    assert _set_rows(memory_db, "berwick-2013")[3][1] == "Enough staff, properly supported"
    assert len(list_recommendations(memory_db, "berwick-2013")) == 11
    logged = entries(memory_db, entity="recommendation_set", entity_id=set_id)
    assert [e["change"] for e in logged] == ["loaded", "changed"]
    assert logged[-1]["who"] == "analyst" and logged[-1]["after"]["changed"] == [4]
    assert logged[-1]["after"]["added"] == [11]
    load_codebook(memory_db, data)  # the same content again: nothing to log
    assert len(entries(memory_db, entity="recommendation_set", entity_id=set_id)) == 2


def test_reimport_that_drops_a_linked_recommendation_is_refused_whole(memory_db):
    load_codebook(memory_db, read_codebook_file(BERWICK))
    action = create_action(memory_db, text="Publish ward harm data monthly", organisation="A Trust")
    confirm_link(memory_db, action, recommendation_id(memory_db, 7, "berwick-2013"))
    data = json.loads(BERWICK.read_text(encoding="utf-8"))
    data["recommendations"] = [r for r in data["recommendations"] if r["number"] != 7]
    data["recommendations"][0]["title"] = "Changed too"
    with pytest.raises(CodebookError, match="recommendation 7 is not in the file but actions"):
        load_codebook(memory_db, data)
    rows = _set_rows(memory_db, "berwick-2013")
    assert len(rows) == 10 and rows[0][1] == "Reduce patient harm through an ethic of learning"
    data["recommendations"] = [r for r in data["recommendations"] if r["number"] != 9]  # unlinked: goes
    data["recommendations"].append(json.loads(BERWICK.read_text(encoding="utf-8"))["recommendations"][6])
    load_codebook(memory_db, data)
    assert [n for n, _, _ in _set_rows(memory_db, "berwick-2013")] == [1, 2, 3, 4, 5, 6, 7, 8, 10]


def test_export_then_import_gives_the_same_set(memory_db, tmp_path):
    from knowledge.codebook_files import codebook_csv, codebook_json

    builtin = export_codebook(memory_db, BUILTIN_SET)
    assert builtin["recommendations"][0]["keywords"]  # the built-in's extra fields travel too
    for name, writer in (("copy.json", codebook_json), ("copy.csv", codebook_csv)):
        path = tmp_path / name
        path.write_text(writer(builtin), encoding="utf-8")
        again = read_codebook_file(path, slug="copy", title=builtin["title"])
        assert again["recommendations"] == builtin["recommendations"]


def test_delete_is_refused_for_the_builtin_set_and_while_people_linked_actions(memory_db, corpus):
    from knowledge.library import import_paths

    load_codebook(memory_db, read_codebook_file(BERWICK))
    with pytest.raises(CodebookError, match="built-in set"):
        delete_set(memory_db, BUILTIN_SET)
    action = create_action(memory_db, text="Publish ward harm data monthly", organisation="A Trust")
    confirm_link(memory_db, action, recommendation_id(memory_db, 7, "berwick-2013"))
    with pytest.raises(CodebookError, match="1 confirmed, rejected or evidence link"):
        delete_set(memory_db, "berwick-2013")
    memory_db.execute("DELETE FROM action_recommendations")
    import_paths(memory_db, [corpus / "ppp-ai-imaging-roundtable-2023.txt"])
    passage = memory_db.execute("SELECT id FROM passages LIMIT 1").fetchone()[0]
    link_evidence(memory_db, passage, recommendation_id=recommendation_id(memory_db, 2, "berwick-2013"))
    with pytest.raises(CodebookError, match="evidence link"):
        delete_set(memory_db, "berwick-2013")
    memory_db.execute("DELETE FROM evidence_links")
    assert delete_set(memory_db, "berwick-2013") == 10
    assert [s["slug"] for s in list_sets(memory_db)] == [BUILTIN_SET]
    with pytest.raises(LookupError, match="no recommendation set called 'berwick-2013'"):
        get_set(memory_db, "berwick-2013")


def test_a_source_document_and_judgements_are_kept_per_set(memory_db, corpus):
    from knowledge.library import import_paths

    load_codebook(memory_db, read_codebook_file(BERWICK))
    [outcome] = import_paths(memory_db, [corpus / "ppp-ai-imaging-roundtable-2023.txt"])
    attach_source(memory_db, "berwick-2013", outcome.document_id)
    assert get_set(memory_db, "berwick-2013")["document_id"] == outcome.document_id
    action = create_action(memory_db, text="Resurface the car park", organisation="A Trust")
    assert [row[0] for row in pending_for_set(memory_db, "berwick-2013")] == [action]
    record_match_checks(memory_db, "berwick-2013", action, fits_none=True, fit=0.2)
    assert pending_for_set(memory_db, "berwick-2013") == []  # judged: not asked again
    assert [row[0] for row in pending_for_set(memory_db, BUILTIN_SET)] == [action]  # other sets still ask
    assert none_judgements(memory_db) == {action: ["berwick-2013"]}
    data = json.loads(BERWICK.read_text(encoding="utf-8"))
    data["recommendations"][0]["summary"] += " Changed."
    load_codebook(memory_db, data)  # the set changed: its judgements are asked again
    assert [row[0] for row in pending_for_set(memory_db, "berwick-2013")] == [action]
    assert get_set(memory_db, "berwick-2013")["document_id"] == outcome.document_id  # kept


def test_migration_brings_an_old_database_forward_without_loss(tmp_path):
    from knowledge.workspace import open_db

    path = tmp_path / "old.db"
    version_one_database(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO recommendation_sets (id, slug, title) VALUES (5, 'old-set', 'An old set')")
    conn.execute(
        "INSERT INTO recommendations (set_id, number, title, summary) VALUES (5, 1, 'Kept', 'Still here')"
    )
    conn.commit()
    conn.close()
    db = open_db(path)
    try:
        sets = {s["slug"]: s for s in list_sets(db)}
        assert sets["old-set"]["recommendations"] == 1 and sets["old-set"]["document_id"] is None
        assert _set_rows(db, "old-set") == [(1, "Kept", "Still here")]
        assert BUILTIN_SET in sets
        assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == 2
        assert db.execute("SELECT count(*) FROM match_checks").fetchone()[0] == 0
    finally:
        db.conn.close()


def test_the_window_imports_a_set_and_its_pages_switch_to_it(qtbot, make_desk_window):
    from desktop.widgets.sets import import_set

    window = make_desk_window(load_model=False)
    window.show()
    page = window.go_to("recommendations")
    assert page.list.count() == 9 and not page.set_switcher.isVisibleTo(page)  # one set: no switcher
    import_set(page, str(BERWICK))
    qtbot.waitUntil(lambda: page.list.count() == 10, timeout=10000)
    assert page.set_switcher.isVisibleTo(page) and page.set_switcher.slug() == "berwick-2013"
    assert page.current["number"] == 1 and page.current["set_slug"] == "berwick-2013"
    assert window.statusBar().currentMessage() == "imported set berwick-2013: 10 recommendation(s)"

    dashboard = window.go_to("dashboard")
    dashboard.refresh()
    # The window's set, chosen on another page: one column per recommendation, then the unconfirmed "?".
    assert dashboard.heat.columnCount() == 10 + 1
    assert dashboard.set_switcher.slug() == "berwick-2013"
    dashboard.set_switcher.choose(BUILTIN_SET)
    assert dashboard.heat.columnCount() == 9 + 1

    reports = window.go_to("export", kind="recommendation", set_slug="berwick-2013")
    assert reports.set_switcher.slug() == "berwick-2013"
    assert reports.target.count() == 10 and reports.target.itemText(6).startswith("R7: Complete, timely")
    with qtbot.waitSignal(reports.previewReady, timeout=20000) as ready:
        reports.show_item(kind="recommendation", target=7, set_slug="berwick-2013")
    assert "# Recommendation 7: Complete, timely transparency" in ready.args[0]


def test_the_window_refuses_a_bad_set_with_one_message(qtbot, make_desk_window, tmp_path):
    from desktop.widgets.sets import import_set

    bad = _write_csv(tmp_path / "bad.csv", [["1", "A", "first"], ["1", "B", "second"]])
    window = make_desk_window(load_model=False)
    page = window.go_to("recommendations")
    import_set(page, str(bad))
    qtbot.waitUntil(lambda: getattr(window, "last_error_box", None) is not None, timeout=10000)
    assert "recommendation 1 appears twice" in window.last_error_box.text()
    assert [s["slug"] for s in list_sets(window.db)] == [BUILTIN_SET]


def test_report_targets_are_one_sets_recommendations(memory_db):
    from knowledge import reports

    load_codebook(memory_db, read_codebook_file(BERWICK))
    spec = reports.get("recommendation")
    nine = [(f"R{r.number}: {r.title}", r.number) for r in list_recommendations(memory_db, BUILTIN_SET)]
    berwick = [(f"R{r.number}: {r.title}", r.number) for r in list_recommendations(memory_db, "berwick-2013")]
    # Numbers are per set: a list mixing sets would offer two R1s that are different recommendations.
    assert spec.targets(memory_db) == nine
    assert spec.target_choices(memory_db) == nine
    assert spec.target_choices(memory_db, "berwick-2013") == berwick
    # Kinds not numbered by set take no set.
    organisation = reports.get("organisation")
    assert organisation.target_choices(memory_db, "berwick-2013") == organisation.targets(memory_db)
