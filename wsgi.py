"""The WSGI entry point: gunicorn serves wsgi:app."""

from readiness import create_app

app = create_app()
