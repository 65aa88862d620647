"""The operator's console as KT's operator uses it, at 1366 px, in Finnish, Swedish and English: a bad and a good
reference upload, the participation page, filtered results, and every export read back with pandas and
openpyxl. axe runs on every page visited."""

import io
import re

import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from readiness.core.questionnaire import load
from readiness.store import database
from readiness.store import operators
from readiness.web import console as console_views
from tests.browser.conftest import assert_accessible
from tests.conftest import release
from tests.conftest import submit_assessment

PASSWORD = "konsolin-selaintesti"
LANGS = ["fi", "sv", "en"]
# Texts read off the translations by hand, not from the code.
WORDS = {
    "fi": {
        "user": "Käyttäjätunnus",
        "password": "Salasana",
        "sign_in": "Kirjaudu sisään",
        "check": "Tarkista tiedosto",
        "problems": "1 virhe tiedostossa kt-bad.csv",
        "row": "Rivi 3, sarake value:",
        "load": "Ota luvut käyttöön",
        "loaded": "viiteluku otettu käyttöön",
        "council": "Maakuntaliitto",
        "staff": "Henkilöstömäärä: 50–249",
        "show": "Näytä",
        "not_shown": "Tämän ryhmän lukuja ei voi näyttää",
        "download": "Lataa vastaukset",
        "finnish_csv": "CSV suomenkieliselle Excelille",
        "workbook": "Excel-työkirja",
        "with_names": "Organisaatioiden antamin nimin",
        "latest": "Vain viimeisin kierros",
        "codebook": "Koodikirja CSV-tiedostona",
        "open_data": "Yhteenlasketut luvut CSV-tiedostona suomenkieliselle Excelille",
    },
    "sv": {
        "user": "Användarnamn",
        "password": "Lösenord",
        "sign_in": "Logga in",
        "check": "Kontrollera filen",
        "problems": "1 fel i filen kt-bad.csv",
        "row": "Rad 3, kolumn value:",
        "load": "Läs in siffrorna",
        "loaded": "referenssiffra inläst",
        "council": "Landskapsförbund",
        "staff": "Antal anställda: 50–249",
        "show": "Visa",
        "not_shown": "Den här gruppens tal kan inte visas",
        "download": "Ladda ned svaren",
        "finnish_csv": "CSV för finskspråkigt Excel",
        "workbook": "Excel-arbetsbok",
        "with_names": "Med de namn organisationerna angav",
        "latest": "Endast den senaste omgången",
        "codebook": "Kodboken som CSV-fil",
        "open_data": "Sammanräknade siffror som CSV-fil för finskspråkigt Excel",
    },
    "en": {
        "user": "User name",
        "password": "Password",
        "sign_in": "Sign in",
        "check": "Check the file",
        "problems": "1 problem in kt-bad.csv",
        "row": "Row 3, column value:",
        "load": "Load these figures",
        "loaded": "reference figure loaded",
        "council": "Regional council",
        "staff": "Staff: 50–249",
        "show": "Show",
        "not_shown": "This group's figures may not be shown",
        "download": "Download the answers",
        "finnish_csv": "CSV for Excel in Finnish",
        "workbook": "Excel workbook",
        "with_names": "With the names the organisations gave",
        "latest": "Latest round only",
        "codebook": "Codebook as CSV",
        "open_data": "Aggregates as CSV for Excel in Finnish",
    },
}
HEADER = "id,question_id,option_id,value,unit,precision,n,year,source_url,source_name,quote,text_fi,text_sv,text_en"
GOOD = (
    HEADER + "\n"
    "kt.own.weekly,own_use,regularly,40,percent,exact,158,2024,https://example.fi/taulukot,KT:n taulukot,"
    "40 %,40 % käytti viikoittain,40 % använde varje vecka,40% used it weekly\n"
)
BAD = GOOD + (
    "kt.own.bad,own_use,regularly,neljäkymmentä,percent,exact,158,2024,https://example.fi/taulukot,KT:n taulukot,"
    "40 %,x,x,x\n"
)
COUNCIL_NAME = "=Maakuntaliitto; =1+1"


