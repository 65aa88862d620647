"""Every privacy sentence the pages say is one the code keeps: who sees what, the minimum group size from the
setting, the legal basis, controller and contact, the backups' retention and the data subject's rights."""

import pytest
from bs4 import BeautifulSoup

from readiness import create_app
from tests.conftest import csrf_token
from tests.conftest import post_form

LANGS = ("fi", "sv", "en")


@pytest.fixture
def configured(tmp_path):
    """An app whose operator set every privacy setting to values no default has."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "test.sqlite"),
            "SECRET_KEY": "test",
            "PDF_RENDER_AHEAD": False,
            "PEER_MINIMUM": 7,
            "CONTROLLER": "Testikunta",
            "CONTACT_EMAIL": "tietosuoja@testikunta.example",
            "BACKUP_DAYS": 14,
            "RETENTION_DAYS": 90,
        }
    )
    return app.test_client()


def text_of(client, url):
    return " ".join(BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser").get_text(" ").split())


# Words that would promise more than the code keeps: the operator exports free text and, on request, names.
BROKEN_PROMISES = {
    "fi": ("eikä sitä näytetä kenellekään muulle", "vain sinä näet", "viiden organisaation", "kaikista tauluista"),
    "sv": ("visas aldrig för någon annan", "bara du ser", "fem organisationer", "alla tabeller"),
    "en": ("never shown to anyone else", "only you see", "five organisations", "every table"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_start_page_and_privacy_notice_say_who_sees_what_with_the_settings(configured, lang):
    start = text_of(configured, f"/{lang}/")
    privacy = text_of(configured, f"/{lang}/privacy")
    for text in (start, privacy):
        assert "7" in text
        for broken in BROKEN_PROMISES[lang]:
            assert broken not in text.lower(), broken
    operator = {"fi": "ylläpitäjä", "sv": "administratör", "en": "operator"}[lang]
    free_text = {"fi": "avoimet vastaukset", "sv": "svaren i fritext", "en": "free-text answers"}[lang]
    assert operator in start and free_text in start.lower()
    # The notice: controller and contact from the settings, the legal basis, backups, retention and rights.
    assert "Testikunta" in privacy and "tietosuoja@testikunta.example" in privacy
    assert {"fi": "6 artiklan 1 kohdan e", "sv": "artikel 6.1 e", "en": "Article 6(1)(e)"}[lang] in privacy
    assert {"fi": "14 päivää", "sv": "14 dagar", "en": "14 days"}[lang] in privacy
    assert {"fi": "90 päivään", "sv": "90 dagar", "en": "90 days"}[lang] in privacy
    for article in ("15", "16", "17", "18", "21"):
        assert article in privacy


def test_the_legal_basis_follows_the_setting(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "t.sqlite"),
            "SECRET_KEY": "t",
            "LEGAL_BASIS": "legitimate_interests",
        }
    )
    privacy = text_of(app.test_client(), "/en/privacy")
    assert "Article 6(1)(f)" in privacy and "Article 6(1)(e)" not in privacy
    with pytest.raises(ValueError, match="LEGAL_BASIS"):
        create_app(
            {"TESTING": True, "DATABASE": str(tmp_path / "u.sqlite"), "SECRET_KEY": "t", "LEGAL_BASIS": "consent"}
        )


def test_what_the_pages_promise_about_colleagues_is_what_they_get(app, client, questionnaire, answers):
    """Colleagues see the free text and the name on the organisation page, as the pages now say; other
    organisations (the peers page) never do."""
    for section in questionnaire.sections:
        post_form(client, f"/fi/section/{section.id}", answers[section.id])
    client.post("/fi/submit", data={"csrf_token": csrf_token(client, "/fi/check")})
    organisation = client.get("/fi/organisation").get_data(as_text=True)
    assert answers["support"]["support_other"] in organisation
    assert answers["profile"]["org_name"] in organisation
    peers = app.test_client().get("/fi/peers").get_data(as_text=True)
    assert answers["support"]["support_other"] not in peers and answers["profile"]["org_name"] not in peers
    results = text_of(client, "/fi/results")
    assert "Organisaatiosi muut vastaajat näkevät nämä organisaation sivulla" in results


@pytest.mark.parametrize(
    "lang, status, supervisor, assessed",
    [
        ("fi", "täyttää", "Liikenne- ja viestintävirasto Traficom", "Saavutettavuus on viimeksi arvioitu 1.12.2026"),
        ("sv", "uppfyller", "Transport- och kommunikationsverket Traficom", "bedömdes senast den 1 december 2026"),
        (
            "en",
            "fully compliant",
            "Finnish Transport and Communications Agency Traficom",
            "last assessed on 1 December 2026",
        ),
    ],
)
def test_the_accessibility_statement_follows_the_eu_model_without_contradiction(
    configured, lang, status, supervisor, assessed
):
    page = BeautifulSoup(configured.get(f"/{lang}/accessibility").get_data(as_text=True), "html.parser")
    text = " ".join(page.get_text(" ").split())
    assert page.find("strong").get_text(strip=True) == status
    # One status only: no "partially" beside "no known problems".
    assert not {"osittain", "delvis", "partially"} & set(text.lower().split())
    assert supervisor in text and "HE 71/2024" in text.replace("RP 71/2024", "HE 71/2024")
    assert "aluehallintoviraston saavutettavuusvalvonta" not in text
    assert assessed in text
    assert page.find("a", href="mailto:tietosuoja@testikunta.example") is not None  # the feedback channel
    assert "2018/1523" in text
