"""The register of the sector's organisations: the packaged file, the checks of an operator's file, search,
the peer group key of an entry, and the claims and verifications the store keeps."""

import sqlite3

import pytest

from readiness.core import register
from readiness.core.peers import ANY
from readiness.store import assessments
from readiness.store import register as stored
from tests.conftest import peer_rule

HEADER = "id,org_type,name_fi,name_sv,size_band,region,language,email_domains\n"


def test_the_packaged_register_holds_every_municipality_and_wellbeing_services_county(questionnaire):
    entries = register.load_packaged(questionnaire)
    by_id = {entry.id: entry for entry in entries}
    # Statistics Finland: 309 municipalities in 2021-2024; 21 wellbeing services counties and Helsinki (code 90).
    assert sum(entry.org_type == "kunta" for entry in entries) == 309
    counties = [entry for entry in entries if entry.org_type == "hyvinvointialue"]
    assert len(counties) == 22 and "HV90" in by_id and "HV91" not in by_id
    helsinki = by_id["KU091"]
    assert (helsinki.name_fi, helsinki.name_sv, helsinki.language, helsinki.region) == (
        "Helsinki",
        "Helsingfors",
        "bilingual",
        "uusimaa",
    )
    assert by_id["KU478"].name_sv == "Mariehamn" and by_id["KU478"].language == "sv"
    assert by_id["HV08"].name_sv == "Birkalands välfärdsområde"
    # No size band and no email domain is shipped: none has a source we can rely on.
    assert all(entry.size_band == "" and entry.email_domains == () for entry in entries)


def test_every_wellbeing_services_county_has_its_published_language(questionnaire):
    counties = {entry.id: entry for entry in register.load_packaged(questionnaire) if entry.id.startswith("HV")}
    # Published by Hyvil and by the Association of Finnish Municipalities: seven of the 21 counties are bilingual
    # (Itä-Uusimaa, Länsi-Uusimaa, Vantaa-Kerava, Varsinais-Suomi, Kymenlaakso, Pohjanmaa, Keski-Pohjanmaa), and
    # so is the City of Helsinki; the others are Finnish-speaking.
    bilingual = {"HV01", "HV03", "HV04", "HV05", "HV10", "HV17", "HV18", "HV90"}
    assert {code for code, entry in counties.items() if entry.language == "bilingual"} == bilingual
    assert all(counties[code].language == "fi" for code in counties.keys() - bilingual)
    assert counties["HV02"].language == "fi" and counties["HV19"].language == "fi"


def test_search_finds_finnish_and_swedish_names_without_case_or_accents(questionnaire):
    entries = register.load_packaged(questionnaire)
    assert [e.id for e in register.search(entries, "helsingfors")] == ["HV90", "KU091"]
    assert [e.id for e in register.search(entries, "aanekoski")] == ["KU992"]
    # Names that start with the words come before names that only contain them.
    found = [e.name_fi for e in register.search(entries, "vaasa")]
    assert found[0] == "Vaasa"
    assert register.search(entries, "   ") == []


def test_a_register_file_with_problems_is_refused_whole_with_every_problem(questionnaire):
    text = HEADER + (
        "KU999,kunta,Testikunta,Testkommun,10000_19999,uusimaa,fi,testikunta.fi\n"
        "KU12,kunta,Väärä,Fel,,,,\n"
        "HV05,kunta,Alue,Område,,,,\n"
        "0201256-5,yritys,Yhtiö Oy,Bolag Ab,under_5000,nowhere,fi,Ei.Domain\n"
        "KU999,kunta,Toinen,Annan,,,,\n"
        "2468101-5,muu,,,,,,\n"
    )
    with pytest.raises(register.RegisterFileError) as refused:
        register.parse(text, questionnaire, source_label="uusi.csv")
    problems = refused.value.problems
    assert "row 3, column id: 'KU12' is not KU and a 3-digit municipality code" in problems[0]
    expected = [
        "row 4, column org_type: 'kunta': a wellbeing services county code (HV…) belongs to type hyvinvointialue",
        "row 5, column size_band: 'under_5000' is not a staff band of yritys",
        "row 5, column region: 'nowhere' is not one of",
        "row 5, column email_domains: 'Ei.Domain' is not a domain name",
        "row 6, column id: 'KU999' is already used on row 2",
        "row 7, column name_fi: missing",
        "row 7, column name_sv: missing",
    ]
    for start in expected:
        assert any(problem.startswith(start) for problem in problems), (start, problems)
    # Check digits by hand: 0201256 weighs 71, 71 % 11 = 5, so -6 is right and -5 wrong; 2468101 weighs 160, so -5.
    assert any(problem.startswith("row 5, column id: '0201256-5'") for problem in problems)
    assert not any(problem.startswith("row 7, column id") for problem in problems)
    assert "uusi.csv" in str(refused.value)


