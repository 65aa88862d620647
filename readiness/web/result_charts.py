"""The results page's charts, with their titles, takeaways and labels in the page's language."""

from readiness.core import charts
from readiness.core.formatting import format_number
from readiness.core.formatting import format_percent

from .i18n import gettext


def result_charts(questionnaire, results, lang):
    """Return the charts of a results page: the readiness profile and, with a peer group, own AI use."""
    found = [charts_profile(results, lang)]
    if results.group:
        own_use = next((q for q in results.questions if q.question.id == "own_use"), None)
        if own_use:
            found.append(charts_own_use(own_use, lang))
    return found


def charts_profile(results, lang):
    # The organisation's dimensions only: the respondent's own use and attitude are shown apart, not as its profile.
    rows = [
        (d.score.dimension.name[lang], d.score.value, d.peer_median)
        for d in results.dimensions
        if d.score.dimension.level == "organisation"
    ]
    scored = [(name, value) for name, value, _ in rows if value is not None]
    if scored:
        strongest = max(scored, key=lambda item: item[1])
        weakest = min(scored, key=lambda item: item[1])
        takeaway = gettext(
            "Your strongest dimension is %(strongest)s (%(high)s/100) and your weakest %(weakest)s (%(low)s/100).",
            strongest=strongest[0],
            high=format_number(strongest[1], lang),
            weakest=weakest[0],
            low=format_number(weakest[1], lang),
        )
    else:
        takeaway = gettext("None of your answers could be scored: they were all “don't know”.")
    labels = {
        "organisation": gettext("Your organisation"),
        "peers": gettext("Peer group median"),
        "dimension": gettext("Dimension"),
        "no_score": gettext("no score"),
    }
    return charts.profile_chart("profile", gettext("Readiness profile, 0–100"), takeaway, rows, labels, lang)


def charts_own_use(question_result, lang):
    answer = question_result.answers[0]
    question = question_result.question
    rows = [
        (option.label[lang], answer.peer_shares[option.id], option.id in answer.chosen) for option in question.options
    ]
    same = sum(share for _, share, chosen in rows if chosen)
    takeaway = gettext("In your peer group, %(share)s gave the same answer as you.", share=format_percent(same, lang))
    labels = {
        "peers": gettext("Peer group"),
        "option": gettext("Answer"),
        "yours": gettext("Your answer"),
        "chosen": "✓ " + gettext("chosen"),
    }
    title = gettext("Your peer group's answers: %(question)s", question=question.text[lang])
    return charts.distribution_chart("own-use", title, takeaway, rows, labels, lang)
