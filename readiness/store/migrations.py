"""The schema, as sqlite-utils migrations applied at start-up and recorded in the database.

Answers are kept long (one row per assessment, question and chosen option), so that the counts per option of
a question are a single indexed ``GROUP BY``; free text sits in a table of its own that no aggregate reads.
"""

from sqlite_utils import Migrations

migrations = Migrations("readiness")


@migrations(name="0001_assessments_and_answers")
def _create_tables(db):
    db["assessments"].create(
        {
            "id": int,
            "token_hash": str,
            "questionnaire_version": str,
            "status": str,
            "created_at": str,
            "updated_at": str,
            "submitted_at": str,
        },
        pk="id",
        not_null={"token_hash", "questionnaire_version", "status", "created_at", "updated_at"},
        strict=True,
    )
    db["assessments"].create_index(["token_hash"], unique=True)
    db["saved_sections"].create(
        {"assessment_id": int, "section_id": str, "saved_at": str},
        pk=("assessment_id", "section_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"saved_at"},
        strict=True,
    )
    db["answers"].create(
        {"assessment_id": int, "question_id": str, "option_id": str},
        pk=("assessment_id", "question_id", "option_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        strict=True,
    )
    db["answers"].create_index(["question_id", "option_id"])
    # Free text sits apart from the choices so that no aggregate over answers can ever reach it.
    db["free_texts"].create(
        {"assessment_id": int, "question_id": str, "text": str},
        pk=("assessment_id", "question_id"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"text"},
        strict=True,
    )


@migrations(name="0002_peer_aggregates_scores_reference")
def _add_results_tables(db):
    # An assessment's peer group, fixed when it is submitted: organisation type and size band.
    db["assessments"].add_column("org_type", str)
    db["assessments"].add_column("size_band", str)
    db["assessment_scores"].create(
        {"assessment_id": int, "dimension": str, "value": float, "org_type": str, "size_band": str},
        pk=("assessment_id", "dimension"),
        foreign_keys=[("assessment_id", "assessments", "id")],
        not_null={"value", "org_type", "size_band"},
        strict=True,
    )
    # Peer aggregates, kept up to date at each submission so that no page recounts raw answers.
    # A group is (org_type, size_band), "*" meaning any: ("*", "*"), (type, "*") and (type, band).
    db["peer_groups"].create(
        {"org_type": str, "size_band": str, "organisations": int},
        pk=("org_type", "size_band"),
        not_null={"organisations"},
        strict=True,
    )
    db["peer_counts"].create(
        {"org_type": str, "size_band": str, "answer_key": str, "option_id": str, "organisations": int},
        pk=("org_type", "size_band", "answer_key", "option_id"),
        not_null={"organisations"},
        strict=True,
    )
    # How many organisations of a group have each score: percentiles and medians read a few rows per
    # dimension, however many organisations there are (scores have one decimal and few distinct values).
    db["peer_scores"].create(
        {"org_type": str, "size_band": str, "dimension": str, "value": float, "organisations": int},
        pk=("org_type", "size_band", "dimension", "value"),
        not_null={"organisations"},
        strict=True,
    )
    # What peers see: a snapshot of the three tables above, replaced only when the change since the last
    # snapshot is itself safe to show (see peers.may_publish), so that comparing two snapshots isolates nobody.
    for table in ("peer_groups", "peer_counts", "peer_scores"):
        db.execute(f"create table published_{table} as select * from {table} where 0")
    db["published_peer_groups"].create_index(["org_type", "size_band"], unique=True)
    db["published_peer_counts"].create_index(["org_type", "size_band", "answer_key", "option_id"], unique=True)
    db["published_peer_scores"].create_index(["org_type", "size_band", "dimension", "value"], unique=True)
    # Every size at which a group has been shown: a later snapshot must not differ from any of them by a few.
    db["peer_shown_sizes"].create(
        {"org_type": str, "size_band": str, "organisations": int},
        pk=("org_type", "size_band", "organisations"),
        strict=True,
    )
    # Reference figures loaded by the operator; they replace or extend the packaged 2024 figures.
    db["reference_figures"].create(
        {
            "id": str,
            "question_id": str,
            "option_id": str,
            "value": str,
            "unit": str,
            "precision": str,
            "n": int,
            "year": int,
            "source_url": str,
            "source_name": str,
            "quote": str,
            "text_fi": str,
            "text_sv": str,
            "text_en": str,
        },
        pk="id",
        strict=True,
    )
    db["reference_loads"].create(
        {"id": int, "loaded_at": str, "loaded_from": str, "mode": str, "figures": int},
        pk="id",
        not_null={"loaded_at", "loaded_from", "mode", "figures"},
        strict=True,
    )


@migrations(name="0003_revisions")
def _add_revisions(db):
    # Bumped with every change to what results pages show besides an assessment's own answers (peer
    # aggregates, reference figures), so that a rendered results page can be reused until then.
    db["revisions"].create({"name": str, "value": int}, pk="name", not_null={"value"}, strict=True)
    db["revisions"].insert({"name": "results", "value": 0})
    # When peers' snapshot was last replaced (Unix seconds; 0 = never), so pages can say how current it is.
    db["revisions"].insert({"name": "peers_published_at", "value": 0})


@migrations(name="0004_organisations_rounds_invites")
def _add_organisations(db):
    # An organisation has respondents (one assessment each) in yearly rounds. The lead is the respondent who
    # started the organisation or its round: the holder of the organisation's link. Peers count each
    # organisation once: ``counted`` marks the assessment whose answers are in the peer aggregates.
    db["organisations"].create(
        {"id": int, "created_at": str, "revision": int}, pk="id", not_null={"created_at", "revision"}, strict=True
    )
    db.execute(
        "insert into organisations (id, created_at, revision) select id, created_at, 0 from assessments order by id"
    )
    db["assessments"].add_column("organisation_id", int)
    db["assessments"].add_column("round", int)
    db["assessments"].add_column("lead", int)
    db["assessments"].add_column("counted", int)
    db.execute("update assessments set organisation_id = id, round = 1, lead = 1, counted = (status = 'submitted')")
    db["assessments"].create_index(["organisation_id", "round"])
    db["invites"].create(
        {
            "id": int,
            "organisation_id": int,
            "round": int,
            "token_hash": str,
            "created_at": str,
            "revoked_at": str,
            "used_at": str,
            "assessment_id": int,
        },
        pk="id",
        foreign_keys=[("organisation_id", "organisations", "id")],
        not_null={"organisation_id", "round", "token_hash", "created_at"},
        strict=True,
    )
    db["invites"].create_index(["token_hash"], unique=True)
    # Contributions added to or removed from each peer group since the group was last published.
    db["peer_changes"].create(
        {"org_type": str, "size_band": str, "contributions": int},
        pk=("org_type", "size_band"),
        not_null={"contributions"},
        strict=True,
    )


@migrations(name="0005_operators")
def _add_operators(db):
    # Operators of the service. ``session_version`` grows at each sign-out: sessions signed in before it end.
    db["operators"].create(
        {"id": int, "username": str, "password_hash": str, "created_at": str, "session_version": int},
        pk="id",
        not_null={"username", "password_hash", "created_at", "session_version"},
        strict=True,
    )
    db["operators"].create_index(["username"], unique=True)
    # Failed sign-ins by the name tried (no IP addresses are stored): the throttle counts them.
    db["sign_in_failures"].create(
        {"username": str, "failed_at": float}, not_null={"username", "failed_at"}, strict=True
    )
    db["sign_in_failures"].create_index(["username", "failed_at"])
    # A reference CSV checked and shown to an operator, waiting for the confirmation that loads it.
    db["reference_uploads"].create(
        {"id": int, "operator_id": int, "uploaded_at": str, "filename": str, "content": str},
        pk="id",
        not_null={"operator_id", "uploaded_at", "filename", "content"},
        strict=True,
    )


@migrations(name="0006_changed_organisations")
def _count_changed_organisations(db):
    # The organisations whose contribution to a group changed since the group was last shown: one
    # organisation counts once however often it changed (new rounds, deletion), so that the publication rule
    # compares organisations, not events, with the minimum group size.
    db["peer_changes"].drop()
    db["peer_changed_organisations"].create(
        {"org_type": str, "size_band": str, "organisation_id": int},
        pk=("org_type", "size_band", "organisation_id"),
        strict=True,
    )


@migrations(name="0007_deleted_assessments")
def _record_deletions(db):
    # Each deleted assessment, in order: a PDF rendering that ends after a deletion, in any worker, checks here
    # (under the write lock) that its assessment was not deleted since it began. AUTOINCREMENT: a number is
    # never given twice, even after old rows are pruned. Ids only, no answers; rows are kept for a day.
    db.execute(
        "create table deleted_assessments (seq integer primary key autoincrement, "
        "assessment_id integer not null, deleted_at real not null) strict"
    )
    db["deleted_assessments"].create_index(["assessment_id", "seq"])
    db["deleted_assessments"].create_index(["deleted_at"])


@migrations(name="0008_failed_lookups")
def _add_failed_lookups(db):
    # Failed token look-ups and sign-ins, one row each, shared by every worker: ``client`` is a keyed hash of
    # the client's address (never the address). Rows older than the throttle's window are pruned at each write.
    db["failed_lookups"].create({"client": str, "failed_at": float}, not_null={"client", "failed_at"}, strict=True)
    db["failed_lookups"].create_index(["client", "failed_at"])
    db["failed_lookups"].create_index(["failed_at"])


@migrations(name="0009_reference_survey_and_swedish_sources")
def _add_reference_provenance(db):
    # Reference figures name the survey they come from (empty: KT's own; any other id: another survey, shown only
    # as context) and the source as KT's Swedish release names it. Older rows read as KT's, without Swedish names.
    # Answers stored in an option the questionnaire has since retired (own use "occasionally", not a category of
    # the 2024 survey) are left exactly as stored: pages show them as not comparable, never as another option.
    for column in ("survey", "source_name_sv", "source_url_sv"):
        db["reference_figures"].add_column(column, str)


@migrations(name="0010_register_and_verification")
def _add_register_and_verification(db):
    # The operator's register entries: they extend the packaged register.csv and replace its entries with the
    # same id. Columns as in the file (core.register.COLUMNS); email_domains space-separated.
    db["register_entries"].create(
        {
            "id": str,
            "org_type": str,
            "name_fi": str,
            "name_sv": str,
            "size_band": str,
            "region": str,
            "language": str,
            "email_domains": str,
        },
        pk="id",
        not_null={"org_type", "name_fi", "name_sv", "size_band", "region", "language", "email_domains"},
        strict=True,
    )
    db["register_loads"].create(
        {"id": int, "loaded_at": str, "loaded_from": str, "entries": int},
        pk="id",
        not_null={"loaded_at", "loaded_from", "entries"},
        strict=True,
    )
    # A lead's claim that its organisation is a register entry, and how it is verified: by a link mailed to an
    # address at the entry's domain (method "email") or by the operator ("operator"). Status: pending,
    # verified, rejected, withdrawn. A claim to an entry that another organisation claims too is "contested"
    # and only the operator decides it. The emailed token is stored only as its SHA-256 hash. Deleting the
    # organisation deletes its claims (ON DELETE CASCADE).
    db.execute(
        """
        create table claims (
            id integer primary key,
            organisation_id integer not null references organisations(id) on delete cascade,
            entry_id text not null,
            contact_name text not null,
            contact_email text not null,
            stated_size_band text not null,
            method text not null check (method in ('email', 'operator')),
            status text not null check (status in ('pending', 'verified', 'rejected', 'withdrawn')),
            contested integer not null default 0,
            created_at text not null,
            decided_at text,
            decided_by text,
            token_hash text,
            token_expires_at text,
            email_sent_at text,
            email_error text
        ) strict
        """
    )
    # One verified organisation per register entry; one open (pending or verified) claim per organisation.
    db.execute("create unique index claims_verified_entry on claims(entry_id) where status = 'verified'")
    db.execute(
        "create unique index claims_open_organisation on claims(organisation_id) "
        "where status in ('pending', 'verified')"
    )
    db.execute("create unique index claims_token on claims(token_hash) where token_hash is not null")
    db.execute("create index claims_entry on claims(entry_id, status)")


@migrations(name="0011_peer_releases")
def _add_releases(db):
    # Peers see releases, each computed from scratch and audited (store.releases, core.releases); the live
    # aggregates, the snapshot and its bookkeeping go.
    for table in (
        "peer_groups",
        "peer_counts",
        "peer_scores",
        "published_peer_groups",
        "published_peer_counts",
        "published_peer_scores",
        "peer_shown_sizes",
        "peer_changed_organisations",
    ):
        db[table].drop(ignore=True)
    db.execute("delete from revisions where name = 'peers_published_at'")
    # What each organisation's round contributes: the combined profile of its submitted respondents, kept up to
    # date when one submits or is deleted. ``unit`` changes with every new set of respondents.
    db["round_contributions"].create(
        {
            "organisation_id": int,
            "round": int,
            "unit": str,
            "assessment_ids": str,
            "org_type": str,
            "size_band": str,
            "vector": bytes,
        },
        pk=("organisation_id", "round"),
        not_null={"unit", "assessment_ids", "org_type", "size_band", "vector"},
        strict=True,
    )
    db["round_contributions"].create_index(["unit"], unique=True)
    # What a contribution counts, each (answer key, option) or (score.<dimension>, value) pair numbered once
    # and for good: a contribution's ``vector`` is the little-endian uint32 numbers of its pairs, so that a
    # release counts 100,000 organisations with one numpy bincount instead of millions of rows.
    db.execute(
        "create table contribution_items (id integer primary key, answer_key text not null, "
        "option_id text not null, unique (answer_key, option_id)) strict"
    )
    # Releases and the figures of the latest (a cell's ``as_of`` is the release its figures were computed for).
    db.execute(
        "create table releases (id integer primary key autoincrement, published_at text not null, "
        "threshold integer not null, organisations integer not null) strict"
    )
    db["release_groups"].create(
        {"release_id": int, "org_type": str, "size_band": str, "organisations": int, "as_of": int},
        pk=("release_id", "org_type", "size_band"),
        not_null={"organisations", "as_of"},
        strict=True,
    )
    db["release_counts"].create(
        {
            "release_id": int,
            "org_type": str,
            "size_band": str,
            "answer_key": str,
            "option_id": str,
            "organisations": int,
        },
        pk=("release_id", "org_type", "size_band", "answer_key", "option_id"),
        not_null={"organisations"},
        strict=True,
    )
    db["release_scores"].create(
        {"release_id": int, "org_type": str, "size_band": str, "dimension": str, "value": float, "organisations": int},
        pk=("release_id", "org_type", "size_band", "dimension", "value"),
        not_null={"organisations"},
        strict=True,
    )
    # The audit history: how many versions of each cell were published, in which release, and each unit's run
    # of consecutive versions (unit ids and organisation ids only, never answers).
    db["cell_versions"].create(
        {"org_type": str, "cell": str, "versions": int}, pk=("org_type", "cell"), not_null={"versions"}, strict=True
    )
    db["cell_publications"].create(
        {"org_type": str, "cell": str, "version": int, "release_id": int},
        pk=("org_type", "cell", "version"),
        not_null={"release_id"},
        strict=True,
    )
    db["cell_runs"].create(
        {"org_type": str, "cell": str, "unit": str, "organisation_id": int, "first": int, "last": int},
        not_null={"org_type", "cell", "unit", "organisation_id", "first", "last"},
        strict=True,
    )
    db["cell_runs"].create_index(["org_type", "cell", "last"])
    _contributions_of_existing_rounds(db)


def _contributions_of_existing_rounds(db):
    """Compute the contribution of every round with a submitted respondent, with the packaged questionnaire
    and model: the first release (``flask peers release``, or the service's start) counts from them."""
    from functools import partial

    from readiness.core import peers
    from readiness.core import scoring
    from readiness.core.questionnaire import load

    from .releases import refresh_contribution

    questionnaire = load()
    rule = partial(peers.round_contribution, questionnaire, scoring.load(questionnaire))
    rounds = db.execute(
        "select distinct organisation_id, round from assessments where status = 'submitted' order by 1, 2"
    ).fetchall()
    for organisation_id, round_number in rounds:
        refresh_contribution(db, organisation_id, round_number, rule)


@migrations(name="0012_operator_accounts")
def _disable_operators_and_throttle_per_client(db):
    # An operator can be disabled (and enabled again) without deleting the account: ``disabled_at`` is set.
    # Failed sign-ins count per name and client (the look-up throttle's keyed hash of the address), so that
    # nobody elsewhere can lock an operator out by failing with her name; rows from before have no client.
    db["operators"].add_column("disabled_at", str)
    db.execute("alter table sign_in_failures add column client text not null default ''")
    db["sign_in_failures"].create_index(["username", "client", "failed_at"])


@migrations(name="0013_invite_roles")
def _add_invite_roles(db):
    # An invite is made for one role (an option of the profile's role question): the link's label in the lead's
    # list, and the invited colleague's role, filled in for them. Older invites have none.
    db["invites"].add_column("role", str)


@migrations(name="0014_action_plans")
def _add_action_plans(db):
    # An organisation's action plan, one per round: the actions it chose from its recommendations (ids of
    # recommendations.toml), each with an owner (a role id, never a name), a target group, a quarter ("2027Q1")
    # and a status. A new round carries the open items over, keeping the status they had as previous_status.
    db["action_plan_items"].create(
        {
            "id": int,
            "organisation_id": int,
            "round": int,
            "action_id": str,
            "owner": str,
            "target": str,
            "quarter": str,
            "status": str,
            "previous_status": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("organisation_id", "organisations", "id")],
        not_null={"organisation_id", "round", "action_id", "owner", "target", "quarter", "status", "updated_at"},
        strict=True,
    )
    db["action_plan_items"].create_index(["organisation_id", "round", "action_id"], unique=True)


@migrations(name="0017_rendered_pages")
def _add_rendered_pages(db):
    # A results page's content as rendered, shared by every worker: built at submission, so that the first view
    # reads it instead of computing it. Valid while the results revision and the organisation's revision are those
    # it was rendered at; every row goes when the results revision moves, and with its assessment.
    db.execute(
        """
        create table rendered_pages (
            assessment_id integer not null references assessments(id) on delete cascade,
            lang text not null,
            revision text not null,
            body blob not null,
            primary key (assessment_id, lang)
        ) strict
        """
    )
