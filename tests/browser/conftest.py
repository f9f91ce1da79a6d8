"""Browser journeys: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Every test under tests/browser is marked ``browser`` and runs with a transactional database (the live server runs in
another thread and must see committed data). ``playwright install`` cannot download browsers on our machines: the
system Chromium is launched instead (``apt-get install chromium``, done by ``make test``).
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

# The live server thread and Playwright's sync API share an event loop thread: Django must allow ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Accessibility violations that fail a journey (axe-core impacts: minor, moderate, serious, critical).
FAILING_IMPACTS = frozenset({"serious", "critical"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} est introuvable : apt-get install -y --no-install-recommends chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def base_url(live_server):
    """Pages open relative URLs (``page.goto("/34/")``) on the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture(autouse=True)
def _live_database(transactional_db, live_server):
    """The live server sees what the test writes: a transactional database, flushed after each test."""


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … et {len(violation['nodes']) - 5} autre(s) élément(s)")
    return "\n".join(lines)


class AccessibilityChecker:
    """Runs axe-core (bundled by axe-playwright-python) on the current page; fails on serious/critical violations."""

    def __init__(self):
        self.engine = Axe()

    def __call__(self, page, *, context=None, impacts=FAILING_IMPACTS):
        results = self.engine.run(page, context=context, options={"resultTypes": ["violations"]})
        violations = [v for v in results.response["violations"] if v.get("impact") in impacts]
        if violations:
            pytest.fail(
                f"Accessibilité : {len(violations)} règle(s) axe non respectée(s) sur {page.url}\n"
                + format_violations(violations),
                pytrace=False,
            )
        return results


@pytest.fixture(scope="session")
def axe():
    """``axe(page)`` checks the page's accessibility; it fails the test on serious or critical violations."""
    return AccessibilityChecker()
