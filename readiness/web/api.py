"""The JSON API, described by the OpenAPI document served at /api/v1/openapi.json.

Reference figures and the latest peer release are public (the same released figures as the pages); one
assessment's answers are for the holder of its resume token, sent as ``Authorization: Bearer …``.
"""

import json
from pathlib import Path

from flask import Blueprint
from flask import jsonify
from flask import request
from werkzeug.exceptions import HTTPException

from readiness.core import legal
from readiness.core import peers
from readiness.core import scoring
from readiness.core.peers import ANY
from readiness.core.questionnaire import load
from readiness.store import records
from readiness.store import reference as stored_reference
from readiness.store import releases as stored_releases
from readiness.store.database import hash_token
from readiness.store.database import read_snapshot

from .helpers import TOKEN_PATTERN
from .helpers import get_db
from .helpers import lookup_failed
from .helpers import lookups_refused
from .helpers import no_store
from .helpers import peer_cells
from .helpers import peer_minimum
from .helpers import release_info
from .report import results_of

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = json.loads((Path(__file__).parent.parent / "data" / "openapi.json").read_text(encoding="utf-8"))
PEER_FILTERS = ("org_type", "size_band")


class ApiError(Exception):
    """An answer the API gives as a JSON error: HTTP status, a stable code and a message for people."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@bp.after_request
def _not_cached(response):
    """Keep every answer but the OpenAPI document out of caches: /assessment carries an organisation's answers,
    and /peers and /reference, though public, change whenever a snapshot or reference figures are published."""
    if request.endpoint != "api.openapi":
        no_store(response)
    return response


@bp.errorhandler(ApiError)
def api_error(error):
    return jsonify(error={"code": error.code, "message": error.message}), error.status, error.headers


@bp.errorhandler(HTTPException)
def http_error(error):
    return jsonify(error={"code": error.name.lower().replace(" ", "_"), "message": error.description}), error.code


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(OPENAPI)


def figure_json(figure):
    """Return a reference figure with its provenance, as the API gives it."""
    return {
        "id": figure.id,
        "question_id": figure.question_id,
        "option_id": figure.option_id or None,
        "value": figure.value or None,
        "number": figure.number,
        "unit": figure.unit or None,
        "precision": figure.precision or None,
        "n": figure.n,
        "year": figure.year,
        "survey": figure.survey or None,
        "source": {
            "url": figure.source_url or None,
            "name": figure.source_name,
            "quote": figure.quote,
            "name_sv": figure.source_name_sv or None,
            "url_sv": figure.source_url_sv or None,
        },
        "text": {"fi": figure.text_fi, "sv": figure.text_sv, "en": figure.text_en},
    }


@bp.get("/reference")
def reference():
    """Every reference figure in force, with its precision and source."""
    figures = stored_reference.figures_in_force(get_db(), load())
    return jsonify(figures=[figure_json(f) for f in figures])


def _peer_filters():
    unknown = sorted(set(request.args) - set(PEER_FILTERS))
    if unknown:
        raise ApiError(
            400, "unknown_filter", f"Unknown filter {', '.join(unknown)}; the filters are {', '.join(PEER_FILTERS)}."
        )
    choices = peer_cells().choices()
    org_type = request.args.get("org_type", ANY)
    size_band = request.args.get("size_band", ANY)
    if org_type not in choices:
        raise ApiError(400, "unknown_filter_value", f"Unknown org_type {org_type!r}.")
    if size_band != ANY:
        if org_type == ANY:
            raise ApiError(400, "size_band_needs_org_type", "size_band is only meaningful together with org_type.")
        if size_band not in choices[org_type]:
            raise ApiError(
                400,
                "unknown_filter_value",
                f"size_band {size_band!r} is not a size class of org_type {org_type!r}; "
                f"its classes are: {', '.join(choices[org_type]) or 'none (the type is compared as a whole)'}.",
            )
    return org_type, size_band


def group_json(figures, model, as_of):
    """Return a shown group's released figures: organisations, answer counts per option, median scores, and
    the date of the release they were computed for."""
    group = figures.group
    return {
        "group": {"org_type": group.org_type, "size_band": group.size_band, "organisations": group.organisations},
        "figures_as_of": as_of,
        "answers": figures.distribution,
        "median_scores": {d.id: figures.median(d.id) for d in model.dimensions},
        "scores_model_version": None if figures.scored_with_another_model else model.version,
    }


@bp.get("/peers")
def peer_aggregates():
    """The released answers and median scores of a peer group, if the latest release shows it."""
    org_type, size_band = _peer_filters()
    db = get_db()
    minimum = peer_minimum()
    with read_snapshot(db):
        info = release_info(db)
        group = peers.shown_group(stored_releases.release_sizes(db), org_type, size_band)
        if group is None:
            raise ApiError(
                404,
                "group_not_shown",
                f"The latest release does not show this group: a group needs at least {minimum} organisations "
                f"and must have changed by at least {minimum} since it was last shown. Try a wider group.",
            )
        figures = stored_releases.group_figures(db, group)
        as_of = stored_releases.as_of(db, group.key)
    release = info["release"]
    return jsonify(
        minimum_group_size=minimum,
        release={"id": release.id, "published_at": release.published_at, "next_due": info["next_due"]},
        **group_json(figures, scoring.load(load()), as_of),
    )


def _bearer_assessment():
    if "token" in request.args:
        raise ApiError(400, "token_in_query", "Send the token in the Authorization header, never in the address.")
    wait = lookups_refused()
    if wait:
        raise ApiError(
            429,
            "too_many_failures",
            "Too many unknown tokens from this client; wait and retry.",
            {"Retry-After": str(wait)},
        )
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="readiness"'}
    # The scheme is no secret; the token is looked up by its hash, so no comparison of it leaks timing.
    if scheme.lower() != "bearer" or not TOKEN_PATTERN.fullmatch(token.strip()):
        raise ApiError(
            401, "missing_token", "Send the assessment's resume token as 'Authorization: Bearer <token>'.", challenge
        )
    assessment = records.find_assessment(get_db(), hash_token(token.strip()))
    if assessment is None:
        lookup_failed()
        raise ApiError(401, "unknown_token", "No assessment has this token.", challenge)
    if not assessment.submitted:
        raise ApiError(
            409, "not_submitted", "The assessment has not been submitted yet; results exist only after submission."
        )
    return assessment


@bp.get("/assessment")
def assessment():
    """One submitted assessment's answers, scores and benchmark, for the holder of its token."""
    found = _bearer_assessment()
    db = get_db()
    questionnaire = load()
    model = scoring.load(questionnaire)
    answers = records.load_answers(db, found.id)
    outcome = results_of(db, questionnaire, model, found, answers)
    return jsonify(
        assessment={
            "status": found.status,
            "questionnaire_version": found.questionnaire_version,
            "submitted_at": found.submitted_at,
            "org_type": found.org_type,
            "size_band": found.size_band,
        },
        answers=questionnaire.known_choices(answers.choices),
        free_texts=answers.texts,
        scores={
            d.score.dimension.id: {
                "value": d.score.value,
                "level": d.score.dimension.level,
                "band": d.score.band.id if d.score.band else None,
                "own_value": d.own,
                "peer_quarter": d.quarter,
                "peer_median": d.peer_median,
            }
            for d in outcome.dimensions
        },
        respondents=outcome.respondents,
        peer_group=(
            {
                "org_type": outcome.group.org_type,
                "size_band": outcome.group.size_band,
                "organisations": outcome.group.organisations,
            }
            if outcome.group
            else None
        ),
        model_version=model.version,
        benchmark=[
            {
                "answer_key": answer.key,
                "chosen": list(answer.chosen),
                "peer_shares": answer.peer_shares,
                "reference": [figure_json(f) for f in (*item.figures, *answer.figures)],
                "origin": item.question.origin,
                "options_origin": item.question.options_origin,
                "not_comparable": [o.id for o in item.question.retired_options if o.id in answer.chosen],
                "context": [figure_json(f) for f in item.context],
            }
            for item in outcome.questions
            for answer in item.answers
        ],
        legal_notes=[
            {
                "id": note.id,
                "title": {lang: note.title(lang) for lang in ("fi", "sv", "en")},
                "checked": note.checked.isoformat(),
                "sources": [source.url for source in note.sources],
            }
            for note in legal.applicable(legal.load(questionnaire), questionnaire.known_choices(answers.choices))
        ],
    )


def init_app(app):
    """Register the API; it takes no form posts, so CSRF protection does not apply to it."""
    app.extensions["csrf"].exempt(bp)
    app.register_blueprint(bp)
