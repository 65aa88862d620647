"""The organisation's action plan: the actions it picks from its recommendations, each with an owner (a role),
a target group, a quarter and a status; one plan per round, which every respondent of the organisation sees and
changes, the open items carried into the next round."""

from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from readiness.core import action_plans as rules
from readiness.core import recommendations
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.core.recommendations import TARGETS
from readiness.store import action_plans
from readiness.store.records import latest_round

from . import report
from .helpers import current_assessment
from .helpers import get_db
from .helpers import no_store
from .helpers import today as helsinki_today
from .i18n import gettext
from .i18n import localized_blueprint

bp = localized_blueprint("plan", __name__)
# The plan is the organisation's own: no cache may keep it.
bp.after_request(no_store)

FIELD_ERRORS = {
    "owner": _l("Choose who owns “%(action)s”."),
    "target": _l("Choose the target group of “%(action)s”."),
    "quarter": _l("Choose the quarter of “%(action)s” from the list."),
    "status": _l("Choose the status of “%(action)s”."),
}
CHOOSE_ACTION = _l("Choose at least one action to add to the plan.")
EARLIER_ROUND = _l("This plan is of an earlier round and can no longer change. Open the plan of your latest round.")


class PlanForm(FlaskForm):
    """The plan's forms carry a CSRF token; their rows are checked by the plan's rules (``core.action_plans``)."""


def _catalogue():
    questionnaire = load()
    return recommendations.load(questionnaire, scoring.load(questionnaire))


def _page(assessment, catalogue, status=200, errors=(), values=None, chosen=()):
    """Render the plan page; ``values`` are the rows as sent ({item id: {field: value}}) after a refused save,
    kept as they were sent; ``errors`` are (text, field id) pairs."""
    db = get_db()
    lang = g.lang_code
    items = action_plans.items(db, assessment.organisation_id, assessment.round)
    recommended = report.recommended(db, assessment) if assessment.submitted else []
    in_plan = {item.action for item in items}
    offered = [
        (recommendation, [a for a in recommendation.actions if a.id not in in_plan]) for recommendation in recommended
    ]
    offered = [(recommendation, actions) for recommendation, actions in offered if actions]
    previous = assessment.round - 1 if assessment.round > 1 else None
    today = helsinki_today()
    rows = []
    for item in items:
        action = catalogue.action(item.action)
        sent = (values or {}).get(item.id, {})
        rows.append(
            {
                "item": item,
                "title": action.title[lang] if action else item.action,
                "area": catalogue.area(action.area).title[lang] if action else "",
                "values": {field: sent.get(field, getattr(item, field)) for field in FIELD_ERRORS},
                "remove": sent.get("remove", False),
                "quarters": rules.quarter_choices(today, item.quarter),
                "errors": {
                    field_id: text for text, field_id in errors if field_id in {f"#{f}-{item.id}" for f in FIELD_ERRORS}
                },
            }
        )
    page = render_template(
        "plan/plan.html",
        assessment=assessment,
        catalogue=catalogue,
        rows=rows,
        offered=offered,
        chosen=set(chosen),
        editable=latest_round(db, assessment.organisation_id) == assessment.round,
        progress=rules.progress(
            items, previous, action_plans.items(db, assessment.organisation_id, previous) if previous else []
        ),
        previous_round=previous,
        errors=list(errors),
        statuses=rules.STATUSES,
        roles=list(catalogue.roles),
        targets=TARGETS,
    )
    return page, status


def _open_assessment():
    assessment = current_assessment()
    if assessment is None:
        return None, redirect(url_for("survey.start"))
    return assessment, None


@bp.route("/plan")
def plan():
    """The organisation's action plan for the round of the assessment open in this browser."""
    assessment, away = _open_assessment()
    if away:
        return away
    chosen = [request.args["add"]] if request.args.get("add") else []
    return _page(assessment, _catalogue(), chosen=chosen)


def _posted(anchor):
    """Return the assessment and catalogue a plan form was posted for, or the response that ends the post
    (no open assessment, or a form whose token expired: said at ``anchor``)."""
    assessment, away = _open_assessment()
    if away:
        return None, None, away
    catalogue = _catalogue()
    if not PlanForm().validate():
        return (
            None,
            None,
            _page(assessment, catalogue, 400, [(gettext("The form had expired. Please try again."), anchor)]),
        )
    return assessment, catalogue, None


@bp.post("/plan/add")
def add():
    """Add the chosen actions of the organisation's recommendations to its plan, each as the action proposes it
    (its owner, its area's target group, this quarter, planned): the plan page then lets them be changed."""
    assessment, catalogue, away = _posted("#add")
    if away:
        return away
    offered = {
        a.id for r in (report.recommended(get_db(), assessment) if assessment.submitted else []) for a in r.actions
    }
    chosen = [action_id for action_id in request.form.getlist("action") if action_id in offered]
    if not chosen:
        return _page(assessment, catalogue, 400, [(str(CHOOSE_ACTION), "#add-actions")])
    today = helsinki_today()
    try:
        action_plans.add(
            get_db(),
            assessment.organisation_id,
            assessment.round,
            [rules.new_item(catalogue, action_id, today) for action_id in chosen],
        )
    except action_plans.PlanLocked:
        return _page(assessment, catalogue, 409, [(str(EARLIER_ROUND), "#plan")])
    return redirect(url_for(".plan", _anchor="plan"))


@bp.post("/plan")
def save():
    """Save the owner, target group, quarter and status of every item of the plan, and remove those marked, all
    at once; a row with a problem refuses the whole save, and the page keeps every row as it was sent."""
    assessment, catalogue, away = _posted("#plan")
    if away:
        return away
    db = get_db()
    lang = g.lang_code
    today = helsinki_today()
    changes, removed, values, errors = {}, [], {}, []
    # Only this organisation's items of this round are read from the form: ids of any other are ignored.
    for item in action_plans.items(db, assessment.organisation_id, assessment.round):
        row = {field: request.form.get(f"{field}-{item.id}", "") for field in FIELD_ERRORS}
        row["remove"] = request.form.get(f"remove-{item.id}") == "yes"
        values[item.id] = row
        if row["remove"]:
            removed.append(item.id)
            continue
        action = catalogue.action(item.action)
        title = action.title[lang] if action else item.action
        for field in rules.problems(catalogue, today, row, kept_quarter=item.quarter):
            errors.append((str(FIELD_ERRORS[field]) % {"action": title}, f"#{field}-{item.id}"))
        changes[item.id] = row
    if errors:
        return _page(assessment, catalogue, 400, errors, values)
    try:
        action_plans.update(db, assessment.organisation_id, assessment.round, changes, removed)
    except action_plans.PlanLocked:
        return _page(assessment, catalogue, 409, [(str(EARLIER_ROUND), "#plan")])
    return redirect(url_for(".plan", saved=1, _anchor="plan"))


def init_app(app):
    """Register the action plan's pages."""
    app.register_blueprint(bp)
