"""The operator's console: sign-in and its refusals, participation, results beside 2024, exports, reference
tables and backups."""

import io
import re
import sqlite3
import threading

import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from werkzeug.security import generate_password_hash

from readiness.store import assessments
from readiness.store import database
from readiness.store import operators
from tests.conftest import csrf_token
from tests.conftest import release
from tests.conftest import submit_assessment

PASSWORD = "oikein-pitkä-salasana"
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x")'


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def operator(db):
    operators.create_operator(db, "operaattori", generate_password_hash(PASSWORD))
    return "operaattori"


def sign_in(client, username="operaattori", password=PASSWORD, lang="fi"):
    url = f"/{lang}/console/sign-in"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "username": username, "password": password})


@pytest.fixture
def console(client, operator):
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def submitted_many(db, questionnaire):
    """Six submitted municipalities, one with a hostile name and hostile free text."""
    ids = [submit_assessment(db, questionnaire, f"org-{i}") for i in range(5)]
    ids.append(
        submit_assessment(
            db,
            questionnaire,
            "hostile",
            {"profile": {"org_name": HOSTILE_NAME}, "outlook": {"future": "@SUM(1+1)*cmd|' /C calc'!A0"}},
        )
    )
    return ids


def console_routes(app):
    """Every console URL in the URL map, with a sample value for its arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.endpoint != "console.sign_in":
            url = rule.rule.replace("<lang_code>", "fi").replace("<int:upload_id>", "1")
            routes.append((url, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return routes


def test_every_console_route_refuses_without_sign_in(app, client):
    routes = console_routes(app)
    assert len(routes) >= 9
    for url, methods in routes:
        for method in methods:
            response = client.open(url, method=method, data={"csrf_token": csrf_token(client, "/fi/console/sign-in")})
            assert response.status_code in (302, 400), (url, method)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/fi/console/sign-in"), (url, method)


def test_sign_in_and_out_and_the_old_session_stops_working(client, operator):
    response = client.get("/fi/console/")
    assert response.headers["Location"].startswith("/fi/console/sign-in")
    assert sign_in(client).headers["Location"] == "/fi/console/"
    assert client.get("/fi/console/").status_code == 200
    old_cookie = client.get_cookie("session").value
    response = client.post("/fi/console/sign-out", data={"csrf_token": csrf_token(client, "/fi/console/")})
    assert response.status_code == 302
    assert client.get("/fi/console/").status_code == 302
    # A copy of the session cookie from before the sign-out is refused too.
    client.set_cookie("session", old_cookie)
    assert client.get("/fi/console/").headers["Location"].startswith("/fi/console/sign-in")


def test_the_session_cookie_is_httponly_and_samesite(client, operator):
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_behind_https(app, operator):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    assert "Secure" in sign_in(client).headers["Set-Cookie"]


def test_wrong_passwords_get_one_message_and_then_a_lock(client, operator):
    for attempt in range(5):
        response = sign_in(client, password=f"väärä-{attempt}", lang="en")
        assert response.status_code == 401
        assert "The user name or password is wrong." in response.get_data(as_text=True)
        assert soup(response).title.get_text().startswith("Error")
    unknown = sign_in(client, username="nobody", password="x", lang="en")
    assert unknown.status_code == 401 and "user name or password is wrong" in unknown.get_data(as_text=True)
    # The sixth attempt is refused even with the right password.
    locked = sign_in(client, lang="en")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert client.get("/en/console/").status_code == 302


def test_a_stranger_failing_with_her_name_does_not_lock_the_operator_out(app, operator):
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "192.0.2.66"
    for attempt in range(6):
        sign_in(stranger, password=f"arvaus-{attempt}", lang="en")
    assert sign_in(stranger, lang="en").status_code == 429  # the stranger is locked out of the name
    own = app.test_client()
    own.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(own).status_code == 302  # the operator, from her own machine, is not
    assert own.get("/fi/console/").status_code == 200


def test_operators_are_listed_disabled_and_enabled_from_the_command_line(app, db, runner, operator):
    listed = runner.invoke(args=["operators", "list"])
    assert listed.exit_code == 0 and "operaattori" in listed.output and "enabled" in listed.output
    signed_in = app.test_client()
    assert sign_in(signed_in).status_code == 302
    assert runner.invoke(args=["operators", "disable", "operaattori"]).exit_code == 0
    assert "disabled since" in runner.invoke(args=["operators", "list"]).output
    # Her open session ends at once, and the right password no longer signs her in.
    assert signed_in.get("/fi/console/").status_code == 302
    refused = sign_in(app.test_client(), lang="en")
    assert refused.status_code == 401 and "user name or password is wrong" in refused.get_data(as_text=True)
    assert runner.invoke(args=["operators", "enable", "operaattori"]).exit_code == 0
    assert sign_in(app.test_client()).status_code == 302
    unknown = runner.invoke(args=["operators", "disable", "nobody"])
    assert unknown.exit_code != 0 and "no operator called 'nobody'" in unknown.output


def test_a_forged_csrf_token_is_refused(client, operator):
    response = client.post(
        "/fi/console/sign-in", data={"csrf_token": "forged", "username": "operaattori", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert client.get("/fi/console/").status_code == 302


def test_passwords_are_stored_with_a_slow_salted_hash(db, operator):
    stored = db.execute("select password_hash from operators").fetchone()[0]
    assert stored.startswith(("scrypt:", "pbkdf2:")) and PASSWORD not in stored
    assert stored != generate_password_hash(PASSWORD)  # salted: the same password hashes differently


def test_participation(console, db, questionnaire, submitted_many):
    assessments.create_assessment(db, "d" * 64, questionnaire.version, "profile", [], {}, {})
    page = soup(console.get("/en/console/"))
    totals = [dd.get_text() for dd in page.select(".totals dd")]
    # Organisations started, with a submitted assessment; assessments started, submitted.
    assert totals == ["7", "6", "7", "6"]
    sections = page.find(id="sections").find_next("table").tbody.find_all("tr")
    first = [td.get_text() for td in sections[0].find_all("td")]
    assert first[0] == "7"
    second = [td.get_text() for td in sections[1].find_all("td")]
    assert second[0] == "6" and second[2] == "1"  # the draft stopped before the second section


def table_rows(page, heading_id):
    table = page.find(id=heading_id).find_next("table")
    return [[cell.get_text(strip=True) for cell in row.find_all(["th", "td"])] for row in table.tbody.find_all("tr")]


def test_participation_counts_organisations_once_with_labelled_bands(console, db, questionnaire, submitted_many):
    from readiness.store import organisations

    profile = questionnaire.sections[0]
    keys = [key for q in profile.questions for key in q.answer_keys()]
    # A second round of one organisation: one more assessment, not one more organisation.
    organisations.start_round(db, submitted_many[0], "e" * 64, questionnaire.version, profile.id, keys)
    assessments.create_assessment(db, "d" * 64, questionnaire.version, "profile", [], {}, {})
    page = soup(console.get("/en/console/"))
    assert [dd.get_text() for dd in page.select(".totals dd")] == ["7", "6", "8", "6"]
    assert table_rows(page, "by-org_type") == [["Municipality", "6", "6"], ["Not answered yet", "1", "0"]]
    bands = table_rows(page, "by-size_band")
    assert bands[0][0].startswith("Population: ") and bands[-1][0] == "Not answered yet"
    assert sum(int(row[1]) for row in bands) == 7
    assert "Finnish time" in page.find(class_="hint").get_text()


def test_results_beside_2024_show_released_figures_with_charts(console, db, questionnaire, submitted_many):
    release(db)
    page = soup(console.get("/en/console/results"))
    assert "6 organisations in this group" in page.get_text()
    # One chart per question, the published 2024 figures beside the question they describe.
    own_use = page.find(id="q-own_use").find_parent(class_="console-question")
    assert own_use.find("svg") and own_use.select(".figure-source")
    # "Not published" is said once per question without figures, never in a table row (a published figure may
    # itself say that shares were not published).
    assert not [cell for cell in page.find_all("td") if "not published" in cell.get_text()]
    narrow = soup(console.get("/en/console/results?org_type=yritys"))
    assert "may not be shown" in narrow.get_text()
    assert narrow.find(id="questions") is None


def test_result_filters_cannot_isolate_an_organisation(console, db, questionnaire):
    """Five small municipalities and one larger: the release withholds the larger one's cell, and everyone and
    the type are the sums of the cells shown, so no filter tells the sixth's answers (by itself or by
    difference)."""
    submit_assessment(db, questionnaire, "alone", {"profile": {"org_type": "kunta", "population": "5000_9999"}})
    for i in range(5):
        submit_assessment(
            db, questionnaire, f"small-{i}", {"profile": {"org_type": "kunta", "population": "under_5000"}}
        )
    release(db)
    page = soup(console.get("/en/console/results?org_type=kunta&size_band=5000_19999"))
    assert "may not be shown" in page.get_text()
    assert page.find(id="questions") is None
    for query in ("", "?org_type=kunta", "?org_type=kunta&size_band=under_5000"):
        shown = soup(console.get("/en/console/results" + query))
        assert "5 organisations in this group" in shown.get_text(), query
        assert shown.find(id="questions"), query


def test_results_read_only_released_figures(console, db, questionnaire, submitted_many):
    """A submission after the latest release does not reach the console's figures until the next release."""
    release(db)
    before = soup(console.get("/en/console/results")).get_text()
    submit_assessment(db, questionnaire, "late", {"profile": {"org_type": "kunta"}})
    after = soup(console.get("/en/console/results")).get_text()
    assert "6 organisations in this group" in before and "6 organisations in this group" in after


