"""The results page and the JSON API: published 2024 figures only, peers under the suppression rules."""

import gzip
import json
import re
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import brotli
import pytest
from backports import zstd
from bs4 import BeautifulSoup
from jsonschema import Draft202012Validator

from readiness.core import reference
from readiness.store import database
from readiness.store import releases
from tests.conftest import ROOT
from tests.conftest import csrf_token
from tests.conftest import release
from tests.conftest import submit_assessment

SMALL_KUNTA = {"profile": {"org_type": "kunta", "population": "under_5000"}}
LARGE_KUNTA = {"profile": {"org_type": "kunta", "population": "200000_plus"}}


def soup(response):
    return soup_of(response.get_data(as_text=True))


def soup_of(html):
    return BeautifulSoup(html, "html.parser")


@pytest.fixture
def submitted(answered):
    """A browser whose assessment (a small municipality) is submitted."""
    answered.post("/fi/submit", data={"csrf_token": csrf_token(answered, "/fi/check")})
    return answered


def add_peers(db, questionnaire, count, changes=SMALL_KUNTA, prefix="peer"):
    """Submit ``count`` organisations and publish a release, as the weekly `flask peers release` would."""
    for i in range(count):
        submit_assessment(db, questionnaire, f"{prefix}-{i}", changes)
    release(db)


def published_figures(questionnaire):
    return reference.load_packaged(questionnaire)


def test_results_need_a_submitted_assessment(app, answered):
    assert app.test_client().get("/fi/results").headers["Location"] == "/fi/"
    assert answered.get("/fi/results").headers["Location"] == "/fi/check"


def test_every_published_figure_appears_with_its_words_and_source(submitted, questionnaire):
    for lang in ("fi", "sv", "en"):
        page = soup(submitted.get(f"/{lang}/results"))
        text = " ".join(page.get_text(" ").split())
        for figure in published_figures(questionnaire):
            assert figure.text(lang) in text, (lang, figure.id)
            name, url = figure.source_name_in(lang), figure.source_url_in(lang)
            if url:
                assert page.find("a", string=name, href=url) is not None, (lang, figure.id)
            else:
                # Not online (KT's results presentation): named, never linked.
                assert name in text and page.find("a", string=name) is None, (lang, figure.id)


def test_swedish_pages_cite_kts_swedish_release_and_the_deck_in_swedish(submitted):
    page = soup(submitted.get("/sv/results"))
    text = page.get_text(" ")
    swedish_release = "https://www.kt.fi/sv/nyheter-och-pressmeddelanden/2024/kommunerna-och-valfardsomradena-anvander-redan-AI-for-flera-andamal"
    assert page.find("a", string="KT, pressmeddelande 2024", href=swedish_release) is not None
    assert page.find("a", string="KT, tiedote 2024") is None
    assert "KT:s resultatpresentation 2024 (inte på webben)" in text
    assert "https://www.kt.fi/" not in [a.get("href") for a in page.find_all("a")]


def test_other_surveys_are_context_apart_from_kts_figures(submitted, questionnaire):
    page = soup(submitted.get("/fi/results"))
    guidelines = page.find(id="result-guidelines").find_parent("section")
    context = guidelines.select_one(".context-figures")
    assert "eivät KT:n kyselystä" in context.get_text()
    assert "Kuntaliiton kuntaviestintäkysely 2023, 182 kuntaa" in context.get_text()
    # Never in a 2024 column, never as KT's result.
    for table in page.find_all("table"):
        assert "Kuntaliito" not in table.get_text() and "Työolobarometri" not in table.get_text()
    # The communications row's context sits with its question.
    org_use = page.find(id="result-org_use").find_parent("section")
    assert "35 % kunnista käytti tekoälyä viestinnässä" in org_use.select_one(".context-figures").get_text()


def test_each_question_says_where_it_comes_from_and_the_model_its_version(submitted, questionnaire):
    from readiness.core import scoring

    model = scoring.load(questionnaire)
    page = soup(submitted.get("/fi/results"))
    for question_id in ("org_use", "benefits", "guidelines"):
        section = page.find(id=f"result-{question_id}").find_parent("section")
        line = section.select_one(".origin-note").get_text(strip=True)
        assert line == questionnaire.provenance(questionnaire.question(question_id), "fi")
    lead = " ".join(page.select_one("#profile").find_next("p", class_="lead").find_next("p").get_text(" ").split())
    assert f"versiolla {model.version}" in lead and "tämän palvelun oma, ei KT:n" in lead


