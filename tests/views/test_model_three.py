"""Readiness model 3 on the pages: the scores page says which dimensions can reach the top band and why the
others stop below it; the peers page sets the respondent's own use and attitude apart from the organisation's
dimensions; scores computed with another model version are never compared, and `flask peers rescore` scores
stored answers again."""

import pytest
from bs4 import BeautifulSoup

from readiness.store import releases
from tests.conftest import earlier_model_rule
from tests.conftest import release
from tests.conftest import submit_assessment

SMALL_KUNTA = {"profile": {"org_type": "kunta", "population": "under_5000"}}
ORGANISATION = ["Adoption across the organisation", "Support and resources", "Governance and risk", "Change outlook"]
RESPONDENT = ["The respondent's own use", "Attitude and culture"]


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


def text(node):
    return " ".join(node.get_text(" ").split())


def row_names(table):
    return [tr.th.get_text(strip=True) for tr in table.tbody.find_all("tr")]


@pytest.mark.parametrize(
    ("lang", "highest", "leading", "reachable"),
    [
        ("en", "Highest score 89.", "Leading", "Support and resources, Governance and risk"),
        ("fi", "Suurin mahdollinen pistemäärä 89.", "Edelläkävijä", "Tuki ja resurssit, Ohjaus ja riskit"),
        ("sv", "Högsta möjliga poäng 89.", "Föregångare", "Stöd och resurser, Styrning och risker"),
    ],
)
def test_the_scores_page_says_where_the_top_band_can_be_earned(client, lang, highest, leading, reachable):
    page = soup(client.get(f"/{lang}/scores"))
    assert reachable in text(page)
    for section in page.find_all("section"):
        name = section.h2.get_text(strip=True)
        capped = highest in text(section)
        meanings = [dt.get_text(strip=True) for dt in section.select("dl.band-meanings dt")]
        # Support and governance (the second and third of the four organisation dimensions) earn the top band.
        assert capped == (name not in reachable), name
        assert (leading in meanings) == (not capped), name
    assert "readiness-model.3" in text(page.find(id="versions").find_next("dl"))


def test_the_peers_page_sets_the_respondents_own_use_and_attitude_apart(app, db, questionnaire):
    for i in range(5):
        submit_assessment(db, questionnaire, f"peer-{i}", SMALL_KUNTA)
    release(db)
    page = soup(app.test_client().get("/en/peers?org_type=kunta&size_band=under_5000"))
    organisation = page.find(id="peers-table-caption").find_parent("table")
    respondent = page.find(id="peers-respondent-caption").find_parent("table")
    assert row_names(organisation) == ORGANISATION
    assert row_names(respondent) == RESPONDENT
    heading = respondent.find_previous("h3")
    assert heading.get_text(strip=True) == "About you who answered, not the organisation"
    assert "They are not the organisation's readiness." in text(heading.find_next("p"))
    assert organisation.find_next("h3") is heading  # the organisation's table comes first, then the heading


def test_scores_of_an_earlier_model_are_not_compared_until_scored_again(app, db, questionnaire, runner):
    earlier = earlier_model_rule(questionnaire, "readiness-model.2")
    for i in range(5):
        submit_assessment(db, questionnaire, f"peer-{i}", SMALL_KUNTA)
    releases.rescore(db, earlier, "readiness-model.2")  # as if they had been stored before model 3
    release(db)
    client = app.test_client()
    page = soup(client.get("/en/peers?org_type=kunta&size_band=under_5000"))
    body = text(page.find("main"))
    assert "computed with another version of the readiness model than the one in force (readiness-model.3)" in body
    assert "Not compared: scores of another version of the model." in body
    assert "Nobody in the group has a score here." not in body
    api = client.get("/api/v1/peers?org_type=kunta&size_band=under_5000").json
    assert api["scores_model_version"] is None and set(api["median_scores"].values()) == {None}
    # The command scores them again; the next release holds the same five, so their figures stay as they were.
    result = runner.invoke(args=["peers", "rescore"])
    assert result.exit_code == 0 and "Scored 5 rounds again with readiness-model.3." in result.output
    assert runner.invoke(args=["peers", "rescore"]).output == ""
    # Five more organisations: the class is computed again, every member scored with model 3.
    for i in range(5, 10):
        submit_assessment(db, questionnaire, f"peer-{i}", SMALL_KUNTA)
    result = runner.invoke(args=["peers", "release"])
    assert result.exit_code == 0, result.output
    api = client.get("/api/v1/peers?org_type=kunta&size_band=under_5000").json
    assert api["group"]["organisations"] == 10 and api["scores_model_version"] == "readiness-model.3"
    assert api["median_scores"]["support"] is not None
    assert "another version of the readiness model" not in text(
        soup(client.get("/en/peers?org_type=kunta&size_band=under_5000")).find("main")
    )


def test_the_console_charts_only_the_organisations_dimensions(app, db, questionnaire, client):
    from werkzeug.security import generate_password_hash

    from readiness.store import operators
    from tests.conftest import csrf_token

    password = "a long operator password"
    operators.create_operator(db, "operaattori", generate_password_hash(password))
    url = "/en/console/sign-in"
    data = {"csrf_token": csrf_token(client, url), "username": "operaattori", "password": password}
    assert client.post(url, data=data).status_code == 302
    for i in range(5):
        submit_assessment(db, questionnaire, f"peer-{i}", SMALL_KUNTA)
    release(db)
    page = soup(client.get("/en/console/results"))
    figure = page.find(id="dimensions").find_next("figure")
    assert row_names(figure.find("table")) == ORGANISATION
    chart = text(figure.find("svg"))
    assert all(name not in chart for name in RESPONDENT) and all(name in chart for name in ORGANISATION)
    respondent = page.find(id="respondent-dimensions-caption").find_parent("table")
    assert row_names(respondent) == RESPONDENT
    assert page.find(id="respondent-dimensions").get_text(strip=True) == (
        "About the people who answered, not the organisations"
    )
