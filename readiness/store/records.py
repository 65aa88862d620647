"""Reading one assessment or one organisation: the rows every other part of the store and the web build on."""

from dataclasses import dataclass
from dataclasses import fields


class NotFound(Exception):
    """The assessment or organisation no longer exists (deleted, perhaps twice)."""


@dataclass(frozen=True)
class Assessment:
    """An assessment row."""

    id: int
    questionnaire_version: str
    status: str
    created_at: str
    updated_at: str
    submitted_at: str | None
    org_type: str | None = None
    size_band: str | None = None
    organisation_id: int | None = None
    round: int = 1
    lead: int = 1
    counted: int = 0

    @property
    def submitted(self):
        """True once the assessment is read-only."""
        return self.status == "submitted"


@dataclass(frozen=True)
class Answers:
    """What one assessment holds: chosen options per answer key, free texts, saved sections."""

    choices: dict[str, list[str]]
    texts: dict[str, str]
    saved_sections: set[str]


def find_assessment(db, token_hash):
    """Return the assessment whose resume token has this hash, or None."""
    columns = [f.name for f in fields(Assessment)]
    row = db.execute(f"select {', '.join(columns)} from assessments where token_hash = ?", [token_hash]).fetchone()
    return Assessment(*row) if row else None


def load_answers(db, assessment_id):
    """Return everything an assessment holds."""
    choices = {}
    for row in db.query(
        "select question_id, option_id from answers where assessment_id = ? order by rowid", [assessment_id]
    ):
        choices.setdefault(row["question_id"], []).append(row["option_id"])
    texts = {
        row["question_id"]: row["text"]
        for row in db.query("select question_id, text from free_texts where assessment_id = ?", [assessment_id])
    }
    saved = {
        row["section_id"]
        for row in db.query("select section_id from saved_sections where assessment_id = ?", [assessment_id])
    }
    return Answers(choices, texts, saved)


def latest_round(db, organisation_id):
    """Return the number of an organisation's newest round."""
    return db.execute("select max(round) from assessments where organisation_id = ?", [organisation_id]).fetchone()[0]


def organisation_assessments(db, organisation_id):
    """Return every assessment of an organisation, by round and then in the order respondents joined."""
    columns = [f.name for f in fields(Assessment)]
    return [
        Assessment(*row)
        for row in db.execute(
            f"select {', '.join(columns)} from assessments where organisation_id = ? order by round, id",
            [organisation_id],
        )
    ]


def results_revisions(db, organisation_id):
    """Return, in one query, the results revision and the organisation's: a results page stays valid while
    neither changes."""
    return db.execute(
        "select (select value from revisions where name = 'results'), "
        "(select revision from organisations where id = ?)",
        [organisation_id],
    ).fetchone()


def respondents(db, organisation_id):
    """Return (assessment, answers) of every assessment of an organisation, by round and then in the order
    respondents joined (for ``core.results.rounds``)."""
    return [
        (assessment, load_answers(db, assessment.id)) for assessment in organisation_assessments(db, organisation_id)
    ]


def assessment_scores(db, assessment_id):
    """Return {dimension: score} as stored when the assessment was submitted."""
    return dict(db.execute("select dimension, value from assessment_scores where assessment_id = ?", [assessment_id]))