def test_approximate_figures_read_as_approximate(submitted):
    page = soup(submitted.get("/fi/results"))
    own_use = page.find(id="result-own_use").find_parent("section")
    cells = {
        row.th.get_text(strip=True): row.find_all("td")[-1].get_text(" ", strip=True)
        for row in own_use.tbody.find_all("tr")
    }
    assert cells["Säännöllisesti"].startswith("noin joka kolmas")
    assert cells["Olen vasta tutustunut tekoälyyn"].startswith("runsaat 40 %")
    assert (
        cells["Minulla ei ole vielä kokemusta tekoälyn käytöstä"].startswith("noin joka neljännellä")
        or "neljä" in cells["Minulla ei ole vielä kokemusta tekoälyn käytöstä"]
    )
    # "Satunnaisesti" is no longer offered: the 2024 survey did not have it.
    assert "Satunnaisesti" not in cells
    # The precision is also said in words of its own, from the reference data.
    assert "likiarvo, n = 158" in cells["Säännöllisesti"].replace("\xa0", " ")


def test_no_unpublished_2024_figure_is_shown_as_a_number(submitted, questionnaire):
    page = soup(submitted.get("/en/results"))
    published = {figure.text("en") for figure in published_figures(questionnaire)}
    checked = 0
    for section in page.select("section.question-result"):
        table = section.find("table")
        if table is None or "KT's published figure" not in table.thead.get_text():
            continue
        for row in table.tbody.find_all("tr"):
            checked += 1
            cell = row.find_all("td")[-1].get_text(" ", strip=True)
            assert cell in ("–", "2024 result not published") or any(cell.startswith(p) for p in published), cell
    assert checked >= 4  # own_use's and change's options at least: the check above ran


def test_questions_without_a_published_figure_say_so(submitted):
    page = soup(submitted.get("/fi/results"))
    # Other surveys' figures are there to read beside these two: their sections stay, saying KT published nothing.
    for question_id in ("competence_top", "guidelines"):
        section = page.find(id=f"result-{question_id}").find_parent("section")
        assert section.select_one(".not-published").get_text(strip=True) == "Vuoden 2024 tulosta ei julkaistu.", (
            question_id
        )
        assert "kt:n julkaisema luku" not in section.thead.get_text().lower()
    own_use = page.find(id="result-own_use").find_parent("section")
    assert own_use.select_one("p.not-published") is None


def test_questions_with_nothing_to_compare_are_one_line_each(submitted, questionnaire):
    # No peer group yet, and nothing published about these: one line each, the question and the answer given.
    page = soup(submitted.get("/fi/results"))
    lines = {}
    for item in page.select("ul.nothing-to-compare > li"):
        lines[item.select_one(".nothing-to-compare__question").get_text(strip=True)] = " ".join(item.get_text().split())
    for question_id in ("attitude", "support", "risks", "training_coverage"):
        question = questionnaire.question(question_id)
        assert page.find(id=f"result-{question_id}") is None
        line = lines[question.text["fi"]]
        assert question.options[0].label["fi"] in line, question_id
        assert line.endswith("Vertailtavaa ei ole julkaistu."), line
    # No table of dashes anywhere.
    for table in page.select("section.question-result table"):
        cells = [td.get_text(strip=True) for td in table.select("tbody td")]
        assert cells.count("–") < len(cells) or not cells


def test_without_enough_peers_no_group_is_shown(submitted, db, questionnaire):
    add_peers(db, questionnaire, 3)
    page = soup(submitted.get("/en/results"))
    assert "no group of organisations like yours" in page.find(id="peers").find_next("p").get_text()
    assert page.select_one("#chart-own-use") is None
    assert "Peer group" not in page.select_one("section.question-result thead").get_text()


def test_with_enough_peers_the_group_and_its_shares_are_shown(submitted, db, questionnaire):
    add_peers(db, questionnaire, 4)
    page = soup(submitted.get("/en/results"))
    assert "5 organisations" in page.find(id="peers").find_next("p").get_text()
    assert page.select_one("#chart-own-use") is not None
    # All five answered the first option of own_use: 100 % of the group.
    own_use = page.find(id="result-own_use").find_parent("section")
    first_row = own_use.tbody.find("tr")
    assert first_row.find_all("td")[1].get_text(strip=True) == "5 of 5 organisations (100%)"
    # Each organisation of a group of five is a fifth of it: the page says why shares move in steps of 20 %.
    assert "In a group of 5 organisations, each organisation is 20% of the group" in page.get_text()