@pytest.mark.parametrize(
    "query", ["?colour=red", "?org_type=planet", "?since=2026-01-01", "?size_band=huge", "?size_band=under_5000"]
)
def test_unknown_filters_are_refused_clearly(console, query):
    response = console.get("/en/console/results" + query)
    assert response.status_code == 400
    assert soup(response).html["lang"] == "en"


def test_the_csv_export_round_trips(console, db, questionnaire, submitted_many):
    response = console.get("/fi/console/exports/answers")
    assert response.status_code == 200
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) == 6
    assert "organisation_name" not in frame.columns
    # Every stored answer is in its column.
    for assessment_id in submitted_many:
        row = frame[frame["assessment"] == str(assessment_id)].iloc[0]
        for key, option in db.execute(
            "select question_id, option_id from answers where assessment_id = ?", [assessment_id]
        ):
            if key == "org_name":
                continue
            question = questionnaire.question(key.split(".")[0])
            if question.type == "multiple":
                assert row[f"{key}.{option}"] == "1"
            else:
                assert row[key] == option
    hostile = frame[frame["assessment"] == str(submitted_many[-1])].iloc[0]
    assert hostile["future"].startswith("'@")
    named = pd.read_csv(
        io.BytesIO(console.get("/fi/console/exports/answers?names=1").data), encoding="utf-8-sig", dtype=str
    )
    assert named["organisation_name"].tolist()[-1] == "'" + HOSTILE_NAME
    assert named["organisation_name"].tolist()[0] == "Vapaa vastaus: org_name"