@pytest.fixture(scope="module")
def operator(live_app):
    """An operator, and five regional councils of 50–249 staff (a group that may be shown once released) plus
    one of 1,000–4,999 staff (a group of one, which no filter may show), submitted through the store."""
    db = database.connect(live_app.config["DATABASE"])
    if operators.find_operator(db, username="kt-operaattori") is None:
        operators.create_operator(db, "kt-operaattori", generate_password_hash(PASSWORD))
        questionnaire = load()
        for number in range(5):
            name = COUNCIL_NAME if number == 0 else f"Liitto {number}"
            profile = {"org_type": "maakuntaliitto", "staff": "50_249", "org_name": name}
            submit_assessment(db, questionnaire, f"liitto-{number}", {"profile": profile})
        submit_assessment(
            db, questionnaire, "liitto-iso", {"profile": {"org_type": "maakuntaliitto", "staff": "1000_4999"}}
        )
    release(db)
    db.conn.close()
    # The console keeps its figures for a minute per worker, and an earlier test module may have shown them.
    console_views._figures.clear()
    return "kt-operaattori"


@pytest.fixture
def console(page, operator):
    page.set_viewport_size({"width": 1366, "height": 900})
    return page


def sign_in(page, lang):
    words = WORDS[lang]
    page.goto(f"/{lang}/console/")
    page.get_by_label(words["user"]).fill("kt-operaattori")
    page.get_by_label(words["password"]).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    expect(page).to_have_url(re.compile(f"/{lang}/console/$"))


def submitted_count(live_app, latest_round_only=False):
    """How many submitted assessments the browser tests' database holds (other modules add theirs, second
    rounds included): all of them, or those of each organisation's latest submitted round."""
    latest = (
        " and round = (select max(round) from assessments b where b.organisation_id = a.organisation_id"
        " and b.status = 'submitted')"
    )
    db = database.connect(live_app.config["DATABASE"])
    try:
        query = "select count(*) from assessments a where status = 'submitted'" + (latest if latest_round_only else "")
        return db.execute(query).fetchone()[0]
    finally:
        db.conn.close()


@pytest.mark.parametrize("lang", LANGS)
def test_participation_and_the_layout_at_1366(console, lang):
    page, words = console, WORDS[lang]
    sign_in(page, lang)
    assert_accessible(page)
    # The navigation on one line, and the page using the screen's width.
    tops = {round(link.bounding_box()["y"]) for link in page.locator(".console-nav a").all()}
    assert len(tops) == 1
    assert page.locator("main").bounding_box()["width"] > 1200
    types = page.locator("#by-org_type").locator("xpath=following::table[1]")
    council = types.locator("tr", has_text=words["council"])
    assert int(council.locator("td").first.inner_text()) >= 6
    bands = page.locator("#by-size_band").locator("xpath=following::table[1]")
    expect(bands.locator("th", has_text=words["staff"])).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_a_bad_then_a_good_reference_upload(console, lang, tmp_path):
    page, words = console, WORDS[lang]
    sign_in(page, lang)
    page.goto(f"/{lang}/console/reference")
    expect(page.locator("#columns")).to_be_visible()
    assert_accessible(page)
    bad = tmp_path / "kt-bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name=words["check"]).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(words["problems"])
    problems = page.locator("#file-error li")
    expect(problems.first).to_contain_text(words["row"])
    expect(problems.first).to_contain_text("neljäkymmentä")
    assert "Traceback" not in page.content() and "(" + "'" not in summary.inner_text()
    assert_accessible(page)
    good = tmp_path / "kt-good.csv"
    good.write_text(GOOD, encoding="utf-8")
    page.set_input_files("#file", str(good))
    page.get_by_role("button", name=words["check"]).click()
    expect(page.locator("#preview")).to_contain_text("kt-good.csv")
    assert_accessible(page)
    page.get_by_role("button", name=words["load"]).click()
    expect(page.locator(".panel--confirmation")).to_contain_text(words["loaded"])
    assert_accessible(page)
    # The figures in force, downloaded as a template, hold the new figure.
    with page.expect_download() as download:
        page.locator("a[href$='/console/reference/figures.csv']").click()
    template = pd.read_csv(download.value.path(), encoding="utf-8-sig", dtype=str)
    assert "kt.own.weekly" in set(template["id"])