def test_free_text_stays_with_its_own_organisation(submitted, db, questionnaire):
    # The peers wrote a text of their own, so that a peer's text on this page would show as itself.
    add_peers(db, questionnaire, 4, {**SMALL_KUNTA, "support": {"support_other": "Naapurin oma vastaus"}})
    submitted.get("/fi/results")
    html = submitted.get("/fi/results").get_data(as_text=True)
    assert soup_of(html).select_one("#chart-own-use") is not None  # the peer group is shown
    assert html.count("Vapaa vastaus: support_other") == 1  # its own answer, once, in its own section
    assert "Naapurin oma vastaus" not in html


def test_charts_embed_figure_json_and_load_plotly_from_a_versioned_url(submitted, db, questionnaire):
    add_peers(db, questionnaire, 4)
    page = soup(submitted.get("/fi/results"))
    data = json.loads(page.select_one("#chart-own-use-data").string)
    assert data["data"][0]["type"] == "bar" and data["layout"]["separators"] == ",\xa0"  # decimal comma, no-break space
    scripts = [s["src"] for s in page.select("script[src]")]
    assert any(src.startswith("/static/vendor/plotly-basic.min.js?v=") for src in scripts)
    assert not page.select("script:not([src]):not([type='application/json'])")
    # The profile heads the summary as the server's SVG, which needs no script, with its table.
    figure = page.select_one("#chart-profile-caption").find_parent("figure")
    assert figure.find_parent(class_="results-summary") is not None
    assert figure.select_one("svg.chart-svg")
    table = figure.find("table")
    # The organisation's four dimensions; the respondent's own use and attitude are shown apart, not charted.
    names = [row.th.get_text(strip=True) for row in table.tbody.find_all("tr")]
    assert names == ["Tekoälyn käyttö organisaatiossa", "Tuki ja resurssit", "Ohjaus ja riskit", "Muutosnäkymät"]
    respondent = page.find(id="respondent").find_next("dl").get_text(" ")
    assert "Vastaajan oma käyttö" in respondent and "Asenteet ja kulttuuri" in respondent
    # Drawn by the server first, so that the chart shows before (and without) plotly.js.
    assert page.select_one("#chart-own-use").find_parent("figure").select_one(".chart__plot svg.chart-svg")


def test_without_a_chart_to_draw_plotly_is_not_loaded(submitted):
    page = soup(submitted.get("/fi/results"))
    assert not page.select("[data-chart]")
    assert not [s["src"] for s in page.select("script[src]") if "plotly" in s["src"]]


def test_plotly_is_the_basic_bundle_of_the_plotly_version_installed_and_draws_every_trace_used(
    submitted, db, questionnaire
):
    import plotly

    add_peers(db, questionnaire, 4)
    from readiness.web.assets import PLOTLY_JS

    bundle = (ROOT / "static" / PLOTLY_JS).read_text(encoding="utf-8")
    assert f"plotly.js (basic - minified) v{plotly.offline.get_plotlyjs_version()}" in bundle[:200]
    page = soup(submitted.get("/fi/results"))
    traces = {
        trace["type"] for s in page.select("script[type='application/json']") for trace in json.loads(s.string)["data"]
    }
    assert traces and traces <= {"bar", "pie", "scatter"}  # the traces the basic bundle holds


def test_plotly_is_served_once_with_a_long_cache_and_compressed(client):
    page = client.get("/fi/")
    assert b"plotly" not in page.data  # only pages with charts load it
    from readiness.web.assets import plotly_url

    with client.application.test_request_context():
        url = plotly_url()
    # What Chromium sends; a file is streamed, and Flask-Compress streams Brotli (not gzip).
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"}) as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 31536000 and response.cache_control.immutable
        assert response.headers["Content-Encoding"] in {"br", "zstd"}
        body = response.get_data()
        body = brotli.decompress(body) if response.headers["Content-Encoding"] == "br" else zstd.decompress(body)
    assert body == (ROOT / "static" / "vendor" / "plotly-basic.min.js").read_bytes()


