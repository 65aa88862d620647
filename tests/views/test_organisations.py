"""Organisations over time: invites, respondents side by side, rounds, the peers page, deletion, retention."""

import re
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from readiness.core.peers import ANY
from readiness.core.peers import Group
from readiness.store import assessments
from readiness.store import database
from readiness.store import organisations
from readiness.store import records
from readiness.store import releases
from tests.conftest import csrf_token
from tests.conftest import post_form
from tests.conftest import release
from tests.conftest import submit_assessment

INVITE = re.compile(r'id="invite-link" type="text" readonly value="([^"]+)"')
# Every table that holds something of one assessment.
ASSESSMENT_TABLES = ("answers", "free_texts", "saved_sections", "assessment_scores")


def everyone_figures(db):
    """The figures the latest release shows for everyone: answer counts and score counts."""
    return releases.group_figures(db, Group(ANY, ANY, 0))


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


def answer_all(client, questionnaire, answers, changes=None, submit=True):
    for section in questionnaire.sections:
        data = {**answers[section.id], **(changes or {}).get(section.id, {})}
        response = post_form(client, f"/fi/section/{section.id}", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    if submit:
        response = client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
        assert response.headers["Location"] == "/fi/results"
    return client


def new_invite(client):
    """Create an invite as the lead and return its token (the link's part after #)."""
    data = {"csrf_token": csrf_token(client, "/fi/organisation"), "role": "ict_digital"}
    response = client.post("/fi/organisation/invites", data=data)
    # The link is shown once: the page opens on it, under the invite heading, not at the top of a long page.
    assert response.status_code == 302 and response.headers["Location"].endswith("#new-invite")
    page = client.get("/fi/organisation").get_data(as_text=True)
    assert page.index('id="invites"') < page.index('id="new-invite"') < page.index('id="invite-link"')
    link = INVITE.search(page).group(1)
    return re.fullmatch(r"http://localhost/fi/invite#([A-Za-z0-9_-]{43})", link).group(1)


def open_invite(client, token, lang="fi", **fields):
    """Post an invite link as its page does (the script, or a person pasting it)."""
    data = {"link": token, "csrf_token": csrf_token(client, f"/{lang}/invite"), **fields}
    return client.post(f"/{lang}/invite", data=data)


def join(app, token):
    """Open an invite in a new browser and accept it with the page's button; return that browser."""
    client = app.test_client()
    page = open_invite(client, token)
    assert page.status_code == 200 and 'value="accept"' in page.get_data(as_text=True)
    response = open_invite(client, token, choice="accept")
    assert response.headers["Location"] == "/fi/saved"
    return client


HR_LEAD = {
    "profile": {"role": "hr_management"},
    "own_use": {"attitude": "fairly_negative"},
}


@pytest.fixture
def lead(client, questionnaire, answers):
    return answer_all(client, questionnaire, answers)


@pytest.fixture
def pair(app, lead, questionnaire, answers):
    """A lead and an invited HR lead who answered one question differently; both submitted."""
    second = join(app, new_invite(lead))
    answer_all(second, questionnaire, answers, HR_LEAD)
    return lead, second


def test_two_respondents_side_by_side_with_their_differences(pair, questionnaire):
    lead, second = pair
    for client in pair:
        page = soup(client.get("/en/organisation"))
        headers = [
            th.get_text(" ", strip=True)
            for th in page.find(id="answers").find_next("table").find_all("th", scope="col")
        ]
        assert headers[1].startswith("Respondent 1") and "Respondent 2: HR management" in headers[2]
        rows = {
            tr.th.get_text(" ", strip=True): tr
            for table in page.select("table.data-table--compare")
            for tr in table.tbody.find_all("tr")
        }
        attitude = next(
            tr for text, tr in rows.items() if text.startswith(questionnaire.question("attitude").text["en"])
        )
        assert "Answers differ" in attitude.get_text()
        assert "differ" in attitude["class"]
        same = next(tr for text, tr in rows.items() if text.startswith(questionnaire.question("org_type").text["en"]))
        assert "Same answer" in same.get_text()
        # A free text is shown as each wrote it; its combined cell says why it is not combined, not nothing.
        name = next(tr for text, tr in rows.items() if text.startswith(questionnaire.question("org_name").text["en"]))
        assert name.find_all("td")[-2].get_text(strip=True) == "free text, not combined"
        # 2 questions differ: the role and the attitude.
        assert "different answers to 2 questions" in page.get_text(" ", strip=True)


def test_the_combined_answer_is_the_lower_median(pair, questionnaire, db):
    """The lead answered "very positive" and the HR lead "fairly negative": with two answers the combined
    one is the lower of the two on the model's points."""
    lead, _ = pair
    page = soup(lead.get("/en/organisation"))
    row = next(
        tr
        for tr in page.select("table.data-table--compare tbody tr")
        if tr.th.get_text(strip=True).startswith(questionnaire.question("attitude").text["en"])
    )
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    first, second, combined = cells[0], cells[1], cells[2]
    assert first != second
    from readiness.core import combined as combined_module
    from readiness.core import scoring

    points = combined_module.scale_points(scoring.load(questionnaire))["attitude"]
    labels = {o.label["en"]: o.id for o in questionnaire.question("attitude").options}
    assert combined == min((first, second), key=lambda label: points[labels[label]])


def test_peers_count_the_organisation_once(pair, db):
    """Two respondents, one organisation: a release counts it once, by the round's combined answers."""
    members = releases.release_members(db)
    assert len(members) == 1
    assert sorted(members[0].assessment_ids) == sorted(row[0] for row in db.execute("select id from assessments"))


def test_an_invite_works_once_and_says_why_not_afterwards(app, lead, questionnaire):
    token = new_invite(lead)
    join(app, token)
    again = app.test_client()
    response = open_invite(again, token, lang="en")
    assert response.status_code == 410
    assert "already been used" in soup(response).h1.get_text()
    # A form kept open from before is refused the same way, and adds nobody.
    response = open_invite(again, token, choice="accept")
    assert response.status_code == 410
    assert open_invite(app.test_client(), token, lang="sv").status_code == 410
    # An old-form link (token in the path) is refused the same way.
    assert app.test_client().get(f"/sv/invite/{token}").status_code == 410


def test_revoked_unknown_and_malformed_invites(app, lead, db):
    token = new_invite(lead)
    invite_id = db.execute("select id from invites").fetchone()[0]
    lead.post(
        "/fi/organisation/invites/revoke",
        data={"csrf_token": csrf_token(lead, "/fi/organisation"), "invite_id": invite_id},
    )
    # The lead's list says so at once.
    invites = soup(lead.get("/en/organisation")).find(string="Invite links of this round").find_parent("table")
    assert "Withdrawn" in invites.tbody.get_text() and invites.find("button") is None
    response = open_invite(app.test_client(), token, lang="en")
    assert response.status_code == 410
    assert "withdrawn" in soup(response).h1.get_text()
    assert open_invite(app.test_client(), "x" * 43).status_code == 404
    assert open_invite(app.test_client(), "<script>").status_code == 404
    assert app.test_client().get("/fi/invite/" + "x" * 43).status_code == 404
    assert app.test_client().get("/fi/invite/<script>").status_code == 404
    assert db.execute("select count(*) from assessments").fetchone()[0] == 1


def test_only_the_lead_invites_and_a_foreign_invite_cannot_be_revoked(app, pair, questionnaire, answers, db):
    _, second = pair
    data = {"csrf_token": csrf_token(second, "/fi/results"), "role": "ict_digital"}
    response = second.post("/fi/organisation/invites", data=data)
    assert response.status_code == 403
    # Another organisation's lead cannot withdraw this organisation's invites.
    lead, _ = pair
    new_invite(lead)
    invite_id = db.execute("select id from invites where used_at is null").fetchone()[0]
    other = answer_all(app.test_client(), questionnaire, answers)
    other.post(
        "/fi/organisation/invites/revoke",
        data={"csrf_token": csrf_token(other, "/fi/organisation"), "invite_id": invite_id},
    )
    assert db.execute("select revoked_at from invites where id = ?", [invite_id]).fetchone()[0] is None


def test_an_organisation_never_sees_another(app, pair, questionnaire, answers):
    other = answer_all(app.test_client(), questionnaire, answers, {"own_use": {"attitude": "fairly_negative"}})
    page = soup(other.get("/en/organisation"))
    assert len(page.find(id="respondents").find_next("table").tbody.find_all("tr")) == 1
    # The other organisation's HR lead is in no table (the invite form lists the role only as a choice).
    assert "HR management" not in " ".join(table.get_text() for table in page.find_all("table"))
    assert app.test_client().get("/fi/organisation").status_code == 404


def test_a_new_round_shows_the_change_and_keeps_the_old_one(app, lead, questionnaire, answers, db):
    old_token = lead.get_cookie("session")
    # Not while the round is open: a lead's draft in a new organisation cannot start another round.
    fresh = app.test_client()
    post_form(fresh, f"/fi/section/{questionnaire.sections[0].id}", answers[questionnaire.sections[0].id])
    response = fresh.post("/fi/rounds", data={"csrf_token": csrf_token(fresh, "/fi/organisation")})
    assert response.status_code == 409
    assert old_token is not None

    first_round = db.execute("select id from assessments order by id").fetchone()[0]
    response = lead.post("/fi/rounds", data={"csrf_token": csrf_token(lead, "/fi/organisation")})
    assert response.headers["Location"] == "/fi/saved"
    # The profile is carried over: the next unanswered section is the second.
    saved = soup(lead.get("/fi/saved"))
    assert saved.find("a", class_="button")["href"] == f"/fi/section/{questionnaire.sections[1].id}"
    answer_all(lead, questionnaire, answers, {"own_use": {"attitude": "fairly_negative"}})
    page = soup(lead.get("/en/results"))
    change = page.find(id="change")
    assert change and "round 1" in change.get_text()
    table = change.find_next("table", class_="data-table", string=None)
    rows = {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
        for tr in page.find(string="Change per dimension, points").find_parent("table").tbody.find_all("tr")
    }
    assert table is not None
    attitude_row = rows["Attitude and culture"]
    assert attitude_row[2].startswith("−")  # very positive before, fairly negative now
    # The same respondent in both rounds: the organisation page says who, and warns of nothing.
    organisation = soup(lead.get("/en/organisation"))
    assert organisation.find("th", string="Who submitted") is not None
    assert "The respondents differ between rounds" not in organisation.get_text()
    # Round 1 is read-only, and the organisation is counted once, by its newest round.
    with pytest.raises(assessments.AssessmentLocked):
        assessments.save_section(db, first_round, "attitude", ["attitude"], {"attitude": ["very_positive"]}, {})
    assert [member.round for member in releases.release_members(db)] == [2]
    # A second new round is refused while round 2 is... submitted: allowed; from the old round's link: refused.
    old = db.execute("select id from assessments where round = 1").fetchone()[0]
    with pytest.raises(organisations.RoundRefused) as refused:
        organisations.start_round(db, old, "h" * 64, questionnaire.version, "profile", [])
    assert refused.value.reason == "newer"


def test_two_respondents_saving_at_once_lose_nothing(app, lead, questionnaire, db):
    """The lead and an invited respondent of the same organisation and round save at the same moment."""
    lead_draft = db.execute("select id from assessments").fetchone()[0]
    lead.post("/fi/rounds", data={"csrf_token": csrf_token(lead, "/fi/organisation")})
    lead_draft = db.execute("select id from assessments where round = 2").fetchone()[0]
    organisations.create_invite(db, lead_draft, database.hash_token("i" * 43), "ict_digital")
    profile_keys = [key for question in questionnaire.profile_questions() for key in question.answer_keys()]
    invited = organisations.join_by_invite(
        db,
        database.hash_token("i" * 43),
        database.hash_token("j" * 43),
        questionnaire.version,
        "profile",
        profile_keys,
        "role",
    )
    errors = []

    def save(assessment_id):
        connection = database.connect(app.config["DATABASE"])
        try:
            for n in range(50):
                assessments.save_section(
                    connection, assessment_id, "future", ["future"], {}, {"future": f"{assessment_id}-{n}"}
                )
        except Exception as error:  # noqa: BLE001 - any failure is the test's finding
            errors.append(error)
        finally:
            connection.conn.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in (lead_draft, invited)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for assessment_id in (lead_draft, invited):
        text = db.execute("select text from free_texts where assessment_id = ?", [assessment_id]).fetchone()
        assert text == (f"{assessment_id}-49",)
    assert db.execute("select organisation_id, round from assessments where id = ?", [invited]).fetchone() == (
        db.execute("select organisation_id, round from assessments where id = ?", [lead_draft]).fetchone()
    )


def rows_of(db, assessment_ids):
    """Count what the database still holds of these assessments, table by table."""
    marks = ", ".join("?" for _ in assessment_ids)
    found = {
        table: db.execute(f"select count(*) from {table} where assessment_id in ({marks})", assessment_ids).fetchone()[
            0
        ]
        for table in ASSESSMENT_TABLES
    }
    found["assessments"] = db.execute(
        f"select count(*) from assessments where id in ({marks})", assessment_ids
    ).fetchone()[0]
    return found


def delete(client, target, confirm=True):
    data = {"csrf_token": csrf_token(client, "/fi/delete"), "target": target}
    if confirm:
        data["confirm"] = "yes"
    return client.post("/fi/delete", data=data)


def test_a_respondent_deletes_their_own_answers(pair, db):
    lead, second = pair
    second_id = db.execute("select max(id) from assessments").fetchone()[0]
    response = delete(second, "own")
    assert response.status_code == 200
    assert all(count == 0 for count in rows_of(db, [second_id]).values())
    assert db.execute("select assessment_id from invites").fetchone() == (None,)
    # The link no longer opens anything, and deleting again says so.
    again = second.get("/en/delete")
    assert again.status_code == 404
    assert "nothing to delete" in soup(again).h1.get_text().lower()
    # The lead's organisation page has one respondent left.
    page = soup(lead.get("/en/organisation"))
    assert len(page.find(id="respondents").find_next("table").tbody.find_all("tr")) == 1


def test_deleting_needs_a_confirmation_and_a_choice(pair, db):
    lead, _ = pair
    before = db.execute("select count(*) from assessments").fetchone()[0]
    response = delete(lead, "organisation", confirm=False)
    assert response.status_code == 400
    page = soup(response)
    assert page.title.get_text().startswith("Virhe") or page.title.get_text().startswith("Error")
    assert page.find(class_="error-summary")
    assert delete(lead, "", confirm=True).status_code == 400
    # The lead's own answers go only with the whole organisation's while others remain.
    assert delete(lead, "own").status_code == 400
    assert db.execute("select count(*) from assessments").fetchone()[0] == before


def test_the_lead_deletes_another_respondent_once(pair, db):
    lead, _ = pair
    second_id = db.execute("select max(id) from assessments").fetchone()[0]
    assert delete(lead, str(second_id)).status_code == 200
    assert rows_of(db, [second_id])["assessments"] == 0
    response = delete(lead, str(second_id))
    assert response.status_code == 404
    assert delete(lead, "999999").status_code == 404


def test_deleting_the_organisation_removes_everything_and_every_aggregate(app, pair, questionnaire, db):
    lead, _ = pair
    ids = [row[0] for row in db.execute("select id from assessments")]
    for i in range(4):
        submit_assessment(db, questionnaire, f"peer-{i}")
    # Four peers and this organisation: the everyone group holds five and is released.
    release(db)
    assert releases.release_sizes(db)[("*", "*")] == 5
    store = app.extensions["pdf_store"]
    (store.folder / f"{ids[0]}-fi-{'0' * 32}.pdf").write_bytes(b"%PDF")
    assert delete(lead, "organisation").status_code == 200
    assert all(count == 0 for count in rows_of(db, ids).values())
    assert db.execute("select count(*) from invites").fetchone()[0] == 0
    assert db.execute("select count(*) from organisations").fetchone()[0] == 4
    assert list(store.folder.glob(f"{ids[0]}-*.pdf")) == []
    # The next release counts the four others in no new figure; their cell changed by one organisation, so it
    # repeats the five's figures, already published, with their date.
    assert len(releases.release_members(db)) == 4
    published = everyone_figures(db)
    release(db)
    assert releases.release_sizes(db)[("*", "*")] == 5
    assert everyone_figures(db) == published
    assert lead.get("/fi/results").headers["Location"] == "/fi/"


def test_a_replaced_respondent_is_counted_instead(pair, db):
    """When a respondent is deleted, the organisation counts by the combined answers of those left."""
    lead, second = pair
    first, other = (row[0] for row in db.execute("select id from assessments order by id"))
    assert delete(lead, str(other)).status_code == 200
    assert [member.assessment_ids for member in releases.release_members(db)] == [(first,)]


def test_retention_removes_old_drafts_only(app, runner, db, questionnaire):
    old = assessments.create_assessment(db, "a" * 64, questionnaire.version, "profile", [], {}, {})
    recent = assessments.create_assessment(db, "b" * 64, questionnaire.version, "profile", [], {}, {})
    kept = submit_assessment(db, questionnaire, "submitted")
    long_ago = (datetime.now(UTC) - timedelta(days=181)).isoformat(timespec="seconds")
    db.execute("update assessments set updated_at = ? where id in (?, ?)", [long_ago, old, kept])
    result = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert "Would remove 1 " in result.output
    assert db.execute("select count(*) from assessments").fetchone() == (3,)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "Removed 1 " in result.output
    assert [row[0] for row in db.execute("select id from assessments order by id")] == [recent, kept]
    assert runner.invoke(args=["retention", "purge", "--days", "0"]).exit_code != 0


SMALL_KUNTA = {"profile": {"org_type": "kunta", "population": "under_5000"}}


def test_the_peers_page_shows_the_release_and_offers_a_larger_group(app, client, db, questionnaire):
    for i in range(4):
        submit_assessment(db, questionnaire, f"small-{i}", SMALL_KUNTA)
    release(db)
    page = soup(client.get("/en/peers?org_type=kunta&size_band=under_5000"))
    assert "not in the release" in page.find(id="group").get_text()
    assert page.find(id="group").find("a") is None  # no larger group is shown either
    for i in range(4, 10):
        submit_assessment(db, questionnaire, f"small-{i}", SMALL_KUNTA)
    # Municipalities of 20,000 or more: four, too few. Wellbeing services counties are compared as a whole.
    for i in range(4):
        submit_assessment(
            db, questionnaire, f"large-{i}", {"profile": {"org_type": "kunta", "population": "200000_plus"}}
        )
    for i in range(5):
        band = "200000_plus" if i < 4 else "100000_199999"
        submit_assessment(
            db, questionnaire, f"hva-{i}", {"profile": {"org_type": "hyvinvointialue", "population": band}}
        )
    release(db)
    page = soup(client.get("/en/peers?org_type=kunta&size_band=20000_plus"))
    assert "not in the release" in page.find(id="group").get_text()
    link = page.find(id="group").find("a")
    assert link["href"] == "/en/peers?org_type=kunta&size_band=*"
    # The type is the sum of its classes in the release: the ten small ones, never the four large.
    assert "10 organisations" in soup(client.get(link["href"])).find(id="group").get_text()
    assert "5 organisations" in soup(client.get("/en/peers?org_type=hyvinvointialue")).find(id="group").get_text()
    # 200000_plus is a population band of the questionnaire, never a class of the release: not an option.
    assert client.get("/en/peers?org_type=hyvinvointialue&size_band=200000_plus").status_code == 400
    page = soup(client.get("/en/peers?org_type=kunta&size_band=under_5000"))
    table = page.find(id="group").find_next("table")
    assert "10 organisations" in page.find(id="group").get_text()
    # Band counts of a dimension add up to the organisations with a score.
    first = table.tbody.tr
    assert sum(int(td.get_text()) for td in first.find_all("td")[1:]) <= 10


@pytest.mark.parametrize(
    "query", ["?org_type=planet", "?org_type=kunta&size_band=under_50", "?group=kunta", "?group=planet:*"]
)
def test_the_peers_page_refuses_unknown_groups_in_the_pages_language(client, query):
    response = client.get("/sv/peers" + query)
    assert response.status_code == 400
    assert soup(response).html["lang"] == "sv"


NOT_A_CLASS_OF_THE_TYPE = {
    "fi": "ei ole tämän organisaatiotyypin kokoluokka",
    "sv": "är inte en storleksklass för den här organisationstypen",
    "en": "is not a size class of this organisation type",
}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_size_class_of_another_type_shows_the_whole_type_with_a_notice(app, client, db, questionnaire, lang):
    for i in range(5):
        submit_assessment(
            db, questionnaire, f"hva-{i}", {"profile": {"org_type": "hyvinvointialue", "population": "200000_plus"}}
        )
    release(db)
    # "Under 5 000 inhabitants" is a class of municipalities, not of wellbeing services counties.
    response = client.get(f"/{lang}/peers?org_type=hyvinvointialue&size_band=under_5000")
    assert response.status_code == 200
    page = soup(response)
    notice = page.find(id="size-notice").get_text(" ", strip=True)
    assert NOT_A_CLASS_OF_THE_TYPE[lang] in notice
    # Said first, under the page's heading: the figures below are not of the group the link asked for.
    assert page.find("h1").find_next(class_="warning")["id"] == "size-notice"
    assert page.find(id="size-notice").find_next("form", class_="peer-filter") is not None
    assert {"fi": "alle 5 000", "sv": "under 5 000", "en": "under 5,000"}[lang] in notice.replace("\u00a0", " ")
    # The whole type's figures: the five counties, and the form shows the type chosen with any size.
    assert re.search(r"\b5\b", page.find(id="group").get_text())
    assert page.find("table") is not None
    assert page.find("option", selected=True)["value"] == "hyvinvointialue:*"
    # The same group asked for properly has no notice.
    assert soup(client.get(f"/{lang}/peers?group=hyvinvointialue:*")).find(id="size-notice") is None


def test_the_peers_form_offers_only_groups_that_exist(client):
    """One list of groups: each type with its own size classes only, so no choice ends in an error."""
    page = soup(client.get("/en/peers"))
    select = page.find("select", attrs={"name": "group"})
    assert page.find("select", attrs={"name": "size_band"}) is None
    values = [option["value"] for option in select.find_all("option")]
    assert "hyvinvointialue:*" in values and "kunta:under_5000" in values and "kuntayhtyma:250_plus" in values
    assert not any(v.startswith("hyvinvointialue:") and v != "hyvinvointialue:*" for v in values)
    for group in select.find_all("optgroup"):
        org_type = {"Municipality": "kunta", "Joint municipal authority": "kuntayhtyma"}.get(group["label"])
        assert org_type, group["label"]
        assert all(option["value"].startswith(org_type + ":") for option in group.find_all("option"))
    # Every value the form offers opens the page.
    for value in values:
        assert client.get(f"/en/peers?group={value}").status_code == 200, value


def test_the_organisation_page_follows_new_answers(app, lead, questionnaire, answers):
    """The page is rendered once and reused: a respondent who submits later must still appear at once."""
    columns = soup(lead.get("/en/organisation")).find_all("th", scope="col")
    assert not any("Respondent 2" in th.get_text() for th in columns)
    second = join(app, new_invite(lead))
    assert "Respondent 2" in soup(lead.get("/en/organisation")).find(id="respondents").find_next("table").get_text()
    answer_all(second, questionnaire, answers, HR_LEAD)
    page = soup(lead.get("/en/organisation"))
    assert "Respondent 2: HR management" in page.find(id="answers").find_next("table").get_text()


def test_each_respondents_scores_sit_in_their_own_column(pair, db):
    lead, _ = pair
    page = soup(lead.get("/en/organisation"))
    organisation = page.find(string=re.compile("Readiness scores, 0–100")).find_parent("table")
    own = page.find(string=re.compile("Each respondent's own use and attitude")).find_parent("table")
    respondents = [row[0] for row in db.execute("select id from assessments order by id")]
    stored = {
        assessment_id: dict(
            db.execute("select dimension, value from assessment_scores where assessment_id = ?", [assessment_id])
        )
        for assessment_id in respondents
    }
    # The HR lead's attitude differs from the lead's: a column under the wrong respondent would show.
    assert len(respondents) == 2 and stored[respondents[0]] != stored[respondents[1]]
    from readiness.core import scoring
    from readiness.core.questionnaire import load

    model = scoring.load(load())
    # The organisation's four dimensions with the combined column; the respondent's own use and attitude apart,
    # each respondent's own and nothing combined.
    for table, level in ((organisation, "organisation"), (own, "respondent")):
        headings = [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]
        assert sum(heading.startswith("Respondent ") for heading in headings) == len(respondents), headings
        assert ("Combined" in headings) == (level == "organisation")
        rows = table.tbody.find_all("tr")
        dimensions = [d for d in model.dimensions if d.level == level]
        for number, assessment_id in enumerate(respondents, start=1):
            [column] = [i for i, heading in enumerate(headings) if re.match(rf"Respondent {number}\b", heading)]
            for tr, dimension in zip(rows, dimensions, strict=True):
                assert tr.th.get_text(strip=True) == dimension.name.en
                shown = tr.find_all(["th", "td"])[column].get_text(strip=True)
                expected = stored[assessment_id].get(dimension.id)
                assert shown == (f"{expected:.0f}" if expected is not None else "no score"), (number, dimension.id)
    assert own.find_previous("h3").get_text(strip=True) == "About each respondent who answered, not the organisation"


@pytest.mark.parametrize(("lang", "message"), [("fi", "Valitse, kenelle kutsulinkki on."), ("en", "Choose whom")])
def test_an_invite_is_made_for_a_role_and_says_so_if_none_is_chosen(lead, db, lang, message):
    for role in (None, "", "ceo<script>"):
        data = {"csrf_token": csrf_token(lead, f"/{lang}/organisation")}
        if role is not None:
            data["role"] = role
        response = lead.post(f"/{lang}/organisation/invites", data=data)
        assert response.headers["Location"] == f"/{lang}/organisation"
        page = soup(lead.get(f"/{lang}/organisation"))
        assert message in page.select_one(".error-summary").get_text()
        assert page.select_one(".error-summary a")["href"] == "#role"
        assert page.find(id="role")  # the first radio button, where the summary's link leads
    assert db["invites"].count == 0
    new_invite(lead)
    page = soup(lead.get(f"/{lang}/organisation"))
    assert not page.select(".error-summary")
    table = page.find("caption", string=re.compile("Invite links|kutsulinkit")).find_parent("table")
    assert [th.get_text(strip=True) for th in table.thead.find_all("th")][0] in {"For", "Kenelle"}
    assert table.tbody.th.get_text(strip=True) in {"ICT and digitalisation", "ICT ja digitalisaatio"}


def test_the_invited_colleague_finds_the_organisation_named_and_its_profile_filled_in(app, lead, db, questionnaire):
    lead_id = db.execute("select id from assessments").fetchone()[0]
    lead_profile = records.load_answers(db, lead_id)
    token = new_invite(lead)
    page = soup(open_invite(app.test_client(), token, lang="en"))
    name = lead_profile.texts["org_name"]
    assert page.h1.get_text(strip=True) == f"You are invited to answer for {name}"
    role_label = questionnaire.profile_question("role").option("ict_digital").label["en"]
    assert f"The link was made for: {role_label}." in page.get_text(" ", strip=True)

    colleague = join(app, token)
    colleague_id = db.execute("select id from assessments where lead = 0").fetchone()[0]
    carried = records.load_answers(db, colleague_id)
    assert "profile" in carried.saved_sections
    # The organisation's facts are the lead's; the role is the one the link was made for, not the lead's.
    for question in questionnaire.profile_questions():
        if question.id == "role":
            assert carried.choices["role"] == ["ict_digital"] != lead_profile.choices["role"]
        elif question.free_text:
            assert carried.texts.get(question.id) == lead_profile.texts.get(question.id)
        else:
            assert carried.choices.get(question.id) == lead_profile.choices.get(question.id)
    # So the colleague goes on from the second section, and can still change the profile.
    continue_link = soup(colleague.get("/fi/saved")).find("a", string=re.compile("Jatka"))["href"]
    assert continue_link == "/fi/section/" + questionnaire.sections[1].id
    assert colleague.get("/fi/section/profile").status_code == 200


def combined_column(page):
    """{dimension name: (respondents' scores, combined score)} from the organisation page's score table."""
    table = page.find(id="combined-scores-caption").find_parent("table")
    rows = {}
    for tr in table.tbody.find_all("tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        rows[tr.th.get_text(strip=True)] = (cells[:-1], cells[-1])
    return rows


def respondent_columns(page):
    """{dimension name: respondents' scores} from the organisation page's table of each respondent's own."""
    table = page.find(id="respondent-scores-caption").find_parent("table")
    return {
        tr.th.get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.tbody("tr")
    }


def test_the_results_page_shows_the_organisation_with_each_respondents_own_beside_it(pair):
    """One definition of the organisation: the results page's scores are the organisation page's combined
    ones, the respondent's own beside them, and each combined score lies within the respondents' range. The
    respondent's own use and attitude are each respondent's own on the organisation page, never combined."""
    lead, second = pair
    page = soup(lead.get("/en/organisation"))
    organisation, respondents = combined_column(page), respondent_columns(page)
    assert set(respondents) == {"The respondent's own use", "Attitude and culture"}
    assert not set(respondents) & set(organisation)
    for client, column in ((lead, 0), (second, 1)):
        page = soup(client.get("/en/results"))
        assert "median of the scores of the 2 respondents" in page.select_one("p.lead").get_text()
        for item in page.select(".dimension"):
            name = item.select_one(".dimension__name").get_text(strip=True)
            if name in organisation:
                scores, combined = organisation[name]
                value = item.select_one(".dimension__value")
                if value is not None:
                    assert value.get_text(strip=True) == f"{combined}/100"
            else:
                scores = respondents[name]
            own = item.select_one(".dimension__own").get_text(strip=True)
            assert own == (
                f"Your own answers: {scores[column]}/100."
                if scores[column] != "no score"
                else "Your own answers: no score."
            )
    # The lead answered "very positive" and the HR lead "fairly negative": each is shown as their own.
    assert respondents["Attitude and culture"][0] != respondents["Attitude and culture"][1]
    for scores, combined in organisation.values():
        values = sorted(float(s.replace(",", ".")) for s in scores if s != "no score")
        if values:
            assert values[0] <= float(combined.replace(",", ".")) <= values[-1]


def test_a_change_between_rounds_with_other_respondents_compares_like_with_like(app, pair, questionnaire, answers):
    """Round 1: the lead and the HR lead; round 2: the lead alone, with the same answers as before. Compared
    as wholes, the attitude would seem to change only because the HR lead did not answer again."""
    lead, _ = pair
    lead.post("/fi/rounds", data={"csrf_token": csrf_token(lead, "/fi/organisation")})
    answer_all(lead, questionnaire, answers)
    page = soup(lead.get("/en/results"))
    note = page.select_one(".round-note").get_text(" ", strip=True)
    assert "round 1 had 2 who submitted, round 2 has 1" in note
    senior = questionnaire.profile_question("role").option("top_management").label["en"]
    assert note.endswith(f"both rounds: {senior}.")
    table = page.find(string="Change per dimension, points").find_parent("table")
    changes = [tr.find_all("td")[2].get_text(strip=True) for tr in table.tbody.find_all("tr")]
    assert changes and all(change in ("0", "±0", "0,0", "±0,0", "–") for change in changes), changes
    # The organisation page's rounds say who submitted in each, and that the scores compare different people.
    organisation = soup(lead.get("/en/organisation"))
    rounds = organisation.find(id="rounds").find_next("table")
    who = rounds.find("th", string="Who submitted").find_parent("tr").find_all("td")
    assert [cell.get_text(" ", strip=True).count("Respondent") for cell in who] == [2, 1]
    assert senior in who[1].get_text()
    assert "The respondents differ between rounds" in organisation.find(id="rounds").find_next("p").get_text()


def test_the_peers_page_opens_on_the_organisations_own_class(lead, db, questionnaire):
    for i in range(4):
        submit_assessment(db, questionnaire, f"class-{i}", SMALL_KUNTA)
    release(db)
    heading = soup(lead.get("/en/peers")).find(id="group").get_text(" ", strip=True)
    assert heading == "Municipality · under 5,000 residents: 5 organisations"
