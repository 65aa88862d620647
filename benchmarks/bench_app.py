"""The app as the benchmarks serve it: the real app plus a trivial route that measures the framework floor."""

from readiness import create_app

app = create_app()


@app.get("/_floor")
def floor():
    """Return a constant: what any request costs in Flask and gunicorn, before our code runs."""
    return "ok"
