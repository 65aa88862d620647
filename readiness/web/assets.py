"""Static files under content-hashed URLs, cached by browsers for a year (datasette's static() idea)."""

import hashlib
from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint
from flask import current_app
from flask import request
from flask import send_file
from flask import url_for

ONE_YEAR = 365 * 24 * 3600
# plotly.js as the plotly wheel ships it, so that the figures and the library always match.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.offline.get_plotlyjs_version()

bp = Blueprint("assets", __name__)


@bp.route("/vendor/plotly-<version>.min.js")
def plotly_js(version):
    """Serve plotly.js under a URL that names its version, cached by browsers for a year."""
    if version != PLOTLY_VERSION:
        return "", 404
    response = send_file(PLOTLY_JS, mimetype="text/javascript", max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def plotly_url():
    """Return the versioned URL of plotly.js, for pages with charts only."""
    return url_for("assets.plotly_js", version=PLOTLY_VERSION)


@cache
def _content_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def static_url(filename):
    """Return the URL of a static file that changes whenever the file does."""
    digest = _content_hash(Path(current_app.static_folder, filename))
    return url_for("static", filename=filename, v=digest)


def _cache_hashed_static(response):
    if request.endpoint == "static" and response.status_code == 200 and "v" in request.args:
        filename = request.view_args["filename"]
        if request.args["v"] == _content_hash(Path(current_app.static_folder, filename)):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
    return response


def init_app(app):
    """Offer static_url() to templates and give its URLs a long cache lifetime."""
    app.jinja_env.globals.update(static_url=static_url, plotly_url=plotly_url)
    app.register_blueprint(bp)
    app.after_request(_cache_hashed_static)