def test_public_pages_are_compressed_and_private_ones_are_not(submitted):
    public = submitted.get("/fi/privacy", headers={"Accept-Encoding": "gzip"})
    assert public.headers["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(public.data)
    # A page with answers and CSRF tokens stays uncompressed: its compressed size could leak them (BREACH).
    private = submitted.get("/fi/results", headers={"Accept-Encoding": "gzip"})
    assert private.cache_control.no_store and "Content-Encoding" not in private.headers


def test_scores_page_explains_every_dimension(client, questionnaire):
    from readiness.core import scoring

    page = soup(client.get("/sv/scores"))
    model = scoring.load(questionnaire)
    headings = [h.get_text(strip=True) for h in page.find_all("h2")]
    for dimension in model.dimensions:
        assert dimension.name.sv in headings


# The API, checked against its own OpenAPI document ------------------------------------------------


@pytest.fixture
def openapi(client):
    return client.get("/api/v1/openapi.json").json


def assert_matches(openapi, path, status, response):
    """Validate a response body against the schema the OpenAPI document gives for it."""
    operation = openapi["paths"][path]["get"]
    assert str(status) in operation["responses"], f"{path} may not answer {status}"
    assert response.status_code == status, response.json
    declared = operation["responses"][str(status)]
    if "$ref" in declared:
        declared = openapi["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
    schema = {**declared["content"]["application/json"]["schema"], "components": openapi["components"]}
    Draft202012Validator(schema).validate(response.json)


def test_openapi_document_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    Draft202012Validator.check_schema({"components": openapi["components"]})
    assert set(openapi["paths"]) == {"/reference", "/peers", "/assessment", "/openapi.json"}


def test_api_reference(client, openapi, questionnaire):
    response = client.get("/api/v1/reference")
    assert_matches(openapi, "/reference", 200, response)
    ids = {figure["id"] for figure in response.json["figures"]}
    assert ids == {figure.id for figure in published_figures(questionnaire)}
    figures = {figure["id"]: figure for figure in response.json["figures"]}
    # A share published in words is never a decimal; a deck-only figure links nowhere; context says its survey.
    assert (figures["r.own.regular"]["value"], figures["r.own.regular"]["number"]) == ("1/3", None)
    assert "0.333" not in response.get_data(as_text=True)
    assert figures["r.orgs.kunta"]["source"]["url"] is None
    assert figures["r.own.regular"]["source"]["name_sv"] == "KT, pressmeddelande 2024"
    assert figures["r.own.tried"]["precision"] == "lower-bound"
    assert (figures["r.respondents"]["survey"], figures["c.stat.genai"]["survey"]) == (None, "tilastokeskus-tvt")


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?colour=red", 400, "unknown_filter"),
        ("?org_type=planet", 400, "unknown_filter_value"),
        ("?size_band=under_5000", 400, "size_band_needs_org_type"),
        ("?org_type=kunta&size_band=under_50", 400, "unknown_filter_value"),
        ("?org_type=yritys", 404, "group_not_shown"),
    ],
)
def test_api_peers_errors(client, db, questionnaire, openapi, query, status, code):
    add_peers(db, questionnaire, 5)
    response = client.get("/api/v1/peers" + query)
    assert_matches(openapi, "/peers", status, response)
    assert response.json["error"]["code"] == code


def test_api_peers_cannot_be_differenced(client, db, questionnaire, openapi):
    """Five small municipalities and one large: the large one's answers must not follow from any two groups.
    Its cell is not shown, and the type and everyone are the sum of the cells shown: the five small ones."""
    add_peers(db, questionnaire, 5)
    add_peers(db, questionnaire, 1, LARGE_KUNTA, prefix="large")
    small = client.get("/api/v1/peers?org_type=kunta&size_band=under_5000")
    assert_matches(openapi, "/peers", 200, small)
    assert small.json["group"]["organisations"] == 5
    # Release 2 (after the large one) repeats the small class of release 1: nothing in it changed.
    first = releases.recent_releases(db)[-1]
    assert small.json["release"]["id"] == 2 and small.json["figures_as_of"] == first.published_at
    for query in ("?org_type=kunta", ""):
        response = client.get("/api/v1/peers" + query)
        assert_matches(openapi, "/peers", 200, response)
        assert response.json["group"]["organisations"] == 5
        assert response.json["answers"] == small.json["answers"]
    assert_matches(openapi, "/peers", 404, client.get("/api/v1/peers?org_type=kunta&size_band=20000_plus"))
    # A population band is no size class of its own: the classes merge bands.
    assert client.get("/api/v1/peers?org_type=kunta&size_band=200000_plus").status_code == 400
    # With a second large municipality nothing changes: two are still fewer than five.
    add_peers(db, questionnaire, 1, LARGE_KUNTA, prefix="large-2")
    assert client.get("/api/v1/peers?org_type=kunta").json["group"]["organisations"] == 5
    # With five large ones their class is shown, and the type and everyone hold all ten.
    add_peers(db, questionnaire, 3, LARGE_KUNTA, prefix="large-3")
    assert client.get("/api/v1/peers?org_type=kunta&size_band=20000_plus").json["group"]["organisations"] == 5
    for query in ("?org_type=kunta", ""):
        assert client.get("/api/v1/peers" + query).json["group"]["organisations"] == 10


