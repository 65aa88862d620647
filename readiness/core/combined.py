"""An organisation's combined answers, from the answers of its respondents, and where they agree.

The rule, shown to users on the organisation page:
- a scored scale question (and each row of a scored matrix): the median of the respondents' answers on the
  model's points, the lower of the two middle answers when their number is even; "don't know" and "not
  applicable" are left out, as in scoring, and count only when nobody gave any other answer;
- a multiple-choice question: the options that at least half of the respondents who answered it chose;
- any other choice (the profile, for example): the answer most respondents gave, the first in the
  questionnaire's order on a tie;
- free text is never combined.
The organisation's score in a dimension is the median of its respondents' own scores in it (the mean of the
two middle ones when their number is even; respondents without a score there are left out), so that it never
falls outside their range. Pure Python, no Flask.
"""

import statistics
from dataclasses import dataclass

from . import scoring


def scale_points(model):
    """Return {question id: {option id: points}} of every scored scale question of the model."""
    points = {}
    for dimension in model.dimensions:
        for rule in dimension.questions:
            if rule.rule == "scale":
                points.setdefault(rule.question, rule.points)
    return points


def combine(questionnaire, model, respondents):
    """Return the combined choices {answer key: [option ids]} of ``respondents`` (a list of choices dicts)."""
    points = scale_points(model)
    combined = {}
    for question in questionnaire.questions():
        # Retired options too: answers stored in them are combined as given, never dropped or relabelled.
        order = [option.id for option in question.options + question.retired_options]
        for key in question.answer_keys():
            given = [choices[key] for choices in respondents if choices.get(key)]
            # Each type combines in its own way (question_types): the median, the most common, at least half.
            chosen = question.handler.combine(given, order, points.get(question.id)) if given else []
            if chosen:
                combined[key] = chosen
    return combined


def combined_scores(questionnaire, model, respondents):
    """Return the organisation's DimensionScore in every dimension, in the model's order, for ``respondents``
    (a list of choices dicts): the median of their own scores, never outside their range; no score where
    none of them has one."""
    own = [scoring.score(model, questionnaire, choices) for choices in respondents]
    found = []
    for position, dimension in enumerate(model.dimensions):
        values = [scores[position].value for scores in own if scores[position].value is not None]
        value = round(statistics.median(values), 1) if values else None
        found.append(scoring.DimensionScore(dimension, value, scoring.band_for(model, value), ()))
    return found


def agreement(respondents, key):
    """Return "agree" if every respondent who answered ``key`` gave the same answer, "differ" if not, and
    None when fewer than two answered it."""
    given = [frozenset(choices[key]) for choices in respondents if choices.get(key)]
    if len(given) < 2:
        return None
    return "agree" if len(set(given)) == 1 else "differ"


@dataclass(frozen=True)
class ComparedAnswer:
    """One question (or matrix row) with every respondent's answer, the combined answer and their agreement."""

    question: object
    row_label: str | None
    answers: tuple[str, ...]
    combined: str
    agreement: str | None


def compare(questionnaire, respondents, combined_choices, lang):
    """Return {section id: [ComparedAnswer]} for the respondents' submitted answers, free text as written."""
    choices = [questionnaire.known_choices(r.answers.choices) for r in respondents]

    def text(question, options):
        return ", ".join(question.option(o).label[lang] for o in options) if options else "–"

    found = {}
    for section in questionnaire.sections:
        rows = []
        for question in section.questions:
            if question.free_text:
                answers = tuple(r.answers.texts.get(question.id) or "–" for r in respondents)
                rows.append(ComparedAnswer(question, None, answers, "", None))
                continue
            for key in question.answer_keys():
                row = question.row(key)
                rows.append(
                    ComparedAnswer(
                        question,
                        row.label[lang] if row else None,
                        tuple(text(question, c.get(key)) for c in choices),
                        text(question, combined_choices.get(key)),
                        agreement(choices, key),
                    )
                )
        found[section.id] = rows
    return found
