"""Crawl the app as every demo account: no page errors, no dead links, no participant identity where it must not be.

The demo data (``observatory.demo.seed_demo``, scale 1) is built once for the module. For each demo account, the
crawler starts from the territory home (the regional page for the regional account), collects every same-site link
(``<a href>``) of the page, navigation included, and GETs them breadth-first, expanding only the pages of the territory,
down to ``MAX_DEPTH`` (3: the start page's links are depth 1; depth 3 reaches a planned market's feasibility, sizing
and drafting pages for ~5 s more). It keeps at most ``PER_URL_NAME`` URLs per URL name (one per PDF download), distinct
URL patterns first, and ``MAX_PAGES`` pages per start page; logout is skipped. It asserts:

- no page errors (an exception raised by a view, or a 5xx);
- every linked page opens: 200, or a redirect to a page that opens (never to the login page); a linked page answering
  403/404 is a UX bug (a page must not link to what the role cannot open);
- a download's content type matches its extension (.pdf, .xlsx, .csv, .json, .docx);
- for the roles that must never see a person (buyer, committee, company, regional access): no full name of a demo
  participant appears in any response (HTML, text, CSV, JSON, XLSX, DOCX, PDF) — except, for a company, the names of
  its own employees on its monthly statements (it reports their hours).

Run time: ~30-45 s, the data included (``-s`` prints the pages crawled per account).
"""

import html
import io
import json
import re
import shutil
import subprocess
import time
import traceback
import zipfile
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from accounts.enums import Role
from accounts.models import User
from clauses.models import Participant, Placement
from facilitators.models import Facilitator
from markets.enums import AwardRole
from markets.models import Company
from observatory.demo import MULTI_TERRITORY_EMAIL, REGIONAL_EMAIL, regional_home, seed_demo
from observatory.models import CommitteeMember, Partner
from territories.models import Territory

pytestmark = pytest.mark.django_db

MAX_DEPTH = 3  # the start page is depth 0; pages at depth MAX_DEPTH are checked, not expanded
MAX_PAGES = 150  # pages fetched per start page (redirect targets not counted)
PER_URL_NAME = 3  # distinct URLs kept per URL name (``namespace:name``)
PER_PDF_NAME = 1  # PDF downloads (attestations…) are slow to render and alike: one per URL name
DOWNLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SKIPPED_URL_NAMES = {"account_logout"}
SKIPPED_PREFIXES = ("/static/", "/admin/")
TEXT_TYPES = ("text/", "application/json", "application/xhtml")
OFFICE_TYPES = (DOWNLOAD_TYPES[".xlsx"], DOWNLOAD_TYPES[".docx"])
# The only pages where a company sees names: its monthly statements, one line per employee whose hours it reports.
PAGES_NAMING_EMPLOYEES = {"clauses:statement_detail"}
ROLES_HIDING_PEOPLE = {Role.BUYER, Role.COMMITTEE, Role.COMPANY, "regional"}
HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+")
# Labels dropped between the words of a text: "Nom : MARTIN — Prénom : Jeanne" is the name "MARTIN Jeanne".
LABEL_WORDS = {"nom", "prénom", "prénoms", "prenom"}
TAG = re.compile(r"<[^>]*>")
ATTRIBUTE = re.compile(r'=\s*"([^"]*)"')


REGIONAL_HOME = "regional home"  # resolved in the test, once the region exists


@dataclass(frozen=True)
class Account:
    email: str
    role: str  # a Role, or "regional"
    scopes: tuple  # (start path, path prefix the crawl stays in)
    max_depth: int = MAX_DEPTH


