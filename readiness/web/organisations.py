"""An organisation over time: its respondents side by side, invites, yearly rounds, the peers page, and
deleting its data."""

import itertools
import re

from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField
from wtforms import RadioField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Regexp
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from readiness.core import combined
from readiness.core import peers
from readiness.core import results
from readiness.core import scoring
from readiness.core.questionnaire import PROFILE_SECTION
from readiness.core.questionnaire import load
from readiness.store import assessments
from readiness.store import organisations
from readiness.store import records
from readiness.store import releases as stored_releases
from readiness.store.database import hash_token
from readiness.store.database import read_snapshot

from . import report
from .helpers import NEW_INVITE_LINK
from .helpers import QUARTER_LABELS
from .helpers import close_assessment
from .helpers import current_assessment
from .helpers import get_db
from .helpers import keep_for_one_page
from .helpers import lookup_failed
from .helpers import lookups_refused
from .helpers import new_token
from .helpers import no_store
from .helpers import open_with_new_link
from .helpers import peer_cells
from .helpers import peer_minimum
from .helpers import peer_rule
from .helpers import release_info
from .helpers import render_error
from .helpers import take_kept
from .helpers import token_from
from .helpers import too_many_lookups
from .i18n import localized_blueprint

bp = localized_blueprint("organisations", __name__)
# A row id as a form sends it: digits only, short enough for SQLite's integers (\Z: WTForms' Regexp
# anchors only the start).
ID = re.compile(r"[0-9]{1,15}\Z")


# An organisation's answers and links are private: no cache may keep these pages.
bp.after_request(no_store)


def _organisation_assessment():
    """Return this browser's assessment, or answer 404: every page here belongs to one organisation."""
    assessment = current_assessment()
    if assessment is None:
        abort(404)
    return assessment


@bp.route("/organisation")
def organisation():
    """Every question with the respondents' answers side by side, where they agree and differ, the combined
    profile, the rounds, and (for the lead) the invites and the next round."""
    assessment = _organisation_assessment()
    db = get_db()
    is_lead = bool(assessment.lead) and assessment.round == records.latest_round(db, assessment.organisation_id)
    invites_table = None
    if is_lead:
        invites_table = report.cached("invites", assessment, g.lang_code, lambda: _invites_table(db, assessment))
    # A refused withdrawal comes here by redirect (the cached invite table cannot show it): said once.
    invite_error = INVITE_CHOICE if session.pop("invite_error", None) and is_lead else None
    invite_role_error = INVITE_ROLE if session.pop("invite_role_error", None) and is_lead else None
    return render_template(
        "organisations/organisation.html",
        assessment=assessment,
        body=report.cached("organisation", assessment, g.lang_code, lambda: _organisation_body(db, assessment)),
        is_lead=is_lead,
        invites_table=invites_table,
        invite_error=invite_error,
        invite_role_error=invite_role_error,
        role_question=load().profile_question("role"),
        new_invite=_invite_url(new_invite) if (new_invite := take_kept(NEW_INVITE_LINK)) else None,
    )


def _invites_table(db, assessment):
    """The lead's invites of this round as a table, or nothing (an empty string) if there are none."""
    invites = organisations.invites(db, assessment.organisation_id, assessment.round)
    if not invites:
        return Markup("")
    role_question = load().profile_question("role")
    return Markup(render_template("organisations/_invites_table.html", invites=invites, role_question=role_question))


def _organisation_body(db, assessment):
    """The organisation page's respondents, answers, combined profile and rounds for one viewer (it marks
    "you"), rendered once per change of the organisation and reused."""
    questionnaire = load()
    model = scoring.load(questionnaire)
    with read_snapshot(db):
        rounds = results.rounds(questionnaire, model, records.respondents(db, assessment.organisation_id))
    current = next(r for r in rounds if r.number == assessment.round)
    submitted = [r for r in current.respondents if r.assessment.submitted]
    comparison = combined.compare(questionnaire, submitted, current.combined, g.lang_code)
    return Markup(
        render_template(
            "organisations/_organisation_body.html",
            viewer=assessment,
            questionnaire=questionnaire,
            model=model,
            rounds=rounds,
            current=current,
            submitted=submitted,
            comparison=comparison,
            respondent_scores=[
                scoring.score(model, questionnaire, questionnaire.known_choices(r.answers.choices)) for r in submitted
            ],
            differences=sum(1 for rows in comparison.values() for row in rows if row.agreement == "differ"),
            respondents_differ=any(
                not results.compare_rounds(questionnaire, model, before, now).same
                for before, now in itertools.pairwise(rounds)
            ),
        )
    )


