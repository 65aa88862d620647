"""One definition of "your organisation" on the results page: with several respondents, each answer compared is
the organisation's combined answer (core.combined: for a scale, the lower of the two middle answers when their
number is even), the respondent's own beside it where it differs; own use and attitude stay the respondent's."""

from bs4 import BeautifulSoup

from tests.views.test_organisations import HR_LEAD
from tests.views.test_organisations import answer_all
from tests.views.test_organisations import join
from tests.views.test_organisations import new_invite

# The lead keeps the first option of "change" (very much: 100 points); the colleague answers "a little" (25).
COLLEAGUE = {**HR_LEAD, "change": {"change": "a_little"}}


def question_section(client, question_id):
    page = BeautifulSoup(client.get("/en/results").data, "html.parser")
    return page, page.find(id=f"result-{question_id}").find_parent("section")


def test_the_organisations_combined_answer_is_marked_and_the_respondents_own_follows(
    app, client, questionnaire, answers
):
    lead = answer_all(client, questionnaire, answers)
    colleague = join(app, new_invite(lead))
    answer_all(colleague, questionnaire, answers, COLLEAGUE)
    change = questionnaire.question("change")

    page, section = question_section(lead, "change")
    assert "2 respondents have submitted in this round" in page.get_text(" ", strip=True)
    chosen = [row.find(["th", "td"]).get_text(strip=True) for row in section.select("tr.is-chosen")]
    # Two answers, 100 and 25 points: the lower of the two middle ones is the organisation's.
    assert chosen == [change.option("a_little").label["en"]]
    own = section.select_one("p.own-answer").get_text(" ", strip=True)
    assert own == f"Your own answer: {change.option('very_much').label['en']}"

    # The colleague's own answer is the organisation's: nothing follows the question.
    _, section = question_section(colleague, "change")
    assert section.select_one("p.own-answer") is None

    # Attitude describes the person who answered: each sees their own, never a combined one (nothing is published
    # to compare it with, so it is one line of the compact list).
    attitude = questionnaire.question("attitude")
    for client_, option in ((lead, answers["own_use"]["attitude"]), (colleague, "fairly_negative")):
        page = BeautifulSoup(client_.get("/en/results").data, "html.parser")
        line = next(
            li for li in page.select("ul.nothing-to-compare li") if attitude.text["en"] in li.get_text(" ", strip=True)
        )
        assert [strong.get_text(strip=True) for strong in line.find_all("strong")] == [
            attitude.option(option).label["en"]
        ]
