import pytest
from django.urls import reverse

from accounts.enums import Role
from tests.clauses.factories import MonthlyHoursFactory

pytestmark = pytest.mark.django_db


def test_coordinator_home_shows_counts(client, territory, member):
    coordinator = member(territory, Role.COORDINATOR)
    MonthlyHoursFactory(territory=territory)
    client.force_login(coordinator.user)
    response = client.get(reverse("home", kwargs={"territory_code": "34"}))
    assert response.status_code == 200
    assert response.context["figures"].hours_achieved == 120