def test_a_header_without_a_column_is_refused(questionnaire):
    with pytest.raises(register.RegisterFileError) as refused:
        register.parse("id,org_type,name_fi\nKU005,kunta,Alajärvi\n", questionnaire)
    assert "row 1 (header), column name_sv: missing" in refused.value.problems


def test_an_operator_entry_is_read_with_its_band_kind_and_domains(questionnaire):
    text = HEADER + "0201256-6,yritys,Yhtiö Oy,Bolag Ab,50_249,several,bilingual,yhtio.fi yhtio.com\n"
    (entry,) = register.parse(text, questionnaire)
    assert entry.size_kind == "staff" and entry.email_domains == ("yhtio.fi", "yhtio.com")
    assert entry.name("sv") == "Bolag Ab" and entry.name("en") == "Yhtiö Oy"
    assert entry.accepts_email("anna.virtanen@yhtio.fi")
    assert not entry.accepts_email("anna@mail.yhtio.fi") and not entry.accepts_email("yhtio.fi")
    assert not entry.accepts_email("anna@yhtio.fi.example.com")


def test_the_group_key_of_an_entry_uses_the_questionnaires_option_ids(questionnaire):
    text = HEADER + (
        "KU998,kunta,Testikunta,Testkommun,10000_19999,uusimaa,fi,\n"
        "HV99,hyvinvointialue,Testialue,Testområde,,,,\n"
        "0201256-6,yritys,Yhtiö Oy,Bolag Ab,50_249,,,\n"
    )
    municipality, county, company = register.parse(text, questionnaire)
    assert register.group_key(municipality) == ("kunta", "10000_19999")
    assert municipality.size_kind == "population" and county.size_kind == "population"
    assert register.group_key(county) == ("hyvinvointialue", ANY)
    assert register.group_key(county.with_size_band("200000_plus")) == ("hyvinvointialue", "200000_plus")
    assert register.group_key(company) == ("yritys", "50_249")
    # The bands are the options of the questionnaire's own population and staff questions.
    population = {o.id for o in questionnaire.profile_question("population").options}
    staff = {o.id for o in questionnaire.profile_question("staff").options}
    assert "10000_19999" in population and "50_249" in staff


# The store ------------------------------------------------------------------------------------------------


def _organisation(db, name):
    """A new organisation with one draft assessment; return the organisation's id."""
    assessment_id = assessments.insert_assessment(db, f"hash-{name}", "test", None, 1, True, "2026-01-01T00:00:00")
    return db.execute("select organisation_id from assessments where id = ?", [assessment_id]).fetchone()[0]


def test_an_operator_load_replaces_same_ids_and_extends_the_register(fresh_db, questionnaire):
    text = HEADER + (
        "KU091,kunta,Helsinki,Helsingfors,200000_plus,uusimaa,bilingual,hel.fi\n"
        "0201256-6,yritys,Yhtiö Oy,Bolag Ab,50_249,,,\n"
    )
    stored.load_register_entries(fresh_db, register.parse(text, questionnaire), "operaattori.csv")
    entries = stored.register_in_force(fresh_db, questionnaire)
    assert entries["KU091"].email_domains == ("hel.fi",) and entries["KU091"].size_band == "200000_plus"
    assert entries["0201256-6"].name_sv == "Bolag Ab" and "KU005" in entries
    assert stored.register_loads(fresh_db)[0]["entries"] == 2