def _accounts():
    accounts = []
    for code, slug in (("34", "herault"), ("95", "valdoise")):
        for role, local in (
            (Role.COORDINATOR, "coordination"),
            (Role.FACILITATOR, "facilitateur"),
            (Role.BUYER, "acheteur"),
            (Role.COMMITTEE, "comite"),
            (Role.COMPANY, "entreprise"),
        ):
            accounts.append(Account(f"{local}@{slug}.demo", role, ((f"/{code}/", f"/{code}/"),)))
    # Coordinator in 34, facilitator in 95 (both see people): the same pages as the two accounts above, so only the
    # home of each territory and what it links to (navigation, territory switch) are checked.
    accounts.append(Account(MULTI_TERRITORY_EMAIL, Role.COORDINATOR, (("/34/", "/34/"), ("/95/", "/95/")), max_depth=1))
    accounts.append(Account(REGIONAL_EMAIL, "regional", ((REGIONAL_HOME, "/region/"),)))
    return accounts


ACCOUNTS = _accounts()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data of both territories, built once for the module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            result = seed_demo(scale=1)
        assert result.seeded, result.message
        yield result
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------------------------------------------------
# Participant names
# ---------------------------------------------------------------------------------------------------------------------


def _words(text):
    return tuple(WORD.findall(text.casefold()))


class NameFinder:
    """Finds the full names of a set of people in a text, in either order ("Jeanne Martin", "MARTIN Jeanne"),
    whatever the case, the punctuation (hyphens, apostrophes) and the markup between the words."""

    def __init__(self, people, ignored=()):
        ignored = {_words(name) for name in ignored}
        self.names = {}
        for first, last in people:
            for words in (_words(f"{first} {last}"), _words(f"{last} {first}")):
                if len(words) >= 2 and words not in ignored:
                    self.names[words] = f"{first} {last}"
        self.lengths = sorted({len(words) for words in self.names})

    def find(self, text, allowed=frozenset()):
        # The text without its tags (a name may span table cells: "<td>MARTIN</td><td>Jeanne</td>"), then the
        # attribute values (a name in a title or a data attribute).
        text = " ".join([TAG.sub(" ", text), *ATTRIBUTE.findall(text)])
        words = tuple(word for word in _words(html.unescape(text)) if word not in LABEL_WORDS)
        found = set()
        for i in range(len(words)):
            for n in self.lengths:
                name = self.names.get(words[i : i + n])
                if name and name not in allowed:
                    found.add(name)
        return found


def _other_people():
    """Full names of people who are not participants (users, facilitators, partners' contacts, committee members):
    a participant homonym of one of them is not a leak."""
    names = {f"{f} {la}" for f, la in User.objects.values_list("first_name", "last_name")}
    names |= {f"{f} {la}" for f, la in Facilitator.objects.values_list("first_name", "last_name")}
    names |= set(Partner.objects.exclude(contact_name="").values_list("contact_name", flat=True))
    names |= set(CommitteeMember.objects.values_list("name", flat=True))
    return names


@pytest.fixture(scope="module")
def participant_names(demo, django_db_blocker):
    with django_db_blocker.unblock():
        people = list(Participant.objects.values_list("first_name", "last_name"))
        assert len(people) > 100, "the demo data holds participants"
        return NameFinder(people, ignored=_other_people())


def _employees_of_company(user):
    """Full names of the participants whose hours the company of ``user`` reports on its monthly statements: it
    employs them (or they are provided to it by an inclusion employer on a lot it holds), so its statements name them
    (``clauses.statements.reporting_company_id``; see tests/clauses/test_privacy.py). Nobody else."""
    companies = Company.objects.filter(members__membership__user=user)
    placements = Placement.objects.filter(
        Q(employer_company__in=companies)
        | Q(
            employer_company__isnull=True,
            clause__lot__awards__company__in=companies,
            clause__lot__awards__role=AwardRole.HOLDER,
        )
    )
    people = Participant.objects.filter(pk__in=placements.values("participant_id"))
    return frozenset(f"{first} {last}" for first, last in people.values_list("first_name", "last_name"))