def test_the_page_uses_the_same_release(app, submitted, db, questionnaire):
    add_peers(db, questionnaire, 4)
    add_peers(db, questionnaire, 1, LARGE_KUNTA, prefix="large")
    small = soup(submitted.get("/en/results")).find(id="peers").find_next("p").get_text(" ", strip=True)
    assert "5 organisations" in small and "Municipality · under 5,000 residents" in small
    # The large municipality alone: its class is not shown; the municipalities the release shows are the five
    # small ones, and it is compared with them.
    large = app.test_client()
    with large.session_transaction() as session:
        session["assessment"] = database.hash_token("large-0")
    text = soup(large.get("/en/results")).find(id="peers").find_next("p").get_text(" ", strip=True)
    assert "5 organisations" in text and text.endswith("Municipality .")


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_api_assessment(app, submitted, openapi, questionnaire):
    token = soup(submitted.get("/fi/saved")).select_one("#resume-link")["value"].rsplit("#", 1)[1]
    other = app.test_client()
    response = other.get("/api/v1/assessment", headers=bearer(token))
    assert_matches(openapi, "/assessment", 200, response)
    assert response.json["answers"]["own_use"] == ["regularly"]
    # "regularly" is 100 points; own use stops at its ceiling, 89 (readiness-model.3).
    assert response.json["scores"]["own_use"]["value"] == 89
    assert response.json["assessment"]["status"] == "submitted"
    from readiness.core import scoring

    assert response.json["model_version"] == scoring.load(questionnaire).version
    levels = {dimension: score["level"] for dimension, score in response.json["scores"].items()}
    assert {d for d, level in levels.items() if level == "respondent"} == {"own_use", "attitude"}
    benchmark = {item["answer_key"]: item for item in response.json["benchmark"]}
    assert (benchmark["benefits"]["origin"], benchmark["benefits"]["options_origin"]) == ("service", "kt2025")
    assert [f["id"] for f in benchmark["guidelines"]["context"]] == ["c.kl.strategy", "c.kl.comms.guidelines"]
    assert benchmark["own_use"]["not_comparable"] == []
    notes = {note["id"]: note for note in response.json["legal_notes"]}
    assert "hr_high_risk" in notes and notes["hr_high_risk"]["checked"] == "2026-12-01"


@pytest.mark.parametrize(
    ("headers", "query", "status", "code"),
    [
        ({}, "", 401, "missing_token"),
        ({"Authorization": "Basic abc"}, "", 401, "missing_token"),
        (bearer("x" * 43), "", 401, "unknown_token"),
        (bearer("short"), "", 401, "missing_token"),
        ({}, "?token=" + "x" * 43, 400, "token_in_query"),
    ],
)
def test_api_assessment_refuses_without_its_token(client, openapi, headers, query, status, code):
    response = client.get("/api/v1/assessment" + query, headers=headers)
    assert_matches(openapi, "/assessment", status, response)
    assert response.json["error"]["code"] == code
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_assessments_answers_from_the_api_are_never_cached(app, submitted):
    token = soup(submitted.get("/fi/saved")).select_one("#resume-link")["value"].rsplit("#", 1)[1]
    response = app.test_client().get("/api/v1/assessment", headers=bearer(token))
    assert response.status_code == 200
    assert response.cache_control.no_store


def test_api_assessment_not_yet_submitted(app, answered, openapi):
    token = soup(answered.get("/fi/saved")).select_one("#resume-link")["value"].rsplit("#", 1)[1]
    response = app.test_client().get("/api/v1/assessment", headers=bearer(token))
    assert_matches(openapi, "/assessment", 409, response)


