"""Static files under content-hashed URLs, cached by browsers for a year (datasette's static() idea), and
responses compressed on their way out.
"""

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app
from flask import request
from flask import url_for
from flask_compress import Compress

ONE_YEAR = 365 * 24 * 3600
# plotly.js's "basic" bundle (bar, pie and scatter traces: all the charts draw), 1.2 MB against the full
# bundle's 4.8 MB; scripts/vendor-plotly copies it at the version of the installed plotly package.
PLOTLY_JS = "vendor/plotly-basic.min.js"

compress = Compress()


def plotly_url():
    """Return the content-hashed URL of plotly.js, for pages with charts only."""
    return static_url(PLOTLY_JS)


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


def _compress_unless_private(response):
    # A private page (no-store: answers, resume and invite links, CSRF tokens) stays uncompressed: compressed
    # size can leak a secret to someone who sees the traffic and can put text of their own on the page (BREACH).
    if response.cache_control.no_store:
        return response
    body = response.response
    response = compress.after_request(response)
    if response.response is not body and hasattr(body, "close"):
        # A streamed file is wrapped in a compressing generator, which does not close the file it reads.
        response.call_on_close(body.close)
    return response


def init_app(app):
    """Offer static_url() to templates, give its URLs a long cache lifetime and compress public responses."""
    app.jinja_env.globals.update(static_url=static_url, plotly_url=plotly_url)
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress.init_app(app)
    # Registered first so that it runs last (after_request handlers run in reverse), on the final headers.
    app.after_request_funcs.setdefault(None, []).insert(0, _compress_unless_private)
    app.after_request(_cache_hashed_static)
