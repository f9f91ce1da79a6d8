import datetime

import factory

from observatory.enums import College
from observatory.models import CommitteeAttendance, CommitteeMeeting, CommitteeMember
from tests.accounts.factories import UserFactory
from tests.territories.factories import TerritoryFactory


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Membre n°{n}")
    organisation = "Préfecture de l'Hérault"
    college = College.STATE


class CommitteeMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMeeting

    territory = factory.SubFactory(TerritoryFactory)
    date = datetime.date(2026, 3, 10)
    title = "Comité départemental"
    agenda = "Bilan de l'année"
    recorded_by = factory.SubFactory(UserFactory)


class CommitteeAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeAttendance

    territory = factory.SubFactory(TerritoryFactory)
    meeting = factory.SubFactory(CommitteeMeetingFactory, territory=factory.SelfAttribute("..territory"))
    member = factory.SubFactory(CommitteeMemberFactory, territory=factory.SelfAttribute("..territory"))