# Operator reference files ---------------------------------------------------------------------------


def write_csv(path, rows, header=reference.COLUMNS):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def operator_row(**changes):
    row = {
        "id": "kt.full.own.occasionally",
        "question_id": "own_use",
        "option_id": "occasionally",
        "value": "12",
        "unit": "percent",
        "precision": "exact",
        "n": "158",
        "year": "2024",
        "source_url": "https://example.org/kt-2024-tables",
        "source_name": "KT full tables 2024",
        "quote": "Satunnaisesti 12 %",
        "text_fi": "12 % käytti satunnaisesti",
        "text_sv": "12 % använde ibland",
        "text_en": "12% used it occasionally",
    }
    row.update(changes)
    return [row[column] for column in reference.COLUMNS]


def test_operator_figures_appear_with_the_operators_source(runner, submitted, tmp_path):
    result = runner.invoke(args=["reference", "load", str(write_csv(tmp_path / "kt.csv", [operator_row()]))])
    assert result.exit_code == 0, result.output
    page = soup(submitted.get("/en/results"))
    assert "12% used it occasionally" in page.get_text()
    assert page.find("a", string="KT full tables 2024", href="https://example.org/kt-2024-tables")
    # Extending keeps the packaged figures.
    assert "about one in three" in page.get_text()


def test_operator_figures_can_replace_the_packaged_ones(runner, submitted, tmp_path):
    result = runner.invoke(
        args=["reference", "load", "--replace", str(write_csv(tmp_path / "kt.csv", [operator_row()]))]
    )
    assert result.exit_code == 0, result.output
    text = soup(submitted.get("/en/results")).get_text()
    assert "12% used it occasionally" in text and "about one in three" not in text


def test_a_replaced_reference_stays_replaced_when_extended(runner, submitted, tmp_path):
    runner.invoke(args=["reference", "load", "--replace", str(write_csv(tmp_path / "a.csv", [operator_row()]))])
    row = operator_row(
        id="kt.full.org_use.hr", question_id="org_use.hr", option_id="a_lot", text_en="8% used AI a lot in HR"
    )
    result = runner.invoke(args=["reference", "load", str(write_csv(tmp_path / "b.csv", [row]))])
    assert result.exit_code == 0, result.output
    page = soup(submitted.get("/en/results"))
    text = page.get_text()
    assert "12% used it occasionally" in text and "about one in three" not in text
    # A figure about one row of a matrix question is shown in that row.
    hr_row = page.find(id="result-org_use").find_parent("section").find("th", string="Human resources (HR)").parent
    assert "8% used AI a lot in HR" in hr_row.get_text()


@pytest.mark.parametrize(
    ("rows", "header", "problem"),
    [
        ([operator_row()], reference.COLUMNS[:-1], "text_en"),
        ([operator_row(value="lots")], reference.COLUMNS, "value"),
        ([operator_row(option_id="sometimes")], reference.COLUMNS, "option_id"),
        ([operator_row(source_url="http://example.org")], reference.COLUMNS, "source_url"),
    ],
)
def test_a_rejected_reference_file_changes_nothing(runner, app, db, tmp_path, rows, header, problem):
    runner.invoke(args=["reference", "load", str(write_csv(tmp_path / "good.csv", [operator_row(id="kept")]))])
    path = write_csv(tmp_path / "bad.csv", [r[: len(header)] for r in rows], header)
    result = runner.invoke(args=["reference", "load", "--replace", str(path)])
    assert result.exit_code != 0
    assert problem in result.output
    assert [row[0] for row in db.execute("select id from reference_figures")] == ["kept"]
    assert db["reference_loads"].count == 1


def test_a_reused_results_page_changes_when_the_peers_do(submitted, db, questionnaire):
    before = soup(submitted.get("/en/results")).find(id="peers").find_next("p").get_text()
    assert "no group of organisations like yours" in before
    add_peers(db, questionnaire, 4)
    after = soup(submitted.get("/en/results")).find(id="peers").find_next("p").get_text()
    assert "5 organisations" in after


def test_a_reused_results_page_keeps_each_browsers_own_form_token(app, submitted):
    token = soup(submitted.get("/fi/saved")).select_one("#resume-link")["value"].rsplit("#", 1)[1]
    other = app.test_client()
    page = other.get("/fi/resume").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert other.post("/fi/resume", data={"link": token, "csrf_token": csrf}).status_code == 302
    first = soup(submitted.get("/fi/results")).select_one("form[action='/fi/new'] input[name=csrf_token]")["value"]
    second = soup(other.get("/fi/results")).select_one("form[action='/fi/new'] input[name=csrf_token]")["value"]
    assert first != second
    assert other.post("/fi/new", data={"csrf_token": second}).status_code == 302


