"""Page objects for the browser journeys: one class per screen, selectors kept here and not in the tests.

URLs are relative: the browser context's ``base_url`` is the live server (see conftest.py).
"""

import re

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.accounts.factories import PASSWORD

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def normalise(text):
    """Collapses whitespace, including the (narrow) no-break spaces of French number formatting."""
    return _SPACES.sub(" ", text).strip()


def as_number(text):
    """``"1 234 h"`` → 1234 (digits only; thousands separators and units dropped)."""
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"aucun nombre dans {text!r}"
    return int(digits)


def _dd_after(term):
    return f'xpath=.//dt[normalize-space()="{term}"]/following-sibling::dd[1]'


class BasePage:
    def __init__(self, page: Page):
        self.page = page

    @property
    def main(self):
        return self.page.locator("main, #content").first

    @property
    def heading(self):
        return self.page.locator("h1").first

    def text(self):
        return normalise(self.main.inner_text())

    def expect_loaded(self):
        expect(self.heading).to_be_visible()
        return self


class TerritoryPage(BasePage):
    """A page of a territory with its own URL (``url_name``, reversed with ``territory_code`` and ``url_kwargs()``).

    ``open()`` goes to it, ``expect_current()`` checks the browser is on it (a list page keeps its filters in the query
    string: set ``query_allowed = False`` where the URL must match exactly), ``from_menu()`` reaches it through the
    ``menu_link`` of the main navigation.
    """

    url_name = None
    query_allowed = True
    menu_link = None

    def __init__(self, page: Page, territory_code):
        super().__init__(page)
        self.territory_code = territory_code

    def url_kwargs(self):
        return {}

    @property
    def url(self):
        return reverse(self.url_name, kwargs={"territory_code": self.territory_code, **self.url_kwargs()})

    def open(self, query=""):
        self.page.goto(self.url + query)
        return self.expect_loaded()

    def expect_current(self):
        end = r"(\?.*)?$" if self.query_allowed else r"$"
        expect(self.page).to_have_url(re.compile(re.escape(self.url) + end))
        return self.expect_loaded()

    @classmethod
    def from_menu(cls, page: Page, territory_code):
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name=cls.menu_link).click()
        return cls(page, territory_code).expect_current()


def log_in_as(page: Page, membership):
    """Log in as ``membership``'s user (from a clean session) and land on its territory's home page."""
    page.context.clear_cookies()
    LoginPage(page).open().log_in(membership.user.email, PASSWORD)
    return TerritoryHomePage(page, membership.territory.code).expect_current()


class LoginPage(BasePage):
    """allauth's login page, with e-mail and password."""

    def open(self):
        self.page.goto(reverse("account_login"))
        return self

    @property
    def form(self):
        return self.page.locator("form").filter(has=self.page.locator("input[name=password]")).first

    def log_in(self, email, password):
        self.form.locator("input[name=login]").fill(email)
        self.form.locator("input[name=password]").fill(password)
        self.form.locator("button[type=submit], input[type=submit]").first.click()
        self.page.wait_for_load_state()


class TerritoryHomePage(TerritoryPage):
    url_name = "home"
    query_allowed = False

    def figure(self, name):
        """The key figure shown in ``[data-figure=<name>]``, as an integer."""
        locator = self.page.locator(f"[data-figure={name}]")
        expect(locator).to_have_count(1)
        return as_number(locator.inner_text())

    def open_markets(self):
        self.page.get_by_role("link", name="Voir les marchés").click()
        return MarketListPage(self.page, self.territory_code).expect_current()

    def open_members(self):
        return MemberListPage.from_menu(self.page, self.territory_code)


class MarketListPage(TerritoryPage):
    url_name = "clauses:market_list"

    def market_link(self, reference):
        return self.main.get_by_role("link", name=reference)

    def references(self):
        return [normalise(text) for text in self.main.locator("table tbody tr").all_inner_texts()]

    def open_market(self, reference):
        self.market_link(reference).first.click()
        return MarketDetailPage(self.page).expect_loaded()


class MarketDetailPage(BasePage):
    def expect_reference(self, reference):
        expect(self.heading).to_contain_text(reference)
        return self

    def summary_value(self, term):
        """The value (``<dd>``) of a term of the market summary (``<dt>``)."""
        return normalise(self.page.locator("#market-summary").locator(_dd_after(term)).first.inner_text())

    def clause_hours_required(self):
        """Hours required by each clause of the market, in page order."""
        values = self.main.locator(".cs-clause").locator(_dd_after("Heures d'insertion exigées")).all_inner_texts()
        return [as_number(value) for value in values]


class MemberListPage(TerritoryPage):
    url_name = "members"
    query_allowed = False
    menu_link = "Membres"

    def start_invitation(self):
        self.main.get_by_role("link", name="Inviter un membre").click()
        return InvitePage(self.page, self.territory_code).expect_loaded()

    def row_of(self, email):
        return self.main.locator("table tbody tr").filter(has_text=email)


class InvitePage(TerritoryPage):
    url_name = "invite"

    def invite(self, *, email, role_label, organisation_label=None, first_name="", last_name=""):
        form = self.main.locator("form").filter(has=self.page.locator("input[name=email]")).first
        form.locator("input[name=email]").fill(email)
        if first_name:
            form.locator("input[name=first_name]").fill(first_name)
        if last_name:
            form.locator("input[name=last_name]").fill(last_name)
        form.locator("select[name=role]").select_option(label=role_label)
        if organisation_label:
            form.locator("select[name=organisation]").select_option(label=organisation_label)
        form.locator("button[type=submit], input[type=submit]").first.click()
        return MemberListPage(self.page, self.territory_code).expect_current()
