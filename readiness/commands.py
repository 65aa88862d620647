"""Operator commands: load reference figures from a CSV file, and recount the peer aggregates."""

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


def init_app(app):
    """Register the operator commands with the flask command line."""
    app.cli.add_command(reference_cli)
    app.cli.add_command(peers_cli)
