from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.enums import Role
from accounts.models import Membership, User
from tests.territories.factories import TerritoryFactory

PASSWORD = "mot-de-passe-de-test-1234"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    """An accepted membership; the ``pending`` trait makes an invitation not yet accepted."""

    class Meta:
        model = Membership

    territory = factory.SubFactory(TerritoryFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.COORDINATOR
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "invite@example.org")
    accepted_at = factory.LazyFunction(timezone.now)

    class Params:
        pending = factory.Trait(
            user=None,
            accepted_at=None,
            email=factory.Sequence(lambda n: f"invite{n}@example.org"),
            invitation_expires_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=14)),
        )