@pytest.mark.parametrize(
    "query", ["?names=yes", "?org_type=kunta", "?names=1&limit=5", "?format=ods", "?latest=2", "?format=xlsx&x=1"]
)
def test_an_export_with_unknown_filters_is_refused(console, query):
    response = console.get(f"/en/console/exports/answers{query}")
    assert response.status_code == 400
    assert "Unknown filter" in soup(response).h1.get_text()


def test_the_excel_export_and_the_codebook(console, questionnaire, submitted_many):
    response = console.get("/fi/console/exports/answers?format=xlsx")
    assert response.status_code == 200
    workbook = response.data
    response.close()
    sheets = pd.read_excel(io.BytesIO(workbook), sheet_name=None, dtype=str)
    assert len(sheets["vastaukset"]) == 6
    codebook = sheets["koodikirja"]
    assert set(sheets["vastaukset"].columns) <= set(codebook["column"])
    row = codebook[codebook["column"] == "attitude"].iloc[0]
    assert row["question_fi"] == questionnaire.question("attitude").text["fi"]
    # Hostile text is a neutralised string in Excel too, never a formula.
    named = console.get("/fi/console/exports/answers?format=xlsx&names=1")
    sheet = openpyxl.load_workbook(io.BytesIO(named.data))["vastaukset"]
    named.close()
    header = [cell.value for cell in sheet[1]]
    hostile = sheet.cell(row=sheet.max_row, column=header.index("organisation_name") + 1)
    assert hostile.data_type == "s" and hostile.value == "'" + HOSTILE_NAME
    csv = pd.read_csv(io.BytesIO(console.get("/fi/console/exports/codebook.csv").data), encoding="utf-8-sig")
    assert list(csv["column"]) == list(codebook["column"])


