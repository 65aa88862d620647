"""The results page's charts, with their titles, takeaways and labels in the page's language."""

from markupsafe import Markup

from readiness.core import charts
from readiness.core import comparisons
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


def comparison_words():
    """Return the words of the comparison charts in the page's language."""
    return comparisons.Words(
        about_share=gettext("about %(share)s"),
        more_than_share=gettext("more than %(share)s"),
        about_percent=gettext("about %(percent)s"),
        more_than_percent=gettext("more than %(percent)s"),
        count_of=gettext("%(count)s of %(base)s"),
        peers_count=gettext("%(count)s of %(base)s organisations (%(percent)s)"),
        one_in={
            2: gettext("one in two"),
            3: gettext("one in three"),
            4: gettext("one in four"),
            5: gettext("one in five"),
            6: gettext("one in six"),
            7: gettext("one in seven"),
            8: gettext("one in eight"),
            9: gettext("one in nine"),
            10: gettext("one in ten"),
        },
        yours=gettext("your answer"),
        your_answer=gettext("Your answer: %(answer)s"),
    )


def kt_series(figure):
    """Name the series of one of KT's figures: its survey and year."""
    return gettext("KT's survey %(year)s", year=figure.year)


def question_comparisons(questionnaire, results, lang, org_type=None):
    """Return {question id: comparison chart SVG} for every question with a published figure (as published) or
    a peer distribution (as released) to draw; questions with nothing to draw have none. The organisation type
    (``org_type``, the organisation's own marked) has the counts KT published of its respondents."""
    words = comparison_words()
    peers_series = gettext("Your peer group")
    found = {}
    type_chart = _type_comparison(questionnaire, results, words, lang, org_type)
    if type_chart:
        found["org_type"] = type_chart
    for item in results.questions:
        question = item.question
        if question.rows:
            svg = _matrix_comparison(item, results, words, peers_series, lang)
        else:
            svg = _options_comparison(item, results, words, peers_series, lang)
        if svg:
            found[question.id] = svg
    return found


def _type_comparison(questionnaire, results, words, lang, org_type):
    """KT's respondents by organisation type, each a count of its base, the organisation's own type marked."""
    question = questionnaire.profile_question("org_type")
    by_option = {}
    for figure in results.survey_figures:
        if figure.question_id == question.id and figure.option_id:
            by_option.setdefault(figure.option_id, []).append(figure)
    if not by_option:
        return None
    rows = []
    yours = gettext("your organisation")
    for option in question.options:
        figures = by_option.get(option.id, ())
        if not figures:
            continue
        chosen = option.id == org_type
        label = f"✓ {option.label[lang]} ({yours})" if chosen else option.label[lang]
        drawn = tuple(comparisons.drawn_figure(figure, kt_series(figure), words, lang) for figure in figures)
        rows.append(comparisons.Row(label, chosen, drawn))
    return Markup(comparisons.comparison_svg("compare-org_type", rows, lang))


def _options_comparison(item, results, words, peers_series, lang):
    question, answer = item.question, item.answers[0]
    base = results.group.organisations if results.group else 0
    rows = []
    for option in question.options:
        chosen = option.id in answer.chosen
        drawn = []
        if answer.peer_counts is not None:
            drawn.append(comparisons.peers_drawn(peers_series, answer.peer_counts[option.id], base, words, lang))
        drawn.extend(
            comparisons.drawn_figure(figure, kt_series(figure), words, lang)
            for figure in item.option_figures(option.id)
        )
        label = f"✓ {option.label[lang]} ({words.yours})" if chosen else option.label[lang]
        rows.append(comparisons.Row(label, chosen, tuple(drawn)))
    rows.extend(_whole_question_rows(item, words, lang))
    if not any(row.figures for row in rows):
        return None
    return Markup(comparisons.comparison_svg(f"compare-{question.id}", rows, lang))


def _whole_question_rows(item, words, lang):
    """Rows for KT's figures about the question as a whole, those with a number (their words stand above the
    chart, with the source)."""
    rows = []
    for figure in item.other_figures():
        drawn = comparisons.drawn_figure(figure, kt_series(figure), words, lang)
        if drawn.value is not None:
            rows.append(comparisons.Row(gettext("Published about the question as a whole"), False, (drawn,)))
    return rows


def _matrix_comparison(item, results, words, peers_series, lang):
    question = item.question
    has_peers = results.group is not None
    rows = []
    for answer in item.answers:
        said = ", ".join(_option_label(question, option_id, lang) for option_id in answer.chosen)
        stack = ()
        if has_peers and answer.peer_counts is not None:
            stack = tuple(
                (option.label[lang], answer.peer_counts[option.id], option.id in answer.chosen)
                for option in question.options
            )
        drawn = tuple(comparisons.drawn_figure(figure, kt_series(figure), words, lang) for figure in answer.figures)
        said = "✓ " + words.your_answer % {"answer": said} if said else gettext("Not answered")
        note = ""
        if stack and answer.chosen:
            same = sum(count for _, count, chosen in stack if chosen)
            note = gettext(
                "Same answer as %(count)s of %(base)s in your peer group",
                count=same,
                base=results.group.organisations,
            )
        rows.append(comparisons.Row(answer.row.label[lang], False, drawn, said, stack, note))
    rows.extend(_whole_question_rows(item, words, lang))
    if not any(row.figures or row.stack for row in rows):
        return None
    legend = tuple(option.label[lang] for option in question.options) if has_peers else ()
    return Markup(comparisons.comparison_svg(f"compare-{question.id}", rows, lang, legend))


def _option_label(question, option_id, lang):
    option = question.option(option_id)
    return option.label[lang] if option else option_id
