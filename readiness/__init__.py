"""readiness: an AI-readiness self-assessment for the Finnish municipal and wellbeing sector.

Three floors with one rule, web → store → core: ``core`` holds the rules (questionnaire, scoring, peers,
recommendations, charts) in plain Python, ``store`` every SQL statement, ``web`` the Flask blueprints. The
questionnaire, the model, the rules and the reference figures are data, in ``data/``.
"""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None):
    """Create and configure the Flask application."""
    # Flask is imported here, not at the top: importing the core (readiness.core) must not need the web.
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        DATABASE=os.environ.get("READINESS_DATABASE") or os.path.join(app.instance_path, "readiness.sqlite"),
        # Answers are short; anything bigger than this is not a form of ours.
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_PARTS=500,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("READINESS_SECURE_COOKIES", "") == "1",
        WTF_CSRF_TIME_LIMIT=None,
        CONTACT_EMAIL=os.environ.get("READINESS_CONTACT_EMAIL", ""),
        # The privacy notice names the controller, its legal basis (GDPR Art. 6(1)(e) "public_task" or 6(1)(f)
        # "legitimate_interests") and how long the nightly backups of docs/deployment.md are kept.
        CONTROLLER=os.environ.get("READINESS_CONTROLLER", ""),
        LEGAL_BASIS=os.environ.get("READINESS_LEGAL_BASIS", "public_task"),
        BACKUP_DAYS=int(os.environ.get("READINESS_BACKUP_DAYS", 30)),
        PEER_MINIMUM=int(os.environ.get("READINESS_PEER_MINIMUM", 5)),
        # The largest coalition of organisations pooling their own answers that releases guard against: every
        # combination of released figures covers at least PEER_MINIMUM + PEER_COALITION organisations.
        PEER_COALITION=int(os.environ.get("READINESS_PEER_COALITION", 0)),
        # Only organisations verified as an entry of the register count for peers (set 0 only for a trial
        # without verification: made-up organisations would then count).
        PEERS_VERIFIED_ONLY=os.environ.get("READINESS_PEERS_VERIFIED_ONLY", "1") != "0",
        # Pages say when the next peer release is due: the latest plus this many days (cron runs `flask peers release`).
        RELEASE_INTERVAL_DAYS=int(os.environ.get("READINESS_RELEASE_INTERVAL_DAYS", 7)),
        # Unsubmitted assessments untouched this long are removed by `flask retention purge`.
        RETENTION_DAYS=int(os.environ.get("READINESS_RETENTION_DAYS", 180)),
        RESULTS_CACHE_SIZE=512,
        # A client that opens this many resume, invite or API tokens that do not exist in a minute waits.
        FAILED_LOOKUPS_PER_MINUTE=20,
        # /healthz runs PRAGMA quick_check (which reads the whole file) at most this often in each worker.
        HEALTH_CHECK_SECONDS=60,
        # The PDF report is rendered in the background as soon as the results page is first shown.
        PDF_RENDER_AHEAD=True,
        # ... but only once the worker has served nobody for this many seconds (and within 5 s, or not at all):
        # a rendering slows every request it runs beside.
        PDF_RENDER_AHEAD_QUIET=0.3,
        BABEL_DEFAULT_LOCALE="fi",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).with_name("translations")),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    # PDF reports are kept beside the database: they hold the same organisations' answers.
    app.config.setdefault("REPORTS_FOLDER", str(Path(app.config["DATABASE"]).parent / "reports"))
    if app.config["LEGAL_BASIS"] not in ("public_task", "legitimate_interests"):
        raise ValueError("LEGAL_BASIS (READINESS_LEGAL_BASIS) must be public_task or legitimate_interests")
    if app.config["PEER_COALITION"] < 0:
        raise ValueError("PEER_COALITION (READINESS_PEER_COALITION) must be 0 or more")
    if app.config["PEER_MINIMUM"] < 3:
        raise ValueError(
            "PEER_MINIMUM (READINESS_PEER_MINIMUM) must be at least 3: smaller groups expose their members"
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("READINESS_SECRET_KEY") or _instance_secret(app.instance_path)

    from .store import database
    from .web import api
    from .web import assets
    from .web import commands
    from .web import console
    from .web import downloads
    from .web import helpers
    from .web import i18n
    from .web import organisations
    from .web import pages
    from .web import plan
    from .web import report
    from .web import results
    from .web import survey
    from .web import verification

    hops = app.config.get("PROXY_HOPS") or int(os.environ.get("READINESS_PROXY_HOPS", 0))
    if hops:
        # Behind nginx: the client's address (for the look-up throttle), scheme and host come from its headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # A damaged database is never served; a sound one has its schema brought up to date at every start, one
    # process at a time.
    connection = database.connect(app.config["DATABASE"])
    try:
        database.check_sound(connection, app.config["DATABASE"])
        database.migrate(connection)
        _first_release(app, connection)
    except database.DamagedDatabase as error:
        if not _loading_for_a_command():
            raise
        # `flask backup restore` must still run to put a sound copy in place: the app loads for the flask
        # commands of its own, and each of them but restore refuses with this error (web/commands.py).
        app.extensions["damaged_database"] = error
    finally:
        connection.conn.close()
    app.teardown_appcontext(helpers.close_db)
    i18n.init_app(app)
    assets.init_app(app)
    pages.init_app(app)
    survey.init_app(app)
    results.init_app(app)
    plan.init_app(app)
    report.init_app(app)
    downloads.init_app(app)
    organisations.init_app(app)
    verification.init_app(app)
    console.init_app(app)
    commands.init_app(app)
    api.init_app(app)
    return app


def _loading_for_a_command():
    """Return whether the flask command line is loading the app to find one of the app's own commands (not to
    serve it with `flask run`, nor for `flask shell` or `flask routes`: those load it inside their own command)."""
    import click
    from flask.cli import FlaskGroup

    context = click.get_current_context(silent=True)
    return context is not None and isinstance(context.command, FlaskGroup)


def _instance_secret(instance_path):
    """Return the secret key kept in the instance folder, creating it on first start."""
    path = Path(instance_path, "secret_key")
    if not path.exists():
        # Written aside and linked into place, so that two workers starting at once agree on one key.
        draft = path.with_name(f"secret_key.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def _first_release(app, connection):
    """Publish the first peer release at the first start after the release model arrived (or on a new database
    with submitted assessments): peers then see released figures at once, not after the first cron run."""
    from .store import releases

    if releases.latest_release(connection) is None:
        from .core.questionnaire import load
        from .core.releases import load_cells

        threshold = app.config["PEER_MINIMUM"] + app.config["PEER_COALITION"]
        releases.publish_first_release(connection, load_cells(load()), threshold, app.config["PEERS_VERIFIED_ONLY"])
