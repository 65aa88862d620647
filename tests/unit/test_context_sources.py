"""Context from other surveys says only what its source says: every quote of a context row is found word for word
in the sentences copied from its own source (tests/data/context_sources.txt, checked on 2026-12-01)."""

from readiness.core import reference
from readiness.core.questionnaire import load
from tests.conftest import ROOT


def source_sentences():
    """{source URL: its copied sentences, as one text}."""
    blocks, url = {}, None
    for line in (ROOT / "tests/data/context_sources.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("URL "):
            url = line.removeprefix("URL ").strip()
            blocks[url] = ""
        else:
            blocks[url] += line + "\n"
    return blocks


def test_every_context_quote_is_its_sources_words():
    sources = source_sentences()
    context = [f for f in reference.load_packaged(load()) if f.is_context]
    assert len(context) == 7
    for figure in context:
        assert figure.source_url in sources, figure.id
        assert figure.quote in sources[figure.source_url], figure.id


def test_no_quote_is_elided():
    for figure in reference.load_packaged(load()):
        assert "…" not in figure.quote and "..." not in figure.quote, figure.id
