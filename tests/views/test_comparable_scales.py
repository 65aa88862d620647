"""Comparable scales: own use on the 2024 survey's categories, and answers stored in the removed option ("Satunnaisesti")
kept as they were, shown as not comparable, never relabelled. Migration 0009 is applied to a database that holds
such answers and an operator's reference figures of the old format."""

import secrets

from bs4 import BeautifulSoup

from readiness import create_app
from readiness.core import scoring
from readiness.store import database
from readiness.store import reference as stored_reference
from readiness.store.migrations import migrations
from tests.conftest import csrf_token
from tests.conftest import release
from tests.conftest import submit_assessment

MIGRATION = "0009_reference_survey_and_swedish_sources"
OLD_FIGURE = {
    "id": "kt.full.own.regular",
    "question_id": "own_use",
    "option_id": "regularly",
    "value": "33",
    "unit": "percent",
    "precision": "exact",
    "n": 158,
    "year": 2024,
    "source_url": "https://example.org/kt-full",
    "source_name": "KT, full tables",
    "quote": "33 %",
    "text_fi": "33 % käytti säännöllisesti",
    "text_sv": "33 % använde regelbundet",
    "text_en": "33% used it regularly",
}


def database_before_0009(path, questionnaire):
    """A database migrated up to 0008, holding a submitted assessment answered "occasionally" (as version kt2024.1
    allowed) and an operator's reference figure; return the assessment's token."""
    db = database.connect(str(path))
    with database.write_transaction(db):
        migrations.apply(db, stop_before=MIGRATION)
    assert "survey" not in db["reference_figures"].columns_dict
    token = secrets.token_urlsafe(32)
    # Answered and submitted as the service did then: the store of today needs tables of later migrations to
    # submit, so the submission is written as 0008's schema holds it.
    answered = submit_assessment(db, questionnaire, token, {"own_use": {"own_use": "occasionally"}}, submit=False)
    with database.write_transaction(db):
        db.execute(
            "update assessments set status = 'submitted', submitted_at = updated_at, counted = 1 where id = ?",
            [answered],
        )
        db["reference_figures"].insert(OLD_FIGURE)
    db.conn.close()
    return token


def test_migration_0009_keeps_answers_in_the_removed_option_and_reads_old_reference_rows(tmp_path, questionnaire):
    path = tmp_path / "old.sqlite"
    database_before_0009(path, questionnaire)
    create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test", "PDF_RENDER_AHEAD": False})
    db = database.connect(str(path))
    assert {"survey", "source_name_sv", "source_url_sv"} <= set(db["reference_figures"].columns_dict)
    # The stored answer is exactly as it was: not dropped, not moved to another option.
    rows = list(db.query("select option_id from answers where question_id = 'own_use'"))
    assert rows == [{"option_id": "occasionally"}]
    # The old row reads as KT's figure without Swedish names; it is not context from another survey.
    figure = next(f for f in stored_reference.figures_in_force(db, questionnaire) if f.id == OLD_FIGURE["id"])
    assert (figure.survey, figure.source_name_sv, figure.source_url_sv) == ("", "", "")
    assert not figure.is_context and figure.source_url_in("sv") == OLD_FIGURE["source_url"]
    # Scored as before (60), so that the old result does not change under the respondent's feet.
    model = scoring.load(questionnaire)
    own_use = next(
        s for s in scoring.score(model, questionnaire, {"own_use": ["occasionally"]}) if s.dimension.id == "own_use"
    )
    assert own_use.value == 60.0
    db.conn.close()