def test_recommendations_say_why_with_the_answers_that_led_to_them(client, questionnaire, answers):
    from tests.conftest import post_form

    for section in questionnaire.sections:
        data = dict(answers[section.id])
        if section.id == "own_use":
            data["own_use"] = "none"
        if section.id == "risks":
            data["guidelines"] = "no"
        post_form(client, f"/fi/section/{section.id}", data)
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    page = soup(client.get("/fi/results"))
    titles = [h.get_text(strip=True) for h in page.select("#recommendations ~ * ol .recommendation__title")]
    assert titles, "no recommendations"
    reasons = " ".join(li.get_text(" ", strip=True) for li in page.select(".recommendation__why li"))
    assert "vastauksesi: ”Minulla ei ole vielä kokemusta tekoälyn käytöstä”" in reasons
    assert "vastauksesi: ”Ei”" in reasons
    for link in page.select(".recommendation__resources a"):
        assert link["href"].startswith("https://")
    assert page.select_one(".said-2024 a")["href"].startswith("https://")


def test_the_page_says_which_release_it_shows_and_when_the_next_is_due(submitted, db, questionnaire):
    add_peers(db, questionnaire, 4)
    text = soup(submitted.get("/en/results")).find(id="peers").find_parent().get_text(" ", strip=True)
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()  # dates are shown in Finnish time
    assert f"This release is of {today.day}.{today.month}.{today.year}" in text
    due = datetime.now(ZoneInfo("Europe/Helsinki")).date() + timedelta(days=7)
    assert f"The next release is due on {due.day}.{due.month}.{due.year}." in text
    assert "its figures hold 5 organisations. By type: Municipality 5." in " ".join(text.split())


def test_every_table_is_a_labelled_region_a_keyboard_can_scroll(submitted):
    # On a phone any table may be wider than the screen; axe's scrollable-region-focusable needs each to be reachable.
    page = soup(submitted.get("/fi/results"))
    wrappers = page.select(".table-wrapper")
    assert wrappers
    for wrapper in wrappers:
        assert wrapper["tabindex"] == "0" and wrapper["role"] == "region"
        assert wrapper["aria-label"] == "Taulukko: " + wrapper.find("caption").get_text(strip=True)


def test_legal_notes_follow_the_answers_with_their_check_date_and_sources(submitted):
    # The answers put AI "in use" in every HR function, recruitment and performance management included.
    page = soup(submitted.get("/fi/results"))
    legal = page.select("section.ai-act")
    titles = [section.h3.get_text(strip=True) for section in legal]
    assert "Rekrytointi ja suorituksen arviointi: suuririskistä tekoälyä" in titles
    hr = next(section for section in legal if section.h3.get_text(strip=True).startswith("Rekrytointi"))
    assert "Tarkistettu 1.12.2026." in hr.get_text(" ")
    assert hr.find("a", href="https://www.finlex.fi/fi/laki/ajantasa/2004/20040759") is not None
    # Communications is "not at all" in these answers: no Article 50(4) note.
    assert not any("50 artiklan 4 kohta" in title for title in titles)


@pytest.mark.parametrize(
    "lang, own, not_scored",
    [
        (
            "fi",
            "Tämä malli on tämän palvelun oma, ei KT:n",
            "Ei pisteytetä tässä: Suorituksen johtamisessa, Rekrytoinnissa",
        ),
        ("sv", "Den här modellen är tjänstens egen, inte KT:s", "Poängsätts inte här: Prestationsledning, Rekrytering"),
        ("en", "This model is this service's own, not KT's", "Not scored here: Performance management, Recruitment"),
    ],
)
def test_the_scores_page_says_whose_model_it_is_its_versions_and_what_is_not_scored(client, lang, own, not_scored):
    from readiness.core import scoring
    from readiness.core.questionnaire import load

    model = scoring.load(load())
    text = " ".join(soup(client.get(f"/{lang}/scores")).get_text(" ").split())
    assert own in text and not_scored in text
    for change in model.changelog:
        assert change.version in text and change.text(lang)[:60] in text
