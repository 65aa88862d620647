"""Operator commands: load reference figures from a CSV file, recount the peer aggregates, remove stale drafts."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from . import peers
from . import reference
from . import storage
from .questionnaire import load
from .results import PROFILE_SECTION
from .results import reference_figures

reference_cli = AppGroup("reference", help="The reference figures that answers are shown beside.")
peers_cli = AppGroup("peers", help="The peer-group aggregates.")
retention_cli = AppGroup("retention", help="How long unsubmitted answers are kept.")


@reference_cli.command("load")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace", is_flag=True, help="Make these the only figures, instead of replacing same ids and adding the rest."
)
def load_reference(csv_file, replace):
    """Check a CSV file of reference figures and load it; a file with any problem changes nothing."""
    try:
        figures = reference.parse(csv_file, load(), source_label=csv_file.name)
    except reference.ReferenceError as error:
        raise click.ClickException(str(error)) from error
    db = storage.connect(current_app.config["DATABASE"])
    try:
        storage.load_reference_figures(db, figures, csv_file.name, replace)
    finally:
        db.conn.close()
    mode = "replace the packaged figures" if replace else "replace or extend the packaged figures"
    click.echo(f"Loaded {len(figures)} figures from {csv_file.name}; they {mode}.")


@reference_cli.command("show")
def show_reference():
    """List the reference figures in force, with their sources."""
    db = storage.connect(current_app.config["DATABASE"])
    try:
        for figure in reference_figures(db, load()):
            click.echo(
                f"{figure.id}\t{figure.question_id}\t{figure.option_id}\t{figure.value}\t{figure.precision}\t{figure.source_name}"
            )
    finally:
        db.conn.close()


@peers_cli.command("rebuild")
def rebuild_peers():
    """Recount every peer group from the submitted assessments."""
    db = storage.connect(current_app.config["DATABASE"])
    try:
        profile = load().section(PROFILE_SECTION).questions
        minimum = current_app.config["PEER_MINIMUM"]
        storage.rebuild_peer_aggregates(
            db,
            partial(peers.may_publish, minimum=minimum),
            [q.id for q in profile],
        )
    finally:
        db.conn.close()
    click.echo("Peer aggregates recounted; peers see them once the change is safe to show.")


@retention_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Remove drafts untouched for this many days (default READINESS_RETENTION_DAYS, else 180).",
)
@click.option("--dry-run", is_flag=True, help="Only say how many drafts would be removed.")
def purge_drafts(days, dry_run):
    """Remove unsubmitted assessments that nobody has saved for a while (schedule it daily, e.g. with cron)."""
    days = days or current_app.config["RETENTION_DAYS"]
    cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    db = storage.connect(current_app.config["DATABASE"])
    try:
        stale = storage.stale_drafts(db, cutoff)
        if not dry_run:
            # Drafts are never counted for peers, so no aggregate changes; summarise is never called.
            storage.delete_assessments(db, stale, summarise=None)
    finally:
        db.conn.close()
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {len(stale)} unsubmitted assessments last saved before {cutoff} ({days} days).")


def init_app(app):
    """Register the operator commands with the flask command line."""
    app.cli.add_command(reference_cli)
    app.cli.add_command(peers_cli)
    app.cli.add_command(retention_cli)