@pytest.mark.parametrize("lang", LANGS)
def test_filtered_results_show_only_groups_that_may_be_shown(console, lang):
    page, words = console, WORDS[lang]
    sign_in(page, lang)
    page.goto(f"/{lang}/console/results")
    # Regional councils are one size class: the type's figures are its councils' (six, released together).
    page.select_option("#org_type", "maakuntaliitto")
    page.get_by_role("button", name=words["show"], exact=True).click()
    expect(page).to_have_url(re.compile("org_type=maakuntaliitto"))
    # The URL changes when the new page starts; its charts are counted once all of it has arrived.
    page.wait_for_load_state()
    assert page.locator(".console-questions .console-question svg").count() >= 10
    assert_accessible(page)
    # A size class that no release shows (no joint authority of 250 staff or more): no filter shows it.
    page.select_option("#org_type", "kuntayhtyma")
    page.select_option("#size_band", "250_plus")
    page.get_by_role("button", name=words["show"], exact=True).click()
    expect(page.locator(".warning")).to_contain_text(words["not_shown"])
    expect(page.locator("#questions")).to_have_count(0)
    assert_accessible(page)


def download(page, action):
    with page.expect_download() as started:
        action()
    return started.value.suggested_filename, started.value.path().read_bytes()


@pytest.mark.parametrize("lang", LANGS)
def test_every_export_reads_back(console, live_app, lang):
    page, words = console, WORDS[lang]
    sign_in(page, lang)
    page.goto(f"/{lang}/console/exports")
    assert_accessible(page)
    submitted = submitted_count(live_app)
    submit = page.locator("form.export-form button")
    names = set()

    name, body = download(page, submit.click)
    names.add(name)
    standard = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
    assert len(standard) == submitted and "organisation_name" not in standard.columns

    page.get_by_label(words["finnish_csv"]).check()
    name, body = download(page, submit.click)
    names.add(name)
    assert body.startswith("\ufeff".encode())
    finnish = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(finnish.columns) == list(standard.columns)
    assert finnish["score.adoption"].dtype.kind == "f"
    assert finnish["score.adoption"].tolist() == pytest.approx(standard["score.adoption"].tolist())
    councils = finnish[finnish["org_type"] == "maakuntaliitto"]
    assert set(councils["org_type_label"]) == {words["council"]}

    page.get_by_label(words["with_names"]).check()
    name, body = download(page, submit.click)
    names.add(name)
    named = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    # The hostile name is one cell, neutralised at its start and after the semicolon.
    assert "'=Maakuntaliitto; '=1+1" in set(named["organisation_name"])

    page.get_by_label(words["latest"]).check()
    page.get_by_label(words["workbook"]).check()
    name, body = download(page, submit.click)
    names.add(name)
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = list(workbook["vastaukset"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == submitted_count(live_app, latest_round_only=True)
    cells = [row[header.index("organisation_name")] for row in data]
    assert "'=Maakuntaliitto; '=1+1" in cells
    assert all(not isinstance(cell, str) or not cell.startswith("=") for row in data for cell in row)
    assert list(pd.read_excel(io.BytesIO(body), sheet_name="koodikirja")["column"])[0] == "assessment"

    name, body = download(page, page.get_by_role("link", name=words["codebook"], exact=True).click)
    names.add(name)
    codebook = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
    assert set(standard.columns) <= set(codebook["column"]) and f"question_{lang}" in codebook.columns

    name, body = download(page, page.get_by_role("link", name=words["open_data"]).click)
    names.add(name)
    open_data = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig")
    assert open_data.empty or open_data["group_organisations"].min() >= 5
    # Six files, six names, each saying what it holds.
    assert len(names) == 6, names