def test_the_open_data_export_holds_the_release(console, db, questionnaire):
    """One municipality of 5 000–9 999 people and five smaller ones: the release shows the five small ones, and
    their type and everyone are the sum of the classes shown (five), so that nothing gives the sixth."""
    submit_assessment(db, questionnaire, "alone", {"profile": {"org_type": "kunta", "population": "5000_9999"}})
    for i in range(5):
        submit_assessment(
            db, questionnaire, f"small-{i}", {"profile": {"org_type": "kunta", "population": "under_5000"}}
        )
    release(db)
    frame = pd.read_csv(io.BytesIO(console.get("/fi/console/exports/open-data.csv").data), encoding="utf-8-sig")
    assert set(frame["group_organisations"]) == {5}
    groups = set(zip(frame["org_type"], frame["size_band"], strict=True))
    assert groups == {("kunta", "under_5000"), ("kunta", "*"), ("*", "*")}
    by_group = {
        g: rows.set_index(["answer_key", "option_id"])["organisations"]
        for g, rows in frame.groupby(["org_type", "size_band"])
    }
    assert by_group[("*", "*")].equals(by_group[("kunta", "under_5000")])
    assert not frame["answer_key"].isin(["org_type", "region", "role", "org_name"]).any()


REFERENCE_HEADER = (
    "id,question_id,option_id,value,unit,precision,n,year,source_url,source_name,quote,text_fi,text_sv,text_en"
)


