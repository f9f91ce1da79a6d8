import factory

from facilitators.enums import InclusionEmployerKind, OrganisationKind
from facilitators.models import Facilitator, FacilitatorOrganisation, InclusionEmployer
from tests.territories.factories import TerritoryFactory
from tests.utils import siret_sequence


class FacilitatorOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilitatorOrganisation

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"PLIE n°{n}")
    kind = OrganisationKind.PLIE
    email = factory.Sequence(lambda n: f"contact{n}@plie.example.org")


class FacilitatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facilitator

    territory = factory.SubFactory(TerritoryFactory)
    organisation = factory.SubFactory(FacilitatorOrganisationFactory, territory=factory.SelfAttribute("..territory"))
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"facilitateur{n}@plie.example.org")


class InclusionEmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InclusionEmployer

    territory = factory.SubFactory(TerritoryFactory)
    name = factory.Sequence(lambda n: f"Entreprise d'insertion {n}")
    kind = InclusionEmployerKind.ETTI
    siret = factory.Sequence(lambda n: siret_sequence(700000 + n))
