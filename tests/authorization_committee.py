"""Authorization table of the « committee » area: see ``tests/authorization.py``.

Coordinators manage the committee's members and meetings; facilitators and committee members read; buyers and
companies have no access (403). Another territory's member or meeting is a 404.
"""

from dataclasses import dataclass
from datetime import date

from accounts.enums import Role
from observatory.enums import College
from observatory.models import CommitteeAttendance, CommitteeMeeting, CommitteeMember
from tests.authorization import FORBIDDEN, FOUND, OK, TerritoryView, _only

READERS = {Role.COORDINATOR: OK, Role.FACILITATOR: OK, Role.COMMITTEE: OK}


@dataclass
class CommitteeObjects:
    member: object  # in office, college « État »
    meeting: object  # held on 12 March 2026, ``member`` present
    foreign_member: object
    foreign_meeting: object


def build(world):
    territory, other = world.territory, world.other_territory
    member = CommitteeMember.objects.create(
        territory=territory, name="Hélène Roux", organisation="DDETS de l'Hérault", college=College.STATE
    )
    meeting = CommitteeMeeting.objects.create(
        territory=territory,
        date=date(2026, 3, 12),
        agenda="Bilan 2025",
        minutes="Bilan adopté.",
        recorded_by=world.members[Role.COORDINATOR].user,
    )
    CommitteeAttendance.objects.create(territory=territory, meeting=meeting, member=member)
    foreign_member = CommitteeMember.objects.create(
        territory=other, name="Paul Girard", organisation="Préfecture du Val-d'Oise", college=College.STATE
    )
    foreign_meeting = CommitteeMeeting.objects.create(
        territory=other, date=date(2026, 3, 5), recorded_by=world.foreign_members[Role.COORDINATOR].user
    )
    return CommitteeObjects(member, meeting, foreign_member, foreign_meeting)


def _objects(world):
    return world.areas["committee"]


def member_data(world, name="Lucie Marty"):
    return {
        "name": name,
        "organisation": "France Travail Hérault",
        "function": "Directrice territoriale",
        "college": College.EMPLOYMENT_SERVICE,
        "email": "",
        "membership": "",
        "is_active": "on",
    }


def meeting_data(world):
    return {
        "date": "2026-03-12",
        "title": "Comité départemental",
        "agenda": "Bilan 2025\nProgramme 2026",
        "minutes": "Bilan adopté ; programme validé.",
        "attendees": [_objects(world).member.pk],
    }


COORDINATOR_ONLY = _only({Role.COORDINATOR: OK}, FORBIDDEN)
COORDINATOR_POSTS = _only({Role.COORDINATOR: FOUND}, FORBIDDEN)

VIEWS: list[TerritoryView] = [
    TerritoryView("committee-index", "committee:index", _only(READERS, FORBIDDEN)),
    TerritoryView("committee-member-create-form", "committee:member_create", COORDINATOR_ONLY),
    TerritoryView(
        "committee-member-create", "committee:member_create", COORDINATOR_POSTS, method="POST", data=member_data
    ),
    TerritoryView(
        "committee-member-update-form",
        "committee:member_update",
        COORDINATOR_ONLY,
        kwargs=lambda w: {"pk": _objects(w).member.pk},
        foreign_kwargs=lambda w: {"pk": _objects(w).foreign_member.pk},
    ),
    TerritoryView(
        "committee-member-update",
        "committee:member_update",
        COORDINATOR_POSTS,
        method="POST",
        kwargs=lambda w: {"pk": _objects(w).member.pk},
        foreign_kwargs=lambda w: {"pk": _objects(w).foreign_member.pk},
        data=lambda w: {
            **member_data(w, name="Hélène Roux-Martin"),
            "organisation": "DDETS de l'Hérault",
            "college": College.STATE,
        },
    ),
    TerritoryView("committee-meeting-create-form", "committee:meeting_create", COORDINATOR_ONLY),
    TerritoryView(
        "committee-meeting-create",
        "committee:meeting_create",
        COORDINATOR_POSTS,
        method="POST",
        data=lambda w: {**meeting_data(w), "date": "2026-06-18"},
    ),
    TerritoryView(
        "committee-meeting-detail",
        "committee:meeting_detail",
        _only(READERS, FORBIDDEN),
        kwargs=lambda w: {"pk": _objects(w).meeting.pk},
        foreign_kwargs=lambda w: {"pk": _objects(w).foreign_meeting.pk},
    ),
    TerritoryView(
        "committee-meeting-update-form",
        "committee:meeting_update",
        COORDINATOR_ONLY,
        kwargs=lambda w: {"pk": _objects(w).meeting.pk},
        foreign_kwargs=lambda w: {"pk": _objects(w).foreign_meeting.pk},
    ),
    TerritoryView(
        "committee-meeting-update",
        "committee:meeting_update",
        COORDINATOR_POSTS,
        method="POST",
        kwargs=lambda w: {"pk": _objects(w).meeting.pk},
        foreign_kwargs=lambda w: {"pk": _objects(w).foreign_meeting.pk},
        data=lambda w: {**meeting_data(w), "minutes": "Bilan adopté à l'unanimité."},
    ),
]
