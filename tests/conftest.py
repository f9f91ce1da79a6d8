import os

import pytest
from django.test import override_settings

from accounts.enums import Role
from tests.accounts.factories import MembershipFactory
from tests.facilitators.factories import FacilitatorFactory
from tests.markets.factories import BuyerMemberFactory, CompanyMemberFactory
from tests.territories.factories import TerritoryFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class InvalidTemplateVariable(str):
    """Fail loudly on an unknown template variable instead of rendering an empty string."""

    def __mod__(self, other):
        raise AssertionError(f"Variable de gabarit inconnue : {other!r}")


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    for template in settings.TEMPLATES:
        template["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")


@pytest.fixture(autouse=True, scope="session")
def _temporary_media_root(tmp_path_factory):
    """Uploaded files (shared resources) go to a temporary folder for the whole session, never to ``media/``.

    Session-scoped, so that module-scoped worlds (``tests/test_authorization.py``) store their files there too.
    """
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def territory(db):
    return TerritoryFactory(code="34")


@pytest.fixture
def other_territory(db):
    return TerritoryFactory(code="95")


def make_member(territory, role, organisation=None, **kwargs):
    """A user with an accepted membership of ``territory`` in ``role``, linked to its organisation if any."""
    membership = MembershipFactory(territory=territory, role=role, **kwargs)
    if role == Role.FACILITATOR:
        FacilitatorFactory(
            territory=territory, membership=membership, **({"organisation": organisation} if organisation else {})
        )
    elif role == Role.BUYER:
        BuyerMemberFactory(
            territory=territory, membership=membership, **({"buyer": organisation} if organisation else {})
        )
    elif role == Role.COMPANY:
        CompanyMemberFactory(
            territory=territory, membership=membership, **({"company": organisation} if organisation else {})
        )
    return membership


@pytest.fixture
def member(db):
    return make_member


@pytest.fixture
def coordinator(territory):
    return make_member(territory, Role.COORDINATOR)


def pytest_collection_modifyitems(config, items):
    # Browser journeys run last: they need a live server and are the slowest.
    items.sort(key=lambda item: "browser" in item.keywords)