def upload(console, text, name="taulukot.csv"):
    return console.post(
        "/en/console/reference",
        data={"csrf_token": csrf_token(console, "/en/console/reference"), "file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_a_reference_csv_with_wrong_columns_is_refused_and_changes_nothing(console, db):
    response = upload(console, "a,b\n1,2\n")
    assert response.status_code == 400
    assert soup(response).find(class_="error-summary")
    assert db.execute("select count(*) from reference_figures").fetchone() == (0,)
    assert db.execute("select count(*) from reference_uploads").fetchone() == (0,)


def test_a_reference_csv_is_previewed_then_loaded_with_its_source(console, db):
    from readiness.core.reference import COLUMNS

    assert ",".join(COLUMNS) == REFERENCE_HEADER
    row = (
        "own_use_regular,own_use,regularly,40,percent,exact,158,2024,https://example.fi/taulukot,KT:n taulukot,"
        "40 %,40 % käytti viikoittain,40 % använde varje vecka,40% used it weekly"
    )
    response = upload(console, REFERENCE_HEADER + "\n" + row + "\n")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    page = soup(response)
    assert page.find(id="preview") and "own_use_regular" in page.find(id="preview").find_next("table").get_text()
    assert db.execute("select count(*) from reference_figures").fetchone() == (0,)
    form = page.find(id="preview").find_next("form")
    response = console.post(
        form["action"], data={"csrf_token": csrf_token(console, "/en/console/reference"), "mode": "extend"}
    )
    assert response.status_code == 302
    assert db.execute("select id from reference_figures").fetchall() == [("own_use_regular",)]
    loaded_from = db.execute("select loaded_from from reference_loads").fetchone()[0]
    assert "taulukot.csv" in loaded_from and "operaattori" in loaded_from
    # Applying the same upload twice is refused clearly.
    again = console.post(form["action"], data={"csrf_token": csrf_token(console, "/en/console/reference")})
    assert again.status_code == 404


def test_a_backup_during_concurrent_writes_restores_every_acknowledged_save(app, runner, db, questionnaire, tmp_path):
    acknowledged = []
    stop = threading.Event()

    def write():
        connection = database.connect(app.config["DATABASE"])
        assessment_id = assessments.create_assessment(
            connection, "w" * 64, questionnaire.version, "profile", [], {}, {}
        )
        n = 0
        while not stop.is_set():
            assessments.save_section(connection, assessment_id, "outlook", ["future"], {}, {"future": f"save {n}"})
            acknowledged.append(n)
            n += 1
        connection.conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    while len(acknowledged) < 20:
        pass
    target = tmp_path / "backup.sqlite"
    acknowledged_before = len(acknowledged)
    result = runner.invoke(args=["backup", "create", str(target)])
    stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    saved_in_copy = int(copy.execute("select text from free_texts").fetchone()[0].split()[1])
    copy.close()
    # The copy is one consistent moment: every save acknowledged before the backup began is in it.
    assert saved_in_copy >= acknowledged_before - 1
    # Restore: the live database becomes the copy.
    result = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert db.execute("select text from free_texts").fetchone() == (f"save {saved_in_copy}",)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_backup_target_that_cannot_be_written(runner, tmp_path):
    result = runner.invoke(args=["backup", "create", str(tmp_path / "missing-folder" / "backup.sqlite")])
    assert result.exit_code != 0
    assert "could not be written" in result.output
    assert not (tmp_path / "missing-folder").exists()


def test_operator_accounts_from_the_command_line(runner, db):
    result = runner.invoke(args=["operators", "create", "ylläpitäjä"], input="lyhyt\nlyhyt\n")
    assert result.exit_code != 0 and "at least 12" in result.output
    result = runner.invoke(args=["operators", "create", "ylläpitäjä"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["operators", "create", "ylläpitäjä"], input=f"{PASSWORD}\n{PASSWORD}\n").exit_code != 0
    assert db.execute("select count(*) from operators").fetchone() == (1,)


def test_a_reference_file_larger_than_a_form_is_taken(console, db):
    rows = [
        f"own_use_regular_{i},own_use,regularly,40,percent,exact,158,2024,https://example.fi/taulukot,KT:n taulukot,"
        f"40 %,40 % käytti säännöllisesti {i},40 % använde regelbundet,40% used it regularly"
        for i in range(800)
    ]
    text = REFERENCE_HEADER + "\n" + "\n".join(rows) + "\n"
    assert len(text.encode()) > 100_000
    response = upload(console, text)
    assert response.status_code == 200
    assert "800 figures in the file" in soup(response).get_text()


def export(console, lang="fi", **query):
    response = console.get(f"/{lang}/console/exports/answers", query_string=query)
    assert response.status_code == 200
    return response


def test_the_finnish_excel_csv_has_semicolons_decimal_commas_and_a_bom(console, db, submitted_many):
    body = export(console, format="excel-fi-csv").data
    assert body.startswith("\ufeff".encode()) and body.decode("utf-8-sig").splitlines()[0].startswith('"assessment";')
    finnish = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig")
    standard = pd.read_csv(io.BytesIO(export(console).data), encoding="utf-8-sig")
    assert list(finnish.columns) == list(standard.columns) and len(finnish) == 6
    # The scores are numbers in both, the same numbers as stored.
    stored = dict(
        db.execute(
            "select assessment_id, value from assessment_scores where dimension = 'adoption' and assessment_id = ?",
            [submitted_many[0]],
        ).fetchall()
    )
    first = finnish[finnish["assessment"] == submitted_many[0]].iloc[0]
    assert first["score.adoption"] == pytest.approx(stored[submitted_many[0]])
    assert finnish["score.adoption"].tolist() == pytest.approx(standard["score.adoption"].tolist())


@pytest.mark.parametrize(("lang", "label"), [("fi", "Kunta"), ("sv", "Kommun"), ("en", "Municipality")])
def test_single_choice_answers_carry_their_label_in_the_chosen_language(
    console, questionnaire, submitted_many, lang, label
):
    frame = pd.read_csv(io.BytesIO(export(console, lang).data), encoding="utf-8-sig", dtype=str)
    assert set(frame["org_type"]) == {"kunta"}
    assert set(frame["org_type_label"]) == {label}
    option = questionnaire.question("attitude").option(frame["attitude"].iloc[0])
    assert frame["attitude_label"].iloc[0] == option.label[lang]


def test_latest_round_only_keeps_each_organisations_newest_round(console, db, questionnaire, submitted_many):
    from readiness.store import organisations

    profile = questionnaire.sections[0]
    keys = [key for q in profile.questions for key in q.answer_keys()]
    second = organisations.start_round(db, submitted_many[0], "f" * 64, questionnaire.version, profile.id, keys)
    for section in questionnaire.sections[1:]:
        section_keys = [key for q in section.questions for key in q.answer_keys()]
        assessments.save_section(db, second, section.id, section_keys, {}, {})
    from tests.conftest import peer_rule

    assessments.submit(db, second, [s.id for s in questionnaire.sections], peer_rule())
    every = pd.read_csv(io.BytesIO(export(console).data), encoding="utf-8-sig")
    latest = pd.read_csv(io.BytesIO(export(console, latest="1").data), encoding="utf-8-sig")
    assert len(every) == 7 and len(latest) == 6
    assert submitted_many[0] not in set(latest["assessment"]) and second in set(latest["assessment"])
    assert latest["organisation"].is_unique


def test_each_export_has_a_file_name_that_says_what_it_holds(console, submitted_many):
    names = set()
    for query in (
        {},
        {"names": "1"},
        {"latest": "1"},
        {"format": "excel-fi-csv"},
        {"format": "xlsx"},
        {"format": "xlsx", "names": "1"},
    ):
        response = export(console, **query)
        names.add(response.headers["Content-Disposition"])
        response.close()
    for path in ("codebook.csv", "open-data.csv", "open-data.csv?dialect=excel-fi"):
        names.add(console.get(f"/fi/console/exports/{path}").headers["Content-Disposition"])
    assert len(names) == 9
    named = export(console, names="1").headers["Content-Disposition"]
    assert "vastaukset-nimineen" in named
    assert "vastaukset-ilman-nimia" in export(console).headers["Content-Disposition"]
    assert "avoin-data" in console.get("/fi/console/exports/open-data.csv").headers["Content-Disposition"]
    assert "answers-with-names" in export(console, "en", names="1").headers["Content-Disposition"]


@pytest.mark.parametrize("text", [";=1+1", "ok, =HYPERLINK(1)", "a\t@SUM(1)", "x;  -2+3", "=1+1"])
def test_a_formula_after_any_separator_is_neutralised_in_both_csvs(console, db, questionnaire, text):
    submit_assessment(db, questionnaire, "kaava", {"outlook": {"future": text}})
    for fmt, separator in (("csv", ","), ("excel-fi-csv", ";")):
        body = export(console, format=fmt).data.decode("utf-8-sig")
        # The cell is quoted whole, and no formula character follows a separator or starts it unescaped.
        assert '"' + text.replace("=", "'=").replace("@", "'@").replace("-2", "'-2") in body
        frame = pd.read_csv(io.StringIO(body), sep=separator, dtype=str)
        value = frame["future"].iloc[0]
        for start in [value, *value.replace(";", ",").replace("\t", ",").split(",")]:
            assert not start.lstrip(" ").startswith(("=", "+", "-", "@")), (fmt, value)
        assert value.replace("'", "") == text


def test_an_operator_publishes_a_release_from_the_console(console, db, submitted_many):
    page = soup(console.get("/en/console/releases"))
    assert "No peer release has been published yet." in page.get_text()
    # Without the form's token nothing is published.
    assert console.post("/en/console/releases").status_code == 400
    assert db.execute("select count(*) from releases").fetchone() == (0,)
    response = console.post("/en/console/releases", data={"csrf_token": csrf_token(console, "/en/console/releases")})
    assert response.status_code == 302
    page = soup(console.get(response.headers["Location"]))
    assert "Release 1 published." in page.get_text()
    rows = [
        [c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
        for tr in page.find(id="groups-caption").find_parent("table").tbody.find_all("tr")
    ]
    assert ["Municipality", "under 5,000 residents", "6"] == rows[-1][:3]
    assert db.execute("select organisations from releases").fetchall() == [(6,)]


REPEATED = {
    "fi": ("julkaisu 1", "Toistettu julkaisusta 1", "1 organisaatio on liittynyt", "vähintään 5 organisaation"),
    "sv": (
        "publicering 1",
        "Upprepade från publicering 1",
        "1 organisation har anslutit sig",
        "minst 5 organisationer",
    ),
    "en": ("release 1", "Repeated from release 1", "1 organisation has joined", "at least 5 organisations"),
}


def group_rows(page):
    """The cells of each row of the releases page's table of groups."""
    table = page.find(id="groups-caption").find_parent("table")
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in table.tbody.find_all("tr")]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_releases_page_says_which_release_a_groups_figures_are_from_and_why(app, console, db, questionnaire, lang):
    """Six wellbeing services counties, a release; a seventh, another release: the auditor repeats release 1's
    figures (one organisation is a change of one, fewer than k + c = 5), and the page says so in words."""
    assert app.config["PEER_MINIMUM"] + app.config["PEER_COALITION"] == 5
    county = {"profile": {"org_type": "hyvinvointialue", "population": "200000_plus"}}
    for i in range(6):
        submit_assessment(db, questionnaire, f"county-{i}", county)
    url = f"/{lang}/console/releases"
    console.post(url, data={"csrf_token": csrf_token(console, url)})
    rows = group_rows(soup(console.get(url)))
    county_row = next(
        row for row in rows if row[0] in ("Hyvinvointialue", "Välfärdsområde", "Wellbeing services county")
    )
    assert county_row[2] == "6"
    assert REPEATED[lang][0] in county_row[3]
    assert REPEATED[lang][1] not in county_row[4]
    submit_assessment(db, questionnaire, "county-6", county)
    response = console.post(url, data={"csrf_token": csrf_token(console, url)})
    page = soup(console.get(response.headers["Location"]))
    assert db.execute("select count(*) from releases").fetchone() == (2,)
    # The confirmation says that a group repeats older figures; the table says which and why.
    confirmation = [p.get_text(strip=True) for p in page.find(class_="panel--confirmation").find_all("p")]
    assert len(confirmation) == 2 and confirmation[1].startswith("2 ")  # the county type, and everyone its sum
    county_row = next(row for row in group_rows(page) if row[0] == county_row[0])
    assert county_row[2] == "6"  # still release 1's six: the seventh is not in them
    figures_for, why = county_row[3], county_row[4]
    assert REPEATED[lang][0] in figures_for  # release 1, not the date alone
    for words in REPEATED[lang][1:]:
        assert words in why, (words, why)
    # The two releases of one day are told apart by their time in the list of releases.
    recent = [
        [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        for tr in page.find(id="recent-caption").find_parent("table").tbody.find_all("tr")
    ]
    assert [row[0] for row in recent] == ["2", "1"]
    assert all(re.search(r"\d{1,2}[.:]\d{2}$", row[1]) for row in recent)
