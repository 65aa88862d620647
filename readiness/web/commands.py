"""Operator commands: the database, reference figures, peer releases, retention, operator accounts, backups."""

import signal
import sqlite3
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.security import generate_password_hash

from readiness.core import reference
from readiness.core import register
from readiness.core import scoring
from readiness.core.questionnaire import load
from readiness.core.releases import CARRIED
from readiness.core.releases import FRESH
from readiness.core.releases import WITHHELD
from readiness.store import assessments
from readiness.store import backup
from readiness.store import operators
from readiness.store import reference as stored_reference
from readiness.store import register as stored_register
from readiness.store import releases as stored_releases
from readiness.store.database import DamagedDatabase
from readiness.store.database import check_sound
from readiness.store.database import connect
from readiness.store.database import migrate

from .helpers import peer_rule
from .helpers import publish_release

reference_cli = AppGroup("reference", help="The reference figures that answers are shown beside.")
peers_cli = AppGroup("peers", help="Peer releases.")
retention_cli = AppGroup("retention", help="How long unsubmitted answers are kept.")
operators_cli = AppGroup("operators", help="The accounts of the operator console.")
backup_cli = AppGroup("backup", help="Consistent copies of the database, and restoring one.")
# Operators' passwords: long enough to resist guessing; the throttle and the slow hash do the rest.
MINIMUM_PASSWORD = 12


@contextmanager
def service_database():
    """The service's database, for one command; refused if it failed its check when the app was loaded."""
    damaged = current_app.extensions.get("damaged_database")
    if damaged is not None:
        raise click.ClickException(str(damaged))
    db = connect(current_app.config["DATABASE"])
    try:
        yield db
    finally:
        db.conn.close()


def password_hash(password):
    """Return the stored form of a new operator password, refusing one too short."""
    if len(password) < MINIMUM_PASSWORD:
        raise click.ClickException(f"The password must have at least {MINIMUM_PASSWORD} characters.")
    return generate_password_hash(password)


@reference_cli.command("load")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--replace", is_flag=True, help="Make these the only figures, instead of replacing same ids and adding the rest."
)
def load_reference(csv_file, replace):
    """Check a CSV file of reference figures and load it; a file with any problem changes nothing."""
    try:
        figures = reference.parse(csv_file, load(), source_label=csv_file.name)
    except reference.ReferenceFileError as error:
        raise click.ClickException(str(error)) from error
    with service_database() as db:
        stored_reference.load_reference_figures(db, figures, csv_file.name, replace)
    mode = "replace the packaged figures" if replace else "replace or extend the packaged figures"
    click.echo(f"Loaded {len(figures)} figures from {csv_file.name}; they {mode}.")


@reference_cli.command("show")
def show_reference():
    """List the reference figures in force, with their sources."""
    with service_database() as db:
        for figure in stored_reference.figures_in_force(db, load()):
            click.echo(
                f"{figure.id}\t{figure.question_id}\t{figure.option_id}\t{figure.value}\t{figure.precision}\t{figure.source_name}"
            )


def rescore_stored(db):
    """Score again, with the readiness model in force, every submitted round scored with another version; say
    how many were."""
    version = scoring.load(load()).version
    rescored = stored_releases.rescore(db, peer_rule(), version)
    if rescored:
        click.echo(f"Scored {rescored} rounds again with {version}.")


@peers_cli.command("rescore")
def rescore_peers():
    """Score stored answers again with the readiness model in force (after a new model version is deployed)."""
    with service_database() as db:
        rescore_stored(db)


@peers_cli.command("release")
def release_peers():
    """Publish a peer release: computed from scratch, audited cell by cell (run it from cron, e.g. weekly).
    Rounds scored with an earlier version of the readiness model are scored again first."""
    with service_database() as db:
        rescore_stored(db)
        outcome = publish_release(db)
    counts = {
        decision: sum(1 for d in outcome.cells.values() if d == decision) for decision in (FRESH, CARRIED, WITHHELD)
    }
    click.echo(
        f"Release {outcome.release.id} published {outcome.release.published_at}: {outcome.release.organisations} "
        f"organisations in its figures; cells recomputed {counts[FRESH]}, repeated unchanged {counts[CARRIED]}, "
        f"withheld {counts[WITHHELD]}."
    )


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
    with service_database() as db:
        stale = assessments.purge_drafts(db, cutoff, dry_run)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {len(stale)} unsubmitted assessments last saved before {cutoff} ({days} days).")


@operators_cli.command("create")
@click.argument("username")
@click.password_option(help="Asked for twice if not given; at least 12 characters.")
def create_operator(username, password):
    """Create an operator account for the console."""
    hashed = password_hash(password)
    with service_database() as db:
        try:
            operators.create_operator(db, username.strip(), hashed)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"Operator {username.strip()} created; they sign in at /fi/console/.")


@operators_cli.command("password")
@click.argument("username")
@click.password_option(help="Asked for twice if not given; at least 12 characters.")
def change_password(username, password):
    """Set an operator's password; their open sessions end."""
    hashed = password_hash(password)
    with service_database() as db:
        if not operators.set_operator_password(db, username, hashed):
            raise click.ClickException(f"There is no operator called {username!r}.")
    click.echo(f"Password of {username} changed; their sessions have ended.")