INVITE_ROLE = _l("Choose whom the invite link is for.")


class InviteForm(FlaskForm):
    """Create an invite link for one role: the link's label in the lead's list, and the colleague's role."""

    role = StringField(validators=[InputRequired(INVITE_ROLE)])

    def validate_role(self, field):
        if field.data not in {option.id for option in load().profile_question("role").options}:
            raise ValidationError(str(INVITE_ROLE))


@bp.post("/organisation/invites")
def create_invite():
    """Create an invite link for one more respondent; it is shown once, on the organisation page."""
    assessment = _organisation_assessment()
    form = InviteForm()
    if not form.validate():
        session["invite_role_error"] = True
        return redirect(url_for(".organisation"))  # the error summary at the top, focused
    token, token_hash = new_token()
    try:
        organisations.create_invite(get_db(), assessment.id, token_hash, form.role.data)
    except organisations.RoundRefused as refusal:
        return _round_refusal(refusal.reason)
    keep_for_one_page(NEW_INVITE_LINK, token)
    # The link is shown once: the page opens on it, not on the form above a long page.
    return redirect(url_for(".organisation", _anchor="new-invite"))


def _invite_url(token):
    """An invite link: its token is in the fragment, which never reaches the server (see survey.resume_url)."""
    return url_for(".invite", _external=True, _anchor=token)


INVITE_CHOICE = _l("Choose the invite link to withdraw from the list.")


class RevokeInviteForm(FlaskForm):
    """Withdraw one invite: each unused invite's button in the table sends its id. The form is one, around
    the whole table, because the table is rendered once and reused: it must not carry this browser's CSRF
    token, which the page around it renders."""

    invite_id = StringField(validators=[InputRequired(INVITE_CHOICE), Regexp(ID, message=INVITE_CHOICE)])


@bp.post("/organisation/invites/revoke")
def revoke_invite():
    """Revoke an invite that has not been used: its link stops working."""
    assessment = _organisation_assessment()
    form = RevokeInviteForm()
    if not form.validate():
        # Only a changed page sends this; the organisation page says what to do, after the redirect.
        session["invite_error"] = True
        return redirect(url_for(".organisation", _anchor="invites"))
    try:
        organisations.revoke_invite(get_db(), assessment.id, int(form.invite_id.data))
    except organisations.RoundRefused as refusal:
        return _round_refusal(refusal.reason)
    return redirect(url_for(".organisation", _anchor="invites"))


INVITE_REFUSALS = {
    "unknown": (
        404,
        _l("This invite link does not work"),
        _l("Check that the whole link was copied. If it was, ask the person who sent it for a new one."),
    ),
    "revoked": (
        410,
        _l("This invite link has been withdrawn"),
        _l("The person who sent it has withdrawn it. Ask them for a new one if you should still answer."),
    ),
    "used": (
        410,
        _l("This invite link has already been used"),
        _l(
            "Each invite link adds one respondent. If you used it yourself, continue with the resume link you were given; otherwise ask for a new invite."
        ),
    ),
    "outdated": (
        410,
        _l("This invite link is for an earlier round"),
        _l(
            "Your organisation has started a new round since the link was made. Ask for an invite to the current round."
        ),
    ),
}


@bp.route("/invite")
def invite():
    """The invite link's page. Its token is after #, which never reaches the server: the page's script reads it,
    takes it out of the address bar and the history, and posts it; without JavaScript the person pastes it."""
    return render_template("organisations/invite_link.html", link="", error=None)