def test_only_verified_organisations_count_one_per_entry(fresh_db, questionnaire):
    first, second, third = (_organisation(fresh_db, name) for name in ("a", "b", "c"))
    claim = stored.make_claim(fresh_db, first, "KU091", "Anna", "anna@hel.fi", "200000_plus", "email", "t1")
    assert claim["status"] == "pending" and not claim["contested"]
    assert stored.verified_organisations(fresh_db, questionnaire) == {}
    stored.verify_by_link(fresh_db, "t1")
    verified = stored.verified_organisations(fresh_db, questionnaire)
    # The register has no band for Helsinki: the band the lead stated is used.
    assert list(verified) == [first]
    assert register.group_key(verified[first]) == ("kunta", "200000_plus")
    assert verified[first].size_kind == "population" and verified[first].name_fi == "Helsinki"
    # The link works once.
    with pytest.raises(stored.ClaimRefused) as refused:
        stored.verify_by_link(fresh_db, "t1")
    assert refused.value.reason == "unknown"
    # A second organisation claiming the same entry goes to the operator, never silently.
    contest = stored.make_claim(fresh_db, second, "KU091", "Bertil", "b@hel.fi", "", "email", "t2")
    assert contest["method"] == "operator" and contest["contested"] == 1
    assert stored.claim_for_link(fresh_db, "t2") == (None, "unknown")
    (waiting,) = stored.pending_claims(fresh_db)
    assert waiting["id"] == contest["id"] and [o["organisation_id"] for o in waiting["others"]] == [first]
    # The operator approves the newcomer: it replaces the first, so the entry still counts once.
    stored.decide_claim(fresh_db, contest["id"], True, "anna")
    assert list(stored.verified_organisations(fresh_db, questionnaire)) == [second]
    assert stored.organisation_claim(fresh_db, first)["status"] == "rejected"
    # A decided claim cannot be decided again.
    with pytest.raises(stored.ClaimRefused):
        stored.decide_claim(fresh_db, contest["id"], False, "anna")
    # The database itself refuses two verified organisations for one entry.
    with pytest.raises(sqlite3.IntegrityError):
        fresh_db.execute("update claims set status = 'verified' where organisation_id = ?", [first])
    stored.make_claim(fresh_db, third, "KU049", "Cecilia", "c@espoo.fi", "200000_plus", "operator", None)
    assert [c["organisation_id"] for c in stored.pending_claims(fresh_db)] == [third]


def test_two_pending_email_claims_to_one_entry_both_wait_for_the_operator(fresh_db):
    first, second = _organisation(fresh_db, "a"), _organisation(fresh_db, "b")
    stored.make_claim(fresh_db, first, "KU091", "Anna", "anna@hel.fi", "", "email", "t1")
    stored.make_claim(fresh_db, second, "KU091", "Bertil", "b@hel.fi", "", "email", "t2")
    # The first link no longer verifies on its own.
    assert stored.claim_for_link(fresh_db, "t1") == (None, "unknown")
    assert sorted(c["organisation_id"] for c in stored.pending_claims(fresh_db)) == [first, second]
    rejected = stored.pending_claims(fresh_db)[0]
    stored.decide_claim(fresh_db, rejected["id"], False, "anna")
    (left,) = stored.pending_claims(fresh_db)
    assert left["contested"] == 0


def test_an_organisation_has_one_open_claim_and_can_withdraw_it(fresh_db):
    organisation = _organisation(fresh_db, "a")
    stored.make_claim(fresh_db, organisation, "KU091", "Anna", "anna@hel.fi", "", "operator", None)
    with pytest.raises(stored.ClaimRefused) as refused:
        stored.make_claim(fresh_db, organisation, "KU049", "Anna", "anna@espoo.fi", "", "operator", None)
    assert refused.value.reason == "open"
    assert stored.withdraw_claim(fresh_db, organisation)
    stored.make_claim(fresh_db, organisation, "KU049", "Anna", "anna@espoo.fi", "", "operator", None)
    assert stored.organisation_claim(fresh_db, organisation)["entry_id"] == "KU049"


def test_an_expired_link_is_refused_and_a_new_one_replaces_it(fresh_db):
    organisation = _organisation(fresh_db, "a")
    stored.make_claim(fresh_db, organisation, "KU091", "Anna", "anna@hel.fi", "", "email", "old")
    fresh_db.execute("update claims set token_expires_at = '2000-01-01T00:00:00+00:00'")
    with pytest.raises(stored.ClaimRefused) as refused:
        stored.verify_by_link(fresh_db, "old")
    assert refused.value.reason == "expired"
    stored.record_email(fresh_db, stored.organisation_claim(fresh_db, organisation)["id"])
    # Another email only after a pause.
    with pytest.raises(stored.ClaimRefused) as refused:
        stored.renew_link(fresh_db, organisation, "new")
    assert refused.value.reason == "wait"
    fresh_db.execute("update claims set email_sent_at = '2000-01-01T00:00:00+00:00'")
    stored.renew_link(fresh_db, organisation, "new")
    assert stored.claim_for_link(fresh_db, "old") == (None, "unknown")
    assert stored.verify_by_link(fresh_db, "new")["status"] == "verified"


def test_deleting_an_organisation_removes_its_claims_and_verification(fresh_db, questionnaire):
    organisation = _organisation(fresh_db, "a")
    stored.make_claim(fresh_db, organisation, "KU091", "Anna", "anna@hel.fi", "", "email", "t1")
    stored.verify_by_link(fresh_db, "t1")
    assessments.delete_organisation(fresh_db, organisation, peer_rule())
    assert fresh_db.execute("select count(*) from claims").fetchone()[0] == 0
    assert stored.verified_organisations(fresh_db, questionnaire) == {}
