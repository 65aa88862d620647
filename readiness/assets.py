"""Static files under content-hashed URLs, cached by browsers for a year (datasette's static() idea)."""

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app
from flask import request
from flask import url_for

ONE_YEAR = 365 * 24 * 3600


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
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(_cache_hashed_static)
