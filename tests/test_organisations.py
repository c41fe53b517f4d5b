"""Organisations: type inference, tolerant name matching, rename, parents without cycles, merging."""

from __future__ import annotations

import pytest

from knowledge.actions import create_action, list_actions
from knowledge.organisations import (
    UnknownOrganisation,
    add_organisation,
    ensure_organisation,
    find_organisation,
    get_organisation,
    infer_type,
    list_organisations,
    merge_organisations,
    normalise_name,
    organisation_tree,
    parse_org_type,
    rename_organisation,
    set_contact_role,
    set_parent,
    set_type,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Northfield Teaching Hospitals NHS Foundation Trust", "trust"),
        ("Northfield Teaching Hospitals NHS FT", "trust"),
        ("Westmoor Hospitals NHS Trust", "trust"),
        ("Kingsbridge Community Hospitals", "trust"),
        ("Moorland Royal Infirmary NHS Trust", "trust"),
        ("Harbourside ICB", "icb"),
        ("Harbourside Integrated Care Board", "icb"),
        ("Northshire Integrated Care System", "ics"),
        ("Harbourside ICS", "ics"),
        ("Lumina Diagnostics Ltd", "vendor"),
        ("Helix Imaging Limited", "vendor"),
        ("Riverside Imaging Network", "imaging_network"),
        ("Medicines and Healthcare products Regulatory Agency", "regulator"),
        ("NICE", "regulator"),
        ("Care Quality Commission", "regulator"),
        ("Department of Health and Social Care", "government"),
        ("NHS England", "national_body"),
        ("NHS Resolution", "national_body"),
        ("Royal College of Radiologists", "professional_body"),
        ("Northshire Patients' Forum", "other"),
        ("Nice Things Cafe", "other"),  # 'nice' is not NICE
    ],
)
def test_type_is_inferred_from_the_name(name, expected):
    assert infer_type(name) == expected


def test_type_spellings_people_use_are_understood():
    assert parse_org_type("NHS Trust") == "trust"
    assert parse_org_type("Supplier") == "vendor"
    assert parse_org_type("imaging network") == "imaging_network"
    assert parse_org_type("national_body") == "national_body"
    assert parse_org_type("spaceship") is None


def test_nhs_ft_and_foundation_trust_name_the_same_organisation(memory_db):
    first = ensure_organisation(memory_db, "Northfield Teaching Hospitals NHS FT")
    again = ensure_organisation(memory_db, "northfield teaching hospitals NHS Foundation Trust")
    assert first == again
    assert normalise_name("St Anselm's Hospitals NHS Trust") == normalise_name(
        "Saint Anselms Hospitals NHS Trust"
    )
    assert find_organisation(memory_db, "NORTHFIELD TEACHING HOSPITALS NHS FT")["id"] == first
    assert find_organisation(memory_db, str(first))["id"] == first
    assert find_organisation(memory_db, "Northfield") is None


def test_ensure_keeps_a_type_someone_set_but_replaces_a_guess(memory_db):
    org = ensure_organisation(memory_db, "Northshire Patients' Forum")
    assert get_organisation(memory_db, org)["type"] == "other"
    ensure_organisation(memory_db, "Northshire Patients' Forum", "national_body")
    assert get_organisation(memory_db, org)["type"] == "national_body"
    ensure_organisation(memory_db, "Northshire Patients' Forum", "vendor")
    assert get_organisation(memory_db, org)["type"] == "national_body"


def test_add_rejects_duplicates_and_unknown_types(memory_db):
    add_organisation(memory_db, "Harbourside ICB")
    with pytest.raises(ValueError, match="already exists"):
        add_organisation(memory_db, "harbourside integrated care board")
    with pytest.raises(ValueError, match="unknown organisation type"):
        add_organisation(memory_db, "Somewhere", "spaceship")
    with pytest.raises(UnknownOrganisation, match="no organisation called 'Nowhere ICS'"):
        add_organisation(memory_db, "Elsewhere ICB", parent="Nowhere ICS")


