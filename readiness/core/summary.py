"""The summary at the top of the results page and of the board report: the strengths and gaps of the profile,
the top actions and where the organisation stands among its verified peers (or why it cannot yet be told).

Pure Python: it reads ``core.results.Results`` and the ranked recommendations; the words a strength or gap is
said in are the model's own (``meaning`` per dimension and band in ``model.toml``), and the page's templates say
the rest in the page's language.
"""

from dataclasses import dataclass

# A strength is a dimension in this band or above; a gap one below the second band named here (a dimension that
# is both counts as a strength). A profile with nothing in the adopting band has no strength to claim.
STRENGTH_FROM_BAND = "adopting"
GAP_BELOW_BAND = "established"
HOW_MANY = 3

# Why no position among peers can be shown (the page has a sentence for each).
NO_RELEASE = "no_release"  # no peer release has been published yet
NO_GROUP = "no_group"  # the release shows no group the organisation belongs to: too few organisations like it
TOO_FEW_SCORED = "too_few_scored"  # a group is shown, but fewer than the minimum others have a score to rank by
SHOWN = "shown"


@dataclass(frozen=True)
class Point:
    """One strength or gap: a dimension's score, its band and the model's sentence for that band."""

    dimension: object
    value: float
    band: object

    def meaning(self, lang):
        """Say what the score means, in the model's words."""
        return self.dimension.meaning[self.band.id][lang]


@dataclass(frozen=True)
class Standing:
    """Where the organisation stands in one dimension among the other organisations of its peer group."""

    dimension: object
    value: float | None
    quarter: str | None
    median: float | None


@dataclass(frozen=True)
class Position:
    """The organisation's position among verified peers: ``status`` is SHOWN (with ``standings`` in the dimensions
    that have a quarter) or why it is not (NO_RELEASE, NO_GROUP, TOO_FEW_SCORED)."""

    status: str
    organisations: int | None
    standings: tuple[Standing, ...]


@dataclass(frozen=True)
class Summary:
    """What the top of the results page and the first page of the board report say."""

    strengths: tuple[Point, ...]
    gaps: tuple[Point, ...]
    actions: tuple[str, ...]
    position: Position


def strengths_and_gaps(model, dimension_results, how_many=HOW_MANY):
    """Return (strengths, gaps): at most ``how_many`` scored dimensions of each, the highest-scoring in the
    adopting band or above as strengths (highest first), the lowest-scoring below the established band as gaps
    (lowest first); ties keep the model's order. Only the organisation's dimensions: the respondent's own use and
    attitude describe the person who answered, not the organisation's readiness."""
    order = {band.id: index for index, band in enumerate(model.bands)}
    scored = [
        Point(d.score.dimension, d.score.value, d.score.band)
        for d in dimension_results
        if d.score.value is not None and d.score.dimension.level == "organisation"
    ]
    by_score = sorted(scored, key=lambda point: -point.value)  # sorted() is stable: ties keep the model's order
    strengths = [p for p in by_score if order[p.band.id] >= order[STRENGTH_FROM_BAND]][:how_many]
    gaps = [p for p in sorted(scored, key=lambda point: point.value) if order[p.band.id] < order[GAP_BELOW_BAND]]
    gaps = [p for p in gaps if p not in strengths][:how_many]
    return tuple(strengths), tuple(gaps)


def action_text(recommendation, lang):
    """Say a recommendation as one action: its first concrete action where the recommendation has any, otherwise
    the title of its training area."""
    actions = getattr(recommendation, "actions", None)
    if actions:
        first = actions[0]
        if isinstance(first, str):
            return first
        # An action with its texts in the three languages, or an object that holds them as its title or text.
        text = getattr(first, "title", None) or getattr(first, "text", None) or first
        return text if isinstance(text, str) else text[lang]
    return recommendation.area.title[lang]


def position(results, release_published, organisation_level=True):
    """Return where the organisation stands among its peer group (``results``: ``core.results.Results``), or why
    that cannot be told: no release yet, no group of its kind in the release, or too few others with a score."""
    if not release_published:
        return Position(NO_RELEASE, None, ())
    if results.group is None:
        return Position(NO_GROUP, None, ())
    standings = tuple(
        Standing(d.score.dimension, d.score.value, d.quarter, d.peer_median)
        for d in results.dimensions
        if d.quarter and (d.score.dimension.level == "organisation" or not organisation_level)
    )
    if not standings:
        return Position(TOO_FEW_SCORED, results.group.organisations, ())
    return Position(SHOWN, results.group.organisations, standings)


def summarise(model, results, ranked_recommendations, release_published, lang):
    """Return the summary of one submitted assessment's results (``ranked_recommendations``: most important first)."""
    strengths, gaps = strengths_and_gaps(model, results.dimensions)
    actions = tuple(action_text(r, lang) for r in ranked_recommendations[:HOW_MANY])
    return Summary(strengths, gaps, actions, position(results, release_published))