@bp.route("/invite/<token>")
def old_invite(token):
    """An invite link of the old form, with the token in the path: the invite page, whose button posts the
    token in the form. Invites work once, so a used link in an access log opens nothing."""
    wait = lookups_refused()
    if wait:
        return too_many_lookups(wait)
    return _invite_page(token_from(token))


@bp.post("/invite")
def accept_invite():
    """The invite page for a posted link; its button ("choice") starts answering. Answering starts only with
    the button, so that a link preview that fetches the link does not use the invite up; and if another
    assessment is open in this browser, the page asks first whether to switch or keep it."""
    wait = lookups_refused()
    if wait:
        return too_many_lookups(wait)
    link = request.form.get("link", "")
    token = token_from(link)
    choice = request.form.get("choice")
    if token is None:
        if not link.strip():
            page = render_template("organisations/invite_link.html", link="", error=gettext("Enter your invite link."))
            return page, 400
        return _invite_refusal("unknown")
    if choice == "keep":
        # The start page leads on to the assessment that stays open.
        return redirect(url_for("survey.start"))
    if choice != "accept":
        return _invite_page(token)
    respondent_token, respondent_hash = new_token()
    try:
        questionnaire = load()
        organisations.join_by_invite(
            get_db(),
            hash_token(token),
            respondent_hash,
            questionnaire.version,
            PROFILE_SECTION,
            _profile_keys(questionnaire),
            questionnaire.profile_question("role").id,
        )
    except organisations.InviteRefused as refusal:
        return _invite_refusal(refusal.reason)
    open_with_new_link(respondent_token, respondent_hash)
    return redirect(url_for("survey.saved"))


def _profile_keys(questionnaire):
    """The answer keys of the profile: what a new round or an invited colleague carries from the lead."""
    return [key for question in questionnaire.profile_questions() for key in question.answer_keys()]


def _invite_page(token):
    if token is None:
        return _invite_refusal("unknown")
    db = get_db()
    invite, refusal = organisations.open_invite(db, hash_token(token))
    if refusal:
        return _invite_refusal(refusal)
    questionnaire = load()
    role = questionnaire.profile_question("role")
    return render_template(
        "organisations/invite.html",
        token=token,
        other_open=current_assessment() is not None,
        organisation_name=questionnaire.profile({}, records.load_answers(db, invite["lead_id"]).texts).name,
        role=role.option(invite["role"]) if invite["role"] else None,
    )


def _invite_refusal(reason):
    if reason == "unknown":
        lookup_failed()
    status, title, text = INVITE_REFUSALS[reason]
    return render_error(status, title, text)


ROUND_REFUSALS = {
    "not_lead": (
        403,
        _l("Only the organisation's lead respondent can do this"),
        _l(
            "The respondent who started the assessment for your organisation can invite others, start a new round and delete others' answers."
        ),
    ),
    "open": (
        409,
        _l("The current round is still open"),
        _l("Submit the current round's answers first; then you can start a new round."),
    ),
    "newer": (
        409,
        _l("A newer round has started"),
        _l("Your organisation has started a new round. Open it with the resume link given when it was started."),
    ),
}


def _round_refusal(reason):
    status, title, text = ROUND_REFUSALS[reason]
    return render_error(status, title, text, (url_for(".organisation"), gettext("Back to your organisation")))


@bp.post("/rounds")
def start_round():
    """Start the organisation's next round: the lead gets a new assessment and a new resume link."""
    assessment = _organisation_assessment()
    questionnaire = load()
    token, token_hash = new_token()
    try:
        organisations.start_round(
            get_db(),
            assessment.id,
            token_hash,
            questionnaire.version,
            PROFILE_SECTION,
            _profile_keys(questionnaire),
        )
    except organisations.RoundRefused as refusal:
        return _round_refusal(refusal.reason)
    open_with_new_link(token, token_hash)
    return redirect(url_for("survey.saved"))