def _response_text(response):
    """The text of a response in which a name could show: HTML, text, CSV, JSON, the XML parts of an XLSX or DOCX
    file, the text of a PDF (read back with pdftotext)."""
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/json"):  # "\u00e9" escapes: the names as they are
        return json.dumps(json.loads(_content(response)), ensure_ascii=False)
    if content_type.startswith(TEXT_TYPES):
        return _content(response).decode(response.charset or "utf-8", errors="replace")
    if content_type.startswith(OFFICE_TYPES):
        with zipfile.ZipFile(io.BytesIO(_content(response))) as archive:
            return " ".join(
                archive.read(name).decode("utf-8", errors="replace")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    if content_type.startswith("application/pdf"):
        if not shutil.which("pdftotext"):
            pytest.fail("pdftotext est introuvable : apt-get install -y poppler-utils")
        return subprocess.run(
            ["pdftotext", "-", "-"], input=_content(response), capture_output=True, check=True
        ).stdout.decode()
    return ""


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# ---------------------------------------------------------------------------------------------------------------------
# Crawler
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Problem:
    url: str
    status: object
    found_on: str
    detail: str = ""

    def __str__(self):
        return f"{self.status} {self.url} (lien trouvé sur {self.found_on}){' — ' + self.detail if self.detail else ''}"


@dataclass
class Crawl:
    client: Client
    names: NameFinder | None  # None: the role may see people
    allowed_names: frozenset = frozenset()  # a company's own employees, named on its statements only
    max_depth: int = MAX_DEPTH
    visited: dict = field(default_factory=dict)  # url → status
    per_name: Counter = field(default_factory=Counter)  # URL name → URLs queued (per start page)
    errors: list = field(default_factory=list)  # 500s
    dead_links: list = field(default_factory=list)  # 403/404 and broken redirects on linked pages
    wrong_types: list = field(default_factory=list)  # a download whose content type does not match its extension
    leaks: list = field(default_factory=list)
    fetched: int = 0

    def get(self, url):
        """(response, error detail): an exception raised by the view is a 500 with its last frame."""
        try:
            return self.client.get(url), ""
        except Exception as exc:  # any exception raised by a view is a page error to report
            frames = traceback.extract_tb(exc.__traceback__)
            frame = next((f for f in reversed(frames) if "site-packages" not in f.filename), frames[-1])
            return None, f"{type(exc).__name__}: {exc} ({frame.filename}:{frame.lineno})"

    def check(self, url, found_on):
        """GET ``url`` (following redirects, each checked); the final 200 response, or None."""
        self.fetched += 1
        hops = 0
        while True:
            response, error = self.get(url)
            if response is None:
                self.errors.append(Problem(url, 500, found_on, error))
                return None
            self.visited[url] = response.status_code
            if self.names is not None:
                allowed = self.allowed_names if _url_name(url) in PAGES_NAMING_EMPLOYEES else frozenset()
                leaked = self.names.find(_response_text(response), allowed)
                if leaked:
                    self.leaks.append(Problem(url, response.status_code, found_on, ", ".join(sorted(leaked)[:5])))
            if response.status_code in (301, 302, 303, 307, 308) and hops < 5:
                target = urljoin(url, response["Location"])
                if urlsplit(target).netloc not in ("", "testserver"):
                    return None
                found_on, url, hops = f"{url} (redirection)", _local(target), hops + 1
                if urlsplit(url).path == resolve_url(settings.LOGIN_URL):
                    self.dead_links.append(Problem(url, "302 → connexion", found_on, "compte déjà connecté"))
                    return None
                continue
            if response.status_code >= 500:
                self.errors.append(Problem(url, response.status_code, found_on))
            elif response.status_code != 200:
                self.dead_links.append(Problem(url, response.status_code, found_on))
            else:
                self.check_type(url, response, found_on)
            return response if response.status_code == 200 else None

    def check_type(self, url, response, found_on):
        path = urlsplit(url).path
        expected = next((t for suffix, t in DOWNLOAD_TYPES.items() if path.endswith(suffix)), None)
        content_type = response.get("Content-Type", "")
        if expected and not content_type.startswith(expected):
            self.wrong_types.append(Problem(url, 200, found_on, f"{content_type!r}, attendu {expected!r}"))

    def links(self, url, response):
        if not response.get("Content-Type", "").startswith("text/html"):
            return []
        found = []
        for match in HREF.finditer(_content(response).decode()):
            href = html.unescape(match.group(1) if match.group(1) is not None else match.group(2)).strip()
            if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            target = urljoin(url, urldefrag(href).url)
            if urlsplit(target).netloc in ("", "testserver"):
                found.append(_local(target))
        return found

    def run(self, start, prefix):
        """Crawl from ``start``, expanding only the pages under ``prefix``; ``MAX_PAGES`` per start page."""
        queue = deque([(start, 0, "(départ)")])
        seen = {start}
        self.per_name.clear()
        limit = self.fetched + MAX_PAGES
        while queue and self.fetched < limit:
            url, depth, found_on = queue.popleft()
            response = self.check(url, found_on)
            if response is None or depth >= self.max_depth:
                continue
            new = []
            for link in self.links(url, response):
                if link in seen or link.startswith(SKIPPED_PREFIXES):
                    continue
                seen.add(link)
                name = _url_name(link)
                cap = PER_PDF_NAME if urlsplit(link).path.endswith(".pdf") else PER_URL_NAME
                if name in SKIPPED_URL_NAMES or self.per_name[name] >= cap:
                    continue
                # Pages outside the territory (account, directory) are checked, never expanded.
                link_depth = depth + 1 if link.startswith(prefix) else self.max_depth
                self.per_name[name] += 1
                new.append((self.per_name[name], link, link_depth))
            # Distinct URL patterns first: a page's first link of each URL name before its second.
            new.sort(key=lambda item: item[0])
            queue.extend((link, link_depth, url) for _, link, link_depth in new)


def _local(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _url_name(url):
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return urlsplit(url).path


# ---------------------------------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda a: a.email)
def test_demo_account_crawl(demo, participant_names, account):
    user = User.objects.get(email__iexact=account.email)
    client = Client()
    client.force_login(user)
    crawl = Crawl(
        client, participant_names if account.role in ROLES_HIDING_PEOPLE else None, max_depth=account.max_depth
    )
    if account.role == Role.COMPANY:
        crawl.allowed_names = _employees_of_company(user)
        assert crawl.allowed_names, "the demo company employs participants"
    began = time.perf_counter()
    for start, prefix in account.scopes:
        if start == REGIONAL_HOME:  # /region/<code of Hérault's region>/observatoire/
            start = regional_home(Territory.objects.get(code="34").region.code)
        crawl.run(start, prefix)
    elapsed = time.perf_counter() - began
    print(f"{account.email}: {crawl.fetched} pages, {len(crawl.per_name)} URL names, {elapsed:.1f} s")

    assert crawl.fetched >= (2 if account.role == "regional" else 10), "the crawl found pages"
    assert not crawl.errors, "page errors (500):\n" + "\n".join(map(str, crawl.errors))
    assert not crawl.dead_links, (
        "linked pages the account cannot open (a page must not link to what the role may not use):\n"
        + "\n".join(map(str, crawl.dead_links))
    )
    assert not crawl.wrong_types, "downloads with a wrong content type:\n" + "\n".join(map(str, crawl.wrong_types))
    assert not crawl.leaks, "participant names shown to a role that must not see people:\n" + "\n".join(
        map(str, crawl.leaks)
    )


def test_the_name_check_finds_names_where_people_are_shown(demo, participant_names, client):
    """The leak check is not vacuous: it finds the participants' names where a coordinator sees them, in a table
    (surname and first name in two cells) and in a PDF (under "Nom" and "Prénom" labels)."""
    client.force_login(User.objects.get(email__iexact="coordination@herault.demo"))
    response = client.get("/34/participants/")
    assert response.status_code == 200
    assert len(participant_names.find(_response_text(response))) >= 10

    person = Participant.objects.filter(territory__code="34").order_by("pk").first()
    response = client.get(f"/34/participants/{person.pk}/donnees.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert f"{person.first_name} {person.last_name}" in participant_names.find(_response_text(response))