def test_an_answer_in_the_removed_option_is_shown_as_not_comparable(tmp_path, questionnaire):
    path = tmp_path / "old.sqlite"
    token = database_before_0009(path, questionnaire)
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test", "PDF_RENDER_AHEAD": False})
    client = app.test_client()
    client.post("/fi/resume", data={"link": token, "csrf_token": csrf_token(client, "/fi/resume")})
    page = BeautifulSoup(client.get("/fi/results").get_data(as_text=True), "html.parser")
    own_use = page.find(id="result-own_use").find_parent("section")
    note = own_use.select_one(".not-comparable").get_text(" ", strip=True)
    assert "”Satunnaisesti” ei ole KT:n vuoden 2024 kyselyn luokkia" in note
    # No row of the table claims the answer: none is marked chosen, none is relabelled.
    assert own_use.select("tr.is-chosen") == []
    # The 2024 categories are the table's rows, with "Satunnaisesti" not among them.
    labels = [row.th.get_text(strip=True) for row in own_use.tbody.find_all("tr")]
    assert labels == [
        "Säännöllisesti",
        "Olen vasta tutustunut tekoälyyn",
        "Minulla ei ole vielä kokemusta tekoälyn käytöstä",
        "En osaa sanoa",
    ]


def test_the_question_page_offers_only_the_2024_categories_and_says_why_an_old_answer_is_gone(tmp_path, questionnaire):
    path = tmp_path / "old.sqlite"
    db = database.connect(str(path))
    with database.write_transaction(db):
        migrations.apply(db, stop_before=MIGRATION)
    token = secrets.token_urlsafe(32)
    # A draft: only the profile and own use saved, own use in the removed option.
    from readiness.store import assessments

    own_use = questionnaire.section("own_use")
    keys = [key for q in own_use.questions for key in q.answer_keys()]
    assessments.create_assessment(
        db, database.hash_token(token), "kt2024.1", "own_use", keys, {"own_use": ["occasionally"]}, {}
    )
    db.conn.close()
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "test", "PDF_RENDER_AHEAD": False})
    client = app.test_client()
    client.post("/fi/resume", data={"link": token, "csrf_token": csrf_token(client, "/fi/resume")})
    page = BeautifulSoup(client.get("/fi/section/own_use").get_data(as_text=True), "html.parser")
    radios = [i["value"] for i in page.select("input[name=own_use]")]
    assert radios == ["regularly", "acquainted", "none", "dont_know"]
    assert not page.select("input[name=own_use][checked]")
    assert "Aiempi vastauksesi ”Satunnaisesti” ei ole enää vaihtoehtona" in page.get_text()
    # Choosing "occasionally" by hand is refused with a message, the page's other answers kept.
    response = client.post(
        "/fi/section/own_use",
        data={
            "own_use": "occasionally",
            "attitude": "neutral",
            "csrf_token": csrf_token(client, "/fi/section/own_use"),
        },
    )
    answered_again = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert answered_again.select_one(".error-summary") is not None
    assert answered_again.select_one("input[name=attitude][value=neutral]").has_attr("checked")


def test_peers_who_answered_the_removed_option_are_shown_apart_not_lost(answered, db, questionnaire):
    answered.post("/fi/submit", data={"csrf_token": csrf_token(answered, "/fi/check")})
    # Four small municipalities of the same group answered "occasionally" before it was removed.
    for i in range(4):
        submit_assessment(db, questionnaire, f"old-{i}", {"own_use": {"own_use": "occasionally"}})
    release(db)
    page = BeautifulSoup(answered.get("/fi/results").get_data(as_text=True), "html.parser")
    own_use = page.find(id="result-own_use").find_parent("section")
    note = " ".join(own_use.get_text(" ").split()).replace("\xa0", " ")
    assert "80 % vertailuryhmästä vastasi ”Satunnaisesti” ennen kuin vaihtoehto poistettiin" in note
    # The rows above hold the comparable answers: this respondent's "Säännöllisesti" is 1 of 5.
    first = own_use.tbody.find("tr")
    assert first.th.get_text(strip=True) == "Säännöllisesti"
    assert first.find_all("td")[1].get_text(strip=True).replace("\xa0", " ") == "1/5 organisaatiota (20 %)"
