"""The comité départemental: members by college, meetings (agenda, attendance, minutes), meetings per year."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.enums import Role
from observatory.enums import College
from observatory.models import CommitteeAttendance, CommitteeMeeting, CommitteeMember
from observatory.views_committee import meetings_per_year
from tests.observatory.factories_committee import (
    CommitteeAttendanceFactory,
    CommitteeMeetingFactory,
    CommitteeMemberFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def url(name, territory, **kwargs):
    return reverse(f"committee:{name}", kwargs={"territory_code": territory.code, **kwargs})


def login(client, member, territory, role=Role.COORDINATOR):
    membership = member(territory, role)
    client.force_login(membership.user)
    return membership


def past(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def future(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def committee(territory):
    """Three members in office in two colleges, a former member, and two meetings held (one with two present)."""
    t = territory
    prefect = CommitteeMemberFactory(territory=t, name="Hélène Roux", organisation="Préfecture", college=College.STATE)
    ft = CommitteeMemberFactory(
        territory=t,
        name="Lucie Marty",
        organisation="France Travail",
        function="Directrice territoriale",
        college=College.EMPLOYMENT_SERVICE,
    )
    ml = CommitteeMemberFactory(
        territory=t, name="Omar Cherif", organisation="Mission locale", college=College.EMPLOYMENT_SERVICE
    )
    former = CommitteeMemberFactory(
        territory=t, name="Jean Ancien", organisation="FFB Hérault", college=College.FEDERATIONS, is_active=False
    )
    spring = CommitteeMeetingFactory(territory=t, date=past(200), title="Comité de printemps", minutes="Adopté.")
    autumn = CommitteeMeetingFactory(territory=t, date=past(20), title="Comité d'automne")
    for m in (prefect, ft):
        CommitteeAttendanceFactory(territory=t, meeting=spring, member=m)
    CommitteeAttendanceFactory(territory=t, meeting=autumn, member=former)
    return {"prefect": prefect, "ft": ft, "ml": ml, "former": former, "spring": spring, "autumn": autumn}


# --- The indicator ---------------------------------------------------------------------------------------------------


def test_meetings_per_year_counts_held_and_planned_meetings_of_the_territory_only(territory, other_territory):
    today = D(2026, 6, 15)
    for day in (D(2025, 3, 1), D(2025, 10, 1), D(2026, 2, 1), D(2026, 6, 15)):  # 6/15: held today
        CommitteeMeetingFactory(territory=territory, date=day)
    CommitteeMeetingFactory(territory=territory, date=D(2026, 11, 5))  # still to come this year
    CommitteeMeetingFactory(territory=territory, date=D(2027, 1, 20))  # next year
    CommitteeMeetingFactory(territory=other_territory, date=D(2026, 3, 3))  # another territory's

    assert meetings_per_year(territory, today) == [
        {"year": 2027, "held": 0, "planned": 1},
        {"year": 2026, "held": 2, "planned": 1},
        {"year": 2025, "held": 2, "planned": 0},
    ]


def test_meetings_per_year_always_lists_the_current_year(territory):
    assert meetings_per_year(territory, D(2026, 6, 15)) == [{"year": 2026, "held": 0, "planned": 0}]


# --- Index -----------------------------------------------------------------------------------------------------------


def test_index_lists_every_college_with_its_members_in_office_and_the_former_ones_apart(
    client, member, territory, committee
):
    login(client, member, territory)
    response = client.get(url("index", territory))
    assert response.status_code == 200
    colleges = {value: [m.name for m in members] for value, _label, members in response.context["colleges"]}
    assert list(colleges) == list(College.values)  # every college, in order, even the empty ones
    assert colleges[College.STATE] == ["Hélène Roux"]
    assert colleges[College.EMPLOYMENT_SERVICE] == ["Lucie Marty", "Omar Cherif"]
    assert colleges[College.FEDERATIONS] == []  # its only member left
    assert [m.name for m in response.context["former_members"]] == ["Jean Ancien"]
    html = response.content.decode()
    for label in College.labels:
        assert label.replace("'", "&#x27;") in html
    assert "Aucun membre en exercice dans ce collège." in html
    assert "Directrice territoriale" in html


def test_index_lists_meetings_with_their_attendance_and_the_meetings_per_year(client, member, territory, committee):
    CommitteeMeetingFactory(territory=territory, date=future(30), title="Comité de fin d'année")
    login(client, member, territory, Role.COMMITTEE)
    response = client.get(url("index", territory))
    meetings = [(m.title, m.attendance_count) for m in response.context["meetings"]]
    assert meetings == [("Comité de fin d'année", 0), ("Comité d'automne", 1), ("Comité de printemps", 2)]
    this_year = timezone.localdate().year
    per_year = {row["year"]: (row["held"], row["planned"]) for row in response.context["per_year"]}
    held = {day.year for day in (past(200), past(20))}
    assert sum(h for h, _p in per_year.values()) == 2
    assert sum(p for _h, p in per_year.values()) == 1
    assert set(per_year) >= held | {this_year}
    assert response.context["held_this_year"] == per_year[this_year][0]
    html = response.content.decode()
    assert "À venir" in html
    assert reverse("committee:meeting_detail", kwargs={"territory_code": "34", "pk": committee["spring"].pk}) in html


def test_index_query_count_does_not_grow_with_members_and_meetings(
    client, member, territory, django_assert_max_num_queries
):
    login(client, member, territory)
    index = url("index", territory)

    def add(n):
        for i in range(n):
            m = CommitteeMemberFactory(territory=territory, college=list(College)[i % len(College)])
            meeting = CommitteeMeetingFactory(territory=territory, date=past(10 + 40 * i + n))
            CommitteeAttendanceFactory(territory=territory, meeting=meeting, member=m)

    add(2)
    with django_assert_max_num_queries(14) as small:
        assert client.get(index).status_code == 200
    add(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(index).status_code == 200


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.COMMITTEE])
def test_readers_see_the_committee_without_management_links(client, member, territory, committee, role):
    login(client, member, territory, role)
    html = client.get(url("index", territory)).content.decode()
    assert "Hélène Roux" in html
    assert url("member_create", territory) not in html
    assert url("meeting_create", territory) not in html
    assert url("member_update", territory, pk=committee["prefect"].pk) not in html
    detail = client.get(url("meeting_detail", territory, pk=committee["spring"].pk)).content.decode()
    assert url("meeting_update", territory, pk=committee["spring"].pk) not in detail


@pytest.mark.parametrize("role", [Role.BUYER, Role.COMPANY])
def test_buyers_and_companies_have_no_access(client, member, territory, committee, role):
    login(client, member, territory, role)
    assert client.get(url("index", territory)).status_code == 403
    response = client.get(url("meeting_detail", territory, pk=committee["spring"].pk))
    assert response.status_code == 403
    assert "Adopté." not in response.content.decode()


def test_another_territorys_meeting_and_member_are_404(client, member, territory, other_territory):
    login(client, member, territory)
    meeting = CommitteeMeetingFactory(territory=other_territory, minutes="Secret du 95")
    foreign = CommitteeMemberFactory(territory=other_territory)
    assert client.get(url("meeting_detail", territory, pk=meeting.pk)).status_code == 404
    assert client.get(url("meeting_update", territory, pk=meeting.pk)).status_code == 404
    assert client.get(url("member_update", territory, pk=foreign.pk)).status_code == 404


# --- Members ---------------------------------------------------------------------------------------------------------


def member_data(**overrides):
    return {
        "name": "Nadia Benali",
        "organisation": "Inser'Éco 34",
        "function": "Déléguée départementale",
        "college": College.IAE_NETWORK,
        "email": "nadia.benali@insereco34.fr",
        "membership": "",
        "is_active": "on",
        **overrides,
    }


def test_coordinator_adds_a_member_linked_to_an_account(client, member, territory):
    login(client, member, territory)
    account = member(territory, Role.COMMITTEE, first_name="Nadia", last_name="Benali")
    form = client.get(url("member_create", territory)).content.decode()
    assert 'for="id_college"' in form and 'for="id_membership"' in form
    response = client.post(url("member_create", territory), member_data(membership=account.pk), follow=True)
    assert response.redirect_chain[-1][0] == url("index", territory)
    created = CommitteeMember.objects.get(name="Nadia Benali")
    assert (created.territory, created.college, created.membership, created.is_active) == (
        territory,
        College.IAE_NETWORK,
        account,
        True,
    )
    html = response.content.decode()
    assert "ajouté au comité" in html
    assert "Déléguée départementale" in html


def test_a_member_cannot_be_added_twice(client, member, territory, committee):
    login(client, member, territory)
    data = member_data(name="  hélène   ROUX ", organisation="préfecture", college=College.STATE, email="")
    response = client.post(url("member_create", territory), data)
    assert response.status_code == 200
    assert "Hélène Roux (Préfecture) fait déjà partie du comité" in response.content.decode()
    assert 'value="préfecture"' in response.content.decode()  # what was typed is kept
    assert CommitteeMember.objects.filter(territory=territory).count() == 4


def test_a_former_member_is_pointed_to_rather_than_added_again(client, member, territory, committee):
    login(client, member, territory)
    data = member_data(name="Jean Ancien", organisation="FFB Hérault", email="")
    html = client.post(url("member_create", territory), data).content.decode()
    assert "ancien membre : modifiez-le pour le réintégrer" in html


def test_the_same_email_or_account_cannot_belong_to_two_members(client, member, territory, committee):
    login(client, member, territory)
    account = member(territory, Role.COMMITTEE)
    committee["ft"].email = "lucie.marty@francetravail.fr"
    committee["ft"].membership = account
    committee["ft"].save()
    data = member_data(email="Lucie.Marty@francetravail.fr", membership=account.pk)
    html = unescape(client.post(url("member_create", territory), data).content.decode())
    assert "Cette adresse e-mail est déjà celle d'un membre du comité : Lucie Marty (France Travail)." in html
    assert "Ce compte est déjà relié à un membre du comité : Lucie Marty (France Travail)." in html
    assert not CommitteeMember.objects.filter(name="Nadia Benali").exists()


def test_the_account_list_holds_only_this_territorys_accounts(client, member, territory, other_territory):
    login(client, member, territory)
    foreign = member(other_territory, Role.COMMITTEE)
    response = client.get(url("member_create", territory))
    assert foreign not in response.context["form"].fields["membership"].queryset
    response = client.post(url("member_create", territory), member_data(membership=foreign.pk))
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_required_fields_are_reported_in_french(client, member, territory):
    login(client, member, territory)
    response = client.post(url("member_create", territory), member_data(name="", college=""))
    assert response.status_code == 200
    assert response.content.decode().count("Ce champ est obligatoire.") == 2
    assert 'value="Inser&#x27;Éco 34"' in response.content.decode()


def test_a_member_who_leaves_stays_in_past_attendance_and_moves_to_former_members(client, member, territory, committee):
    login(client, member, territory)
    prefect = committee["prefect"]
    data = member_data(name=prefect.name, organisation=prefect.organisation, college=College.STATE, email="")
    del data["is_active"]
    response = client.post(url("member_update", territory, pk=prefect.pk), data)
    assert response.status_code == 302
    prefect.refresh_from_db()
    assert not prefect.is_active
    index = client.get(url("index", territory))
    assert prefect in index.context["former_members"]
    assert CommitteeAttendance.objects.filter(member=prefect, meeting=committee["spring"]).exists()


# --- Meetings --------------------------------------------------------------------------------------------------------


def meeting_data(day, **overrides):
    return {
        "date": day.isoformat(),
        "title": "Comité départemental",
        "agenda": "1. Bilan de l'année\n2. Programmation",
        "minutes": "",
        "attendees": [],
        **overrides,
    }


def test_the_attendance_is_a_labelled_checkbox_per_member_in_office_grouped_by_college(
    client, member, territory, committee
):
    login(client, member, territory)
    response = client.get(url("meeting_create", territory))
    groups = [
        (college, [c.choice_label for c in boxes]) for college, boxes in response.context["form"].attendee_groups()
    ]
    assert groups == [
        (College.STATE.label, ["Hélène Roux — Préfecture"]),
        (
            College.EMPLOYMENT_SERVICE.label,
            ["Lucie Marty — France Travail, Directrice territoriale", "Omar Cherif — Mission locale"],
        ),
    ]
    html = response.content.decode()
    for box in (b for _c, boxes in response.context["form"].attendee_groups() for b in boxes):
        assert f'for="{box.id_for_label}"' in html
        assert f'id="{box.id_for_label}"' in html
    assert "Jean Ancien" not in html  # a former member is not offered for a new meeting


def test_coordinator_records_a_held_meeting_with_attendance_and_minutes(client, member, territory, committee):
    coordinator = login(client, member, territory)
    day = past(3)
    data = meeting_data(day, minutes="Bilan adopté.", attendees=[committee["prefect"].pk, committee["ml"].pk])
    response = client.post(url("meeting_create", territory), data, follow=True)
    meeting = CommitteeMeeting.objects.get(territory=territory, date=day)
    assert response.redirect_chain[-1][0] == url("meeting_detail", territory, pk=meeting.pk)
    assert meeting.recorded_by == coordinator.user
    assert set(meeting.attendees.all()) == {committee["prefect"], committee["ml"]}
    assert set(meeting.attendance.values_list("territory", flat=True)) == {territory.pk}
    attendance = {value: [m.name for m in members] for value, _l, members in response.context["attendance"]}
    assert attendance[College.STATE] == ["Hélène Roux"]
    assert attendance[College.EMPLOYMENT_SERVICE] == ["Omar Cherif"]
    assert attendance[College.BUYERS] == []
    html = response.content.decode()
    assert "Présents (2)" in html
    assert "Collège non représenté" in html
    assert "Bilan adopté." in html
    assert "1. Bilan de l&#x27;année<br>2. Programmation" in html


def test_a_meeting_to_come_may_have_its_agenda_but_neither_minutes_nor_attendance(client, member, territory, committee):
    login(client, member, territory)
    day = future(40)
    data = meeting_data(day, minutes="Compte rendu anticipé", attendees=[committee["prefect"].pk])
    response = client.post(url("meeting_create", territory), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"La réunion du {day:%d/%m/%Y} n&#x27;a pas encore eu lieu : son compte rendu se saisit après" in html
    assert "les présences se saisissent après la réunion" in html
    assert "Compte rendu anticipé" in html  # typed values are kept
    assert "checked" in html
    assert not CommitteeMeeting.objects.filter(date=day).exists()

    response = client.post(url("meeting_create", territory), meeting_data(day))
    assert response.status_code == 302
    meeting = CommitteeMeeting.objects.get(date=day)
    detail = client.get(url("meeting_detail", territory, pk=meeting.pk)).content.decode()
    assert "Réunion à venir" in detail
    assert "Les présences seront saisies après la réunion." in detail


def test_the_same_meeting_cannot_be_recorded_twice(client, member, territory, committee):
    login(client, member, territory)
    spring = committee["spring"]
    response = client.post(url("meeting_create", territory), meeting_data(spring.date, title="comité de PRINTEMPS"))
    assert response.status_code == 200
    assert "est déjà enregistrée" in response.content.decode()
    assert CommitteeMeeting.objects.filter(date=spring.date).count() == 1


def test_meeting_date_is_required_and_checked(client, member, territory):
    login(client, member, territory)
    response = client.post(url("meeting_create", territory), meeting_data(D(2026, 1, 1), date="32/13/2026"))
    assert response.status_code == 200
    assert "Saisissez une date valide." in response.content.decode()


def test_updating_the_attendance_adds_and_removes_members_and_keeps_former_ones_present(
    client, member, territory, committee
):
    login(client, member, territory)
    autumn = committee["autumn"]  # Jean Ancien (former member) was present
    form = client.get(url("meeting_update", territory, pk=autumn.pk)).context["form"]
    labels = [c.choice_label for _college, boxes in form.attendee_groups() for c in boxes]
    assert "Jean Ancien — FFB Hérault (ancien membre)" in labels
    checked = [c.choice_label for _college, boxes in form.attendee_groups() for c in boxes if c.data["selected"]]
    assert checked == ["Jean Ancien — FFB Hérault (ancien membre)"]

    data = meeting_data(autumn.date, title=autumn.title, minutes="Compte rendu.", attendees=[committee["ft"].pk])
    response = client.post(url("meeting_update", territory, pk=autumn.pk), data)
    assert response.status_code == 302
    autumn.refresh_from_db()
    assert list(autumn.attendees.all()) == [committee["ft"]]
    assert autumn.minutes == "Compte rendu."
    assert autumn.recorded_by == committee["autumn"].recorded_by  # the author does not change


def test_a_member_of_another_territory_cannot_be_marked_present(client, member, territory, other_territory, committee):
    login(client, member, territory)
    foreign = CommitteeMemberFactory(territory=other_territory)
    spring = committee["spring"]
    data = meeting_data(spring.date, title=spring.title, attendees=[foreign.pk])
    response = client.post(url("meeting_update", territory, pk=spring.pk), data)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not CommitteeAttendance.objects.filter(member=foreign).exists()


def test_meeting_detail_query_count_does_not_grow_with_attendance(
    client, member, territory, django_assert_max_num_queries
):
    login(client, member, territory, Role.COMMITTEE)
    meeting = CommitteeMeetingFactory(territory=territory, date=past(5))
    detail = url("meeting_detail", territory, pk=meeting.pk)
    CommitteeAttendanceFactory(territory=territory, meeting=meeting)
    with django_assert_max_num_queries(14) as small:
        assert client.get(detail).status_code == 200
    for college in College:
        CommitteeAttendanceFactory(territory=territory, meeting=meeting, member__college=college)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(detail)
    assert "Présents (9)" in response.content.decode()


def test_meeting_form_query_count_does_not_grow_with_members(client, member, territory, django_assert_max_num_queries):
    login(client, member, territory)
    meeting = CommitteeMeetingFactory(territory=territory, date=past(5))
    edit = url("meeting_update", territory, pk=meeting.pk)
    CommitteeAttendanceFactory(territory=territory, meeting=meeting)
    with django_assert_max_num_queries(16) as small:
        assert client.get(edit).status_code == 200
    for college in College:
        CommitteeAttendanceFactory(territory=territory, meeting=meeting, member__college=college)
        CommitteeMemberFactory(territory=territory, college=college)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(edit).status_code == 200