@bp.route("/peers")
def peers_page():
    """Where the organisation stands per dimension in a peer group of the latest release that it picks."""
    assessment = current_assessment()
    db = get_db()
    questionnaire = load()
    cells = peer_cells()
    # The organisation's own class: that of its round's combined profile, as releases count it.
    own_group = (
        stored_releases.round_group(db, assessment.organisation_id, assessment.round)
        if assessment and assessment.submitted
        else None
    )
    own_cell = cells.cell_of(own_group) if own_group else None
    default = own_cell or (peers.ANY, peers.ANY)
    # The form sends one "group" (type:size) so that it offers only groups that exist; links send the two.
    if "group" in request.args:
        org_type, _sep, size_band = request.args["group"].partition(":")
    else:
        org_type = request.args.get("org_type", default[0])
        size_band = request.args.get("size_band", default[1] if org_type == default[0] else peers.ANY)
    choices = cells.choices()
    known_sizes = {band for bands in choices.values() for band in bands}
    if org_type not in choices or (size_band != peers.ANY and size_band not in known_sizes):
        return render_error(
            400,
            gettext("No such peer group"),
            gettext("Pick the organisation type and size from the lists."),
            (url_for(".peers_page"), gettext("Show the peers page")),
        )
    # A size class of another type (an old link, or a hand-made address): the type's figures, with a notice.
    other_types_size = None
    if size_band != peers.ANY and size_band not in choices[org_type]:
        other_types_size, size_band = size_band, peers.ANY
    body = report.cached(
        ("peers", org_type, size_band, other_types_size),
        assessment,
        g.lang_code,
        lambda: _peers_body(db, questionnaire, cells, assessment, org_type, size_band, choices, other_types_size),
    )
    return render_template("organisations/peers.html", body=body)


def _peer_group_options(questionnaire, cells, choices):
    """The groups the peers form offers, in the page's language: (name, value "type:size") for a type compared
    as a whole, or (type name, [(value, name), ...]) for a type split by size, its whole type first."""
    options = []
    for option in questionnaire.profile_question("org_type").options:
        name, whole = option.label[g.lang_code], f"{option.id}:{peers.ANY}"
        if not choices[option.id]:
            options.append((name, whole))
            continue
        sizes = [
            (
                f"{option.id}:{cell}",
                results.group_label(questionnaire, cells, peers.Group(option.id, cell, 0), g.lang_code),
            )
            for cell in choices[option.id]
        ]
        options.append((name, [(whole, gettext("%(type)s · any size", type=name)), *sizes]))
    return options


def _size_class_label(cells, choices, size_band):
    """The name of a size class in the page's language, from the type it belongs to."""
    org_type = next(t for t, bands in choices.items() if size_band in bands)
    return cells.label(org_type, size_band)[g.lang_code]