@operators_cli.command("list")
def list_operators():
    """List the operator accounts: name, created, and whether disabled."""
    with service_database() as db:
        accounts = operators.list_operators(db)
    if not accounts:
        click.echo("No operators yet: flask operators create NAME")
    for account in accounts:
        state = f"disabled since {account['disabled_at']}" if account["disabled_at"] else "enabled"
        click.echo(f"{account['username']}\tcreated {account['created_at']}\t{state}")


@operators_cli.command("disable")
@click.argument("username")
def disable_operator(username):
    """Disable an operator: she can no longer sign in, and her open sessions end at once."""
    with service_database() as db:
        if not operators.set_operator_disabled(db, username, True):
            raise click.ClickException(f"There is no operator called {username!r}.")
    click.echo(f"Operator {username} disabled; their sessions have ended.")


@operators_cli.command("enable")
@click.argument("username")
def enable_operator(username):
    """Enable a disabled operator again (with the password she had)."""
    with service_database() as db:
        if not operators.set_operator_disabled(db, username, False):
            raise click.ClickException(f"There is no operator called {username!r}.")
    click.echo(f"Operator {username} enabled.")


@backup_cli.command("create")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def create_backup(target):
    """Copy the database to TARGET while the service runs (one consistent state, integrity checked)."""
    if target.exists():
        raise click.ClickException(f"{target} exists already; choose a new file name.")
    # Written beside TARGET and renamed when checked. Whatever stops the copy, its files are removed; only
    # SIGKILL (or a power cut) leaves them, named so that the deployment guide's clean-up matches them:
    # TARGET.part and its -journal, -wal, -shm.
    draft = target.with_name(target.name + ".part")
    try:
        with service_database() as db, _sigterm_raises():
            try:
                backup.backup(db, str(draft))
                draft.rename(target)
            finally:
                for leftover in backup.leftovers(draft):
                    leftover.unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as error:
        raise click.ClickException(f"The backup could not be written to {target}: {error}") from error
    except Stopped as stop:
        click.echo(f"Backup stopped by {stop.name}; its partial copy was removed.", err=True)
        raise SystemExit(128 + stop.signal) from None
    click.echo(f"Backed up to {target} ({target.stat().st_size / 1e6:.1f} MB); integrity check ok.")


class Stopped(BaseException):
    """SIGTERM arrived during a command that must clean up first (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signal_number):
        super().__init__(signal_number)
        self.signal, self.name = signal_number, signal.Signals(signal_number).name


@contextmanager
def _sigterm_raises():
    """Make SIGTERM raise ``Stopped`` in the block, so that its ``finally`` clauses run (Python's default is to
    die at once); the previous handler is restored after it."""

    def stop(signal_number, frame):
        raise Stopped(signal_number)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_backup(source, yes):
    """Replace the database with the backup SOURCE. Stop the service first."""
    try:
        result = backup.integrity(source)
    except sqlite3.Error as error:
        raise click.ClickException(f"{source} is not a readable SQLite database: {error}") from error
    if result != "ok":
        raise click.ClickException(f"{source} fails its integrity check: {result}")
    database = current_app.config["DATABASE"]
    if not yes:
        click.confirm(f"Replace {database} with {source}? Everything saved since the backup is lost.", abort=True)
    backup.restore(str(source), database)
    click.echo(f"Restored {database} from {source}. Start the service again.")


# The register of the sector's organisations (issue 12) ---------------------------------------------------

register_cli = AppGroup("register", help="The register of the sector's organisations that may count for peers.")


@register_cli.command("load")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_register(csv_file):
    """Check a CSV file of register entries and load it: entries with the same id are replaced, the rest are
    added. A file with any problem changes nothing."""
    try:
        entries = register.parse(csv_file, load(), source_label=csv_file.name)
    except register.RegisterFileError as error:
        raise click.ClickException(str(error)) from error
    with service_database() as db:
        stored_register.load_register_entries(db, entries, csv_file.name)
    click.echo(f"Loaded {len(entries)} register entries from {csv_file.name}.")


@register_cli.command("show")
def show_register():
    """List the register in force: id, type, Finnish and Swedish name, size band, email domains."""
    with service_database() as db:
        for entry in stored_register.register_in_force(db, load()).values():
            domains = " ".join(entry.email_domains)
            click.echo(f"{entry.id}\t{entry.org_type}\t{entry.name_fi}\t{entry.name_sv}\t{entry.size_band}\t{domains}")


@click.command("init-db")
def init_db_command():
    """Create the database, or bring its schema up to date."""
    path = current_app.config["DATABASE"]
    with service_database() as db:
        try:
            check_sound(db, path)
        except DamagedDatabase as error:
            raise click.ClickException(str(error)) from error
        migrate(db)
    click.echo(f"Database ready: {path}")


def init_app(app):
    """Register the operator commands with the flask command line."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(reference_cli)
    app.cli.add_command(peers_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(operators_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(register_cli)
