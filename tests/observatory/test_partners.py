"""Partners and meetings: the two indicators on a hand-built territory, the pages, their permissions and isolation."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import Role
from observatory.enums import PartnerKind
from observatory.indicators import buyers_and_federations_met, partners_involved
from observatory.models import Partner, PartnerMeeting
from tests.markets.factories import BuyerFactory
from tests.observatory.factories import PartnerFactory, PartnerMeetingFactory

pytestmark = pytest.mark.django_db

D = datetime.date
START, END = D(2026, 1, 1), D(2026, 12, 31)


def url(name, territory, **kwargs):
    return reverse(f"partners:{name}", kwargs={"territory_code": territory.code, **kwargs})


def meet(partner, *dates):
    for day in dates:
        PartnerMeetingFactory(territory=partner.territory, partner=partner, date=day)


@pytest.fixture
def met(territory, other_territory):
    """The hand-built territory of the indicators; each expected number is derived in the comments."""
    t = territory
    city = PartnerFactory(territory=t, name="Ville de Sète", kind=PartnerKind.BUYER)
    housing = PartnerFactory(territory=t, name="Hérault Habitat", kind=PartnerKind.BUYER)
    ffb = PartnerFactory(territory=t, name="FFB Hérault", kind=PartnerKind.FEDERATION)
    capeb = PartnerFactory(territory=t, name="CAPEB", kind=PartnerKind.FEDERATION, is_active=False)
    france_travail = PartnerFactory(territory=t, name="France Travail", kind=PartnerKind.EMPLOYMENT_SERVICE)
    iae = PartnerFactory(territory=t, name="Inser'Éco 34", kind=PartnerKind.IAE_NETWORK)
    PartnerFactory(territory=t, name="Jamais rencontré", kind=PartnerKind.BUYER)

    meet(city, D(2026, 1, 1), D(2026, 6, 15), D(2026, 12, 31))  # 3 meetings in 2026, both bounds included: 1 partner
    meet(housing, D(2025, 12, 31), D(2027, 1, 1))  # only outside 2026: not counted
    meet(ffb, D(2026, 3, 3))  # a federation met in 2026
    meet(capeb, D(2026, 4, 4))  # inactive: not "involved", but it was met: counted among federations met
    meet(france_travail, D(2026, 5, 5), D(2026, 5, 6))
    meet(iae, D(2025, 5, 5))  # 2025 only

    # Noise of the other territory: a buyer met in 2026.
    meet(PartnerFactory(territory=other_territory, name="Ville de Cergy", kind=PartnerKind.BUYER), D(2026, 2, 2))
    return territory


def test_partners_involved_counts_distinct_active_partners_met_in_the_period_by_kind(met):
    involved = partners_involved(met, START, END)
    # Ville de Sète (buyer), FFB (federation), France Travail (employment service); not CAPEB (inactive), not Hérault
    # Habitat nor Inser'Éco (met outside 2026), not the never-met buyer, not the other territory's buyer.
    assert involved.total == 3
    assert {kind: n for kind, n in involved.by_kind.items() if n} == {
        "buyer": 1,
        "federation": 1,
        "employment_service": 1,
    }
    assert list(involved.by_kind) == list(PartnerKind.values)  # every kind listed, in order
    assert involved.rows[0] == ("Donneur d'ordre", 1)


def test_buyers_and_federations_met_counts_distinct_partners_of_those_kinds(met):
    result = buyers_and_federations_met(met, START, END)
    # Buyers: Ville de Sète (3 meetings, counted once). Federations: FFB and CAPEB (inactive now, but met).
    assert (result.buyers, result.federations, result.total) == (1, 2, 3)
    # 2025: Hérault Habitat only (31 December 2025); Inser'Éco is neither a buyer nor a federation.
    previous = buyers_and_federations_met(met, D(2025, 1, 1), D(2025, 12, 31))
    assert (previous.buyers, previous.federations) == (1, 0)


def test_indicators_cost_one_query_each(met, django_assert_num_queries):
    with django_assert_num_queries(1):
        partners_involved(met, START, END)
    with django_assert_num_queries(1):
        buyers_and_federations_met(met, START, END)


def test_indicators_of_an_empty_period_are_zero(met):
    assert partners_involved(met, D(2030, 1, 1), D(2030, 12, 31)).total == 0
    assert buyers_and_federations_met(met, D(2030, 1, 1), D(2030, 12, 31)).total == 0


# Pages ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR, Role.COMMITTEE])
def test_meeting_list_shows_the_indicators_of_the_filtered_year(client, met, member, role):
    client.force_login(member(met, role).user)
    response = client.get(url("meeting_list", met), {"year": "2026"})
    assert response.status_code == 200
    assert response.context["indicator_year"] == 2026
    assert response.context["involved"].total == 3
    assert response.context["buyers_federations"].total == 3
    html = response.content.decode()
    assert '<p class="cs-figure" id="partners-involved">3</p>' in html
    assert "1 donneur d'ordre et 2 fédérations professionnelles en 2026" in html.replace("&#x27;", "'")
    # 3 + 1 + 1 + 2 meetings of 34 in 2026; not the other territory's.
    assert response.context["paginator"].count == 7
    assert "Ville de Cergy" not in html


def test_meeting_list_filters_by_year_and_kind_of_partner(client, met, coordinator):
    client.force_login(coordinator.user)

    def listed(**params):
        response = client.get(url("meeting_list", met), params)
        return sorted((m.partner.name, m.date) for m in response.context["meetings"])

    assert listed(year="2025", kind="buyer") == [("Hérault Habitat", D(2025, 12, 31))]
    assert listed(year="2026", kind="federation") == [("CAPEB", D(2026, 4, 4)), ("FFB Hérault", D(2026, 3, 3))]
    assert len(listed()) == 10  # every meeting of 34
    response = client.get(url("meeting_list", met), {"year": "2025"})
    assert response.context["indicator_year"] == 2025
    assert response.context["involved"].total == 2  # Hérault Habitat (31/12/2025) and Inser'Éco 34
    years = [value for value, _label in response.context["filter"].form.fields["year"].choices]
    assert years[:4] == ["", "2027", "2026", "2025"]


def test_meeting_list_query_count_is_pinned(client, met, coordinator):
    client.force_login(coordinator.user)
    client.get(url("meeting_list", met))
    with CaptureQueriesContext(connection) as few:
        client.get(url("meeting_list", met), {"year": "2026"})
    partner = Partner.objects.in_territory(met).get(name="FFB Hérault")
    meet(partner, *[D(2026, 7, day) for day in range(1, 21)])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("meeting_list", met), {"year": "2026"})
    assert response.context["paginator"].count == 27
    assert len(many) == len(few) <= 12, [q["sql"] for q in many.captured_queries]


def test_partner_list_filters_by_kind_and_counts_meetings(client, met, coordinator):
    client.force_login(coordinator.user)
    client.get(url("partner_list", met))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("partner_list", met), {"kind": "federation"})
    rows = {p.name: (p.meeting_count, p.last_meeting) for p in response.context["partners"]}
    assert rows == {"FFB Hérault": (1, D(2026, 3, 3)), "CAPEB": (1, D(2026, 4, 4))}
    assert len(queries) <= 9, [q["sql"] for q in queries.captured_queries]
    response = client.get(url("partner_list", met), {"is_active": "false"})
    assert [p.name for p in response.context["partners"]] == ["CAPEB"]


def test_partner_detail_lists_its_meetings(client, met, member):
    partner = Partner.objects.in_territory(met).get(name="Ville de Sète")
    client.force_login(member(met, Role.COMMITTEE).user)
    response = client.get(url("partner_detail", met, pk=partner.pk))
    assert [m.date for m in response.context["partner"].meetings.all()] == [
        D(2026, 12, 31),
        D(2026, 6, 15),
        D(2026, 1, 1),
    ]
    html = response.content.decode()
    assert "Enregistrer une rencontre" not in html  # the committee reads only
    assert "Modifier" not in html


# Partners: creation and edition ---------------------------------------------------------------------------------------


def test_coordinator_creates_a_partner_linked_to_a_buyer_of_the_territory(client, territory, coordinator):
    buyer = BuyerFactory(territory=territory, name="Ville de Sète")
    client.force_login(coordinator.user)
    data = {"name": " Ville de Sète ", "kind": "buyer", "buyer": buyer.pk, "is_active": "on", "email": ""}
    response = client.post(url("partner_create", territory), data)
    partner = Partner.objects.get()
    assert response.status_code == 302
    assert response.url == url("partner_detail", territory, pk=partner.pk)
    assert (partner.territory, partner.name, partner.buyer) == (territory, "Ville de Sète", buyer)


def test_partner_form_refuses_a_duplicate_name_another_territorys_buyer_and_a_buyer_on_a_federation(
    client, territory, other_territory, coordinator
):
    PartnerFactory(territory=territory, name="FFB Hérault")
    foreign_buyer = BuyerFactory(territory=other_territory)
    own_buyer = BuyerFactory(territory=territory)
    client.force_login(coordinator.user)
    response = client.post(url("partner_create", territory), {"name": "ffb hérault", "kind": "federation"})
    assert response.context["form"].errors["name"] == ["Un partenaire de la coordination porte déjà ce nom."]
    response = client.post(url("partner_create", territory), {"name": "X", "kind": "buyer", "buyer": foreign_buyer.pk})
    assert "Sélectionnez un choix valide" in response.context["form"].errors["buyer"][0]
    response = client.post(url("partner_create", territory), {"name": "Y", "kind": "federation", "buyer": own_buyer.pk})
    assert response.context["form"].errors["buyer"] == [
        "Seul un partenaire de type « donneur d'ordre » peut être lié à un acheteur."
    ]
    assert Partner.objects.count() == 1


def test_coordinator_edits_a_partner(client, territory, coordinator):
    partner = PartnerFactory(territory=territory, name="FFB", kind=PartnerKind.FEDERATION)
    client.force_login(coordinator.user)
    form = client.get(url("partner_update", territory, pk=partner.pk)).context["form"]
    assert form.initial["name"] == "FFB"
    data = {"name": "FFB Hérault", "kind": "federation", "contact_name": "M. Martin"}  # is_active unchecked
    assert client.post(url("partner_update", territory, pk=partner.pk), data).status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.contact_name, partner.is_active) == ("FFB Hérault", "M. Martin", False)


# Meetings: recording -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.FACILITATOR])
def test_coordinators_and_facilitators_record_a_meeting(client, territory, member, role):
    partner = PartnerFactory(territory=territory, name="FFB Hérault")
    membership = member(territory, role)
    client.force_login(membership.user)
    form = client.get(url("meeting_create", territory), {"partenaire": partner.pk}).context["form"]
    assert form.initial["partner"] == partner
    data = {
        "date": "2026-05-04",
        "partner": partner.pk,
        "attendees": "Mme Durand (FFB), la coordination",
        "topic": "Clauses dans les marchés de voirie",
        "follow_up": "Envoyer la clause type",
        "follow_up_due": "2026-05-04",  # the same day is allowed
    }
    response = client.post(url("meeting_create", territory), data)
    assert response.status_code == 302
    assert response.url == url("partner_detail", territory, pk=partner.pk)
    meeting = PartnerMeeting.objects.get()
    assert (meeting.territory, meeting.recorded_by, meeting.date) == (territory, membership.user, D(2026, 5, 4))


def test_follow_up_due_before_the_meeting_is_refused_in_french_and_the_form_keeps_what_was_typed(
    client, territory, coordinator
):
    partner = PartnerFactory(territory=territory)
    client.force_login(coordinator.user)
    data = {"date": "2026-05-04", "partner": partner.pk, "topic": "Point d'étape", "follow_up_due": "2026-05-03"}
    response = client.post(url("meeting_create", territory), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "follow_up_due": [
            "L'échéance des suites doit être postérieure ou égale à la date de la rencontre (04/05/2026)."
        ]
    }
    html = response.content.decode()
    assert 'value="2026-05-03"' in html and "Point d&#x27;étape" in html
    assert not PartnerMeeting.objects.exists()


def test_another_territorys_partner_cannot_be_met_nor_seen(client, territory, other_territory, coordinator):
    foreign = PartnerFactory(territory=other_territory, name="Ville de Cergy")
    client.force_login(coordinator.user)
    data = {"date": "2026-05-04", "partner": foreign.pk, "topic": "Intrusion"}
    response = client.post(url("meeting_create", territory), data)
    assert "Sélectionnez un choix valide" in response.context["form"].errors["partner"][0]
    assert "Ville de Cergy" not in client.get(url("meeting_create", territory)).content.decode()
    assert (
        client.get(url("meeting_create", territory), {"partenaire": foreign.pk}).context["form"].initial.get("partner")
        is None
    )
    for name in ("partner_detail", "partner_update"):
        assert client.get(url(name, territory, pk=foreign.pk)).status_code == 404
    assert not PartnerMeeting.objects.exists()


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMPANY])
def test_buyers_and_companies_have_no_access(client, territory, member, role):
    partner = PartnerFactory(territory=territory)
    client.force_login(member(territory, role).user)
    for name, kwargs in [("partner_list", {}), ("meeting_list", {}), ("partner_detail", {"pk": partner.pk})]:
        assert client.get(url(name, territory, **kwargs)).status_code == 403
    data = {"date": "2026-05-04", "partner": partner.pk, "topic": "Intrusion"}
    assert client.post(url("meeting_create", territory), data).status_code == 403
    assert not PartnerMeeting.objects.exists()
    # And the navigation does not offer the pages.
    html = client.get(reverse("network:employer_list", kwargs={"territory_code": territory.code})).content.decode()
    assert url("partner_list", territory) not in html


def test_committee_reads_but_records_nothing(client, territory, member):
    partner = PartnerFactory(territory=territory)
    client.force_login(member(territory, Role.COMMITTEE).user)
    data = {"date": "2026-05-04", "partner": partner.pk, "topic": "Intrusion"}
    assert client.post(url("meeting_create", territory), data).status_code == 403
    assert client.post(url("partner_create", territory), {"name": "X", "kind": "other"}).status_code == 403
    assert (
        client.post(url("partner_update", territory, pk=partner.pk), {"name": "X", "kind": "other"}).status_code == 403
    )
    assert not PartnerMeeting.objects.exists()
    assert list(Partner.objects.values_list("name", flat=True)) == [partner.name]


def test_pages_follow_the_house_conventions(client, met, coordinator):
    """One h1, a caption on every table, scoped headers, French (the checks of tests/test_pages_render.py)."""
    from tests.test_pages_render import page

    partner = Partner.objects.in_territory(met).get(name="Ville de Sète")
    client.force_login(coordinator.user)
    for name, kwargs in [
        ("partner_list", {}),
        ("partner_detail", {"pk": partner.pk}),
        ("partner_create", {}),
        ("partner_update", {"pk": partner.pk}),
        ("meeting_list", {}),
        ("meeting_create", {}),
    ]:
        page(client.get(url(name, met, **kwargs)))