def _peers_body(db, questionnaire, cells, assessment, org_type, size_band, choices, other_types_size=None):
    """The peers page's content for one group and viewer, rendered once per change of what it shows: the
    latest release's figures, and the organisation's combined scores of its round beside them.
    ``other_types_size``: a size class asked for with a type that has no such class, named in a notice."""
    model = scoring.load(questionnaire)
    minimum = peer_minimum()
    with read_snapshot(db):
        sizes = stored_releases.release_sizes(db)
        group = peers.shown_group(sizes, org_type, size_band)
        nearest = None if group else peers.nearest_shown_group(sizes, org_type, size_band)
        figures = stored_releases.group_figures(db, group) if group else None
        as_of = stored_releases.as_of(db, group.key) if group else None
        info = release_info(db)
        scores, own = None, {}
        if assessment and assessment.submitted:
            rounds = results.rounds(questionnaire, model, records.respondents(db, assessment.organisation_id))
            scores = {s.dimension.id: s.value for s in next(r for r in rounds if r.number == assessment.round).scores}
            own = (stored_releases.own_scores(db, assessment.organisation_id, group) if group else None) or {}
    rows = [
        {
            "dimension": dimension,
            "value": (scores or {}).get(dimension.id),
            "quarter": figures.quarter(dimension.id, (scores or {}).get(dimension.id), own.get(dimension.id), minimum),
            "median": figures.median(dimension.id),
            "bands": figures.band_counts(dimension.id, model),
        }
        for dimension in (model.dimensions if group else ())
    ]
    return Markup(
        render_template(
            "organisations/_peers_body.html",
            questionnaire=questionnaire,
            model=model,
            group_options=_peer_group_options(questionnaire, cells, choices),
            other_types_size=_size_class_label(cells, choices, other_types_size) if other_types_size else None,
            org_type=org_type,
            size_band=size_band,
            group=group,
            group_name=results.group_label(questionnaire, cells, group, g.lang_code) if group else None,
            nearest=nearest,
            nearest_name=results.group_label(questionnaire, cells, nearest, g.lang_code) if nearest else None,
            rows=rows,
            has_scores=scores is not None,
            scores_of_another_model=bool(figures and figures.scored_with_another_model),
            quarters=QUARTER_LABELS,
            as_of=as_of,
            type_names={o.id: o.label[g.lang_code] for o in questionnaire.profile_question("org_type").options},
            **info,
        )
    )


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    """Delete answers, after a confirmation: one's own, (for the lead) another respondent's, or the whole
    organisation's, every round. Deleted answers are gone from every table and every aggregate."""
    assessment = current_assessment()
    if assessment is None:
        return render_error(
            404,
            gettext("There is nothing to delete"),
            gettext(
                "No answers are open in this browser. They may have been deleted already; open your resume link to see."
            ),
        )
    db = get_db()
    questionnaire = load()
    model = scoring.load(questionnaire)
    rounds = results.rounds(questionnaire, model, records.respondents(db, assessment.organisation_id))
    others = [r for round_ in rounds for r in round_.respondents if r.assessment.id != assessment.id]
    is_lead = bool(assessment.lead)
    form = DeleteForm(own=not (is_lead and others), lead=is_lead)
    if request.method == "GET":
        return _delete_form(assessment, others, is_lead, form)
    valid = form.validate()
    target = form.target.data
    # Answers deleted since the page was shown are said so first: ticking the box would not bring them back.
    if not form.target.errors and ID.fullmatch(target) and int(target) not in {r.assessment.id for r in others}:
        return render_error(
            404,
            gettext("These answers no longer exist"),
            gettext("They may have been deleted already."),
            (url_for(".organisation"), gettext("Back to your organisation")),
        )
    if not valid:
        return _delete_form(assessment, others, is_lead, form)
    if target == "own":
        ids = [assessment.id]
    elif target == "organisation":
        ids = None  # the whole organisation, as it is when the deletion runs
    else:
        ids = [int(target)]
    if ids is None:
        deleted = assessments.delete_organisation(db, assessment.organisation_id, peer_rule())
    else:
        deleted = assessments.delete_assessments(db, ids, peer_rule())
    for assessment_id in deleted:
        current_app.extensions["pdf_store"].forget(assessment_id)
    own = assessment.id in deleted
    if own:
        close_assessment()
    return render_template("organisations/deleted.html", count=len(deleted), own=own)


CHOOSE_TARGET = _l("Choose what to delete.")


def _ticked(form, field):
    # The box sends "yes"; nothing else confirms a deletion.
    if field.raw_data != ["yes"]:
        raise StopValidation(_l("Tick the box to confirm that you want to delete the answers for good."))


class DeleteForm(FlaskForm):
    """What to delete, and the confirmation. Which targets a respondent may choose depends on them: their
    own answers (unless they lead an organisation with other respondents), and for the lead another
    respondent's (by id) or the whole organisation's."""

    target = RadioField(validate_choice=False, validators=[InputRequired(CHOOSE_TARGET)])
    confirm = BooleanField(validators=[_ticked])

    def __init__(self, *, own, lead):
        super().__init__()
        self.own_allowed, self.is_lead = own, lead

    def validate_target(self, field):
        allowed = (field.data == "own" and self.own_allowed) or (
            self.is_lead and (field.data == "organisation" or ID.fullmatch(field.data))
        )
        if not allowed:
            raise StopValidation(CHOOSE_TARGET)


def _delete_form(assessment, others, is_lead, form):
    page = render_template(
        "organisations/delete.html", assessment=assessment, others=others, is_lead=is_lead, form=form
    )
    return page, 400 if form.errors else 200


def init_app(app):
    """Register the organisation pages."""
    app.register_blueprint(bp)
