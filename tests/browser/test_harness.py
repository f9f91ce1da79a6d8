"""The browser harness itself: the accessibility check is not vacuous."""

import pytest


def test_axe_fails_on_serious_violations_and_names_the_rules(page, axe):
    page.set_content(
        '<html lang="fr"><head><title>Essai</title></head><body><main>'
        '<img src="data:,"><button></button><p style="color:#ccc;background:#fff">Peu lisible</p>'
        "</main></body></html>"
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe(page)
    report = str(failure.value)
    for rule in ("image-alt", "button-name", "color-contrast"):
        assert rule in report


def test_axe_passes_a_clean_page(page, axe):
    page.set_content(
        '<html lang="fr"><head><title>Essai</title></head><body><main><h1>Bonjour</h1>'
        '<img src="data:," alt="Logo"><button type="button">Valider</button></main></body></html>'
    )
    results = axe(page)
    assert results.response["testEngine"]["name"] == "axe-core"