def test_rename_set_type_and_contact_role(memory_db):
    org = add_organisation(memory_db, "Helix Imaging", "vendor")
    rename_organisation(memory_db, org, "Helix Imaging Ltd")
    set_type(memory_db, "Helix Imaging Ltd", "Supplier")
    set_contact_role(memory_db, org, "Chief Medical Officer")
    row = get_organisation(memory_db, org)
    assert (row["name"], row["type"], row["contact_role"]) == (
        "Helix Imaging Ltd",
        "vendor",
        "Chief Medical Officer",
    )
    add_organisation(memory_db, "Lumina Diagnostics Ltd")
    with pytest.raises(ValueError, match="merge"):
        rename_organisation(memory_db, org, "lumina diagnostics limited")
    with pytest.raises(ValueError):
        set_type(memory_db, org, "spaceship")


def test_an_ics_contains_its_icb_and_trusts_without_cycles(memory_db):
    ics = add_organisation(memory_db, "Harbourside ICS")
    icb = add_organisation(memory_db, "Harbourside ICB", parent=ics)
    trust = add_organisation(memory_db, "Westmoor Hospitals NHS Trust")
    set_parent(memory_db, trust, "Harbourside ICS")
    tree = organisation_tree(memory_db)
    assert [n["name"] for n in tree] == ["Harbourside ICS"]
    assert {c["name"] for c in tree[0]["children"]} == {"Harbourside ICB", "Westmoor Hospitals NHS Trust"}
    with pytest.raises(ValueError, match="inside itself"):
        set_parent(memory_db, ics, icb)
    with pytest.raises(ValueError):
        set_parent(memory_db, ics, ics)
    set_parent(memory_db, trust, None)
    assert get_organisation(memory_db, trust)["parent_id"] is None


def test_merge_moves_actions_documents_and_members_then_deletes_the_duplicate(memory_db):
    keep = add_organisation(memory_db, "Northfield Teaching Hospitals NHS Foundation Trust")
    dup = add_organisation(memory_db, "Northfield Teaching Hospitals", "trust", contact_role="Head of IT")
    member = add_organisation(memory_db, "Northfield Radiology Department", parent=dup)
    create_action(memory_db, text="Bring IT into the steering group", organisation=dup)
    create_action(memory_db, text="Size GPU capacity", organisation=keep)
    memory_db.execute(
        "INSERT INTO documents (title, kind, content_hash, organisation_id, imported_at) VALUES (?,?,?,?,?)",
        ["Board paper", "report", "h1", dup, "2024-01-01"],
    )
    moved = merge_organisations(memory_db, keep, dup)
    assert moved == {"actions": 1, "documents": 1, "children": 1}
    assert get_organisation(memory_db, dup) is None
    assert len(list_actions(memory_db, organisation=keep)) == 2
    assert get_organisation(memory_db, member)["parent_id"] == keep
    assert get_organisation(memory_db, keep)["contact_role"] == "Head of IT"
    assert memory_db.execute("SELECT organisation_id FROM documents").fetchone()[0] == keep
    with pytest.raises(ValueError):
        merge_organisations(memory_db, keep, keep)


def test_list_counts_actions_per_organisation(memory_db):
    org = add_organisation(memory_db, "Moorland ICB")
    add_organisation(memory_db, "Dale Valley Hospitals NHS Foundation Trust")
    create_action(
        memory_db, text="Agree a joint procurement approach", organisation=org, status="in_progress"
    )
    create_action(memory_db, text="Publish IG guidance", organisation=org, status="done")
    rows = {r["name"]: r for r in list_organisations(memory_db)}
    assert (rows["Moorland ICB"]["actions"], rows["Moorland ICB"]["open"], rows["Moorland ICB"]["done"]) == (
        2,
        1,
        1,
    )
    assert rows["Dale Valley Hospitals NHS Foundation Trust"]["actions"] == 0
