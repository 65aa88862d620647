"""Export helpers without an app: file names. (The downloads themselves, in tests/views/test_downloads.py.)"""

from datetime import date

from readiness.core import exports


def test_slug():
    assert exports.slug("Åbo stad / Turun kaupunki") == "abo-stad-turun-kaupunki"
    assert exports.slug("") == ""
    assert exports.file_name("sv", "", date(2026, 11, 28), "pdf") == "ai-beredskap-2026-11-28.pdf"
