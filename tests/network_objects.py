"""Objects of the network pages (inclusion employers, resources, partners) for the authorization suite's world.

Resources carry a real file: the test session's ``MEDIA_ROOT`` is a temporary folder (``tests/conftest.py``).
"""

from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.enums import Role
from facilitators.enums import DocumentKind, InclusionEmployerKind, Sector
from facilitators.models import InclusionEmployerCommune, InclusionEmployerSector, Resource
from observatory.enums import PartnerKind
from observatory.models import Partner, PartnerMeeting
from tests.facilitators.factories import InclusionEmployerFactory
from tests.territories.factories import CommuneFactory, DepartmentFactory
from tests.utils import siret_sequence

PDF_BYTES = b"%PDF-1.4\n% Document de test\n%%EOF\n"


def valid_siret(n):
    """The n-th valid SIRET typed by hand in a test (a range of its own, apart from the factories' sequences)."""
    return siret_sequence(40_000_000 + n)


@dataclass
class NetworkObjects:
    employer: object
    foreign_employer: object
    resource: object
    foreign_resource: object
    partner: object
    foreign_partner: object


def make_resource(territory, user, title="Guide des clauses sociales", content=PDF_BYTES, name="guide.pdf"):
    resource = Resource(territory=territory, title=title, kind=DocumentKind.GUIDE, uploaded_by=user)
    resource.file.save(name, ContentFile(content), save=False)
    resource.save()
    return resource


def build_network_objects(territory, other_territory, members, foreign_members, buyer):
    montpellier = CommuneFactory(insee_code="34172", name="Montpellier", department=DepartmentFactory(code="34"))
    employer = InclusionEmployerFactory(
        territory=territory,
        name="Envie Hérault",
        kind=InclusionEmployerKind.EI,
        siret=valid_siret(1),
        commune=montpellier,
    )
    InclusionEmployerSector.objects.create(territory=territory, employer=employer, sector=Sector.WASTE)
    InclusionEmployerCommune.objects.create(territory=territory, employer=employer, commune=montpellier)
    foreign_employer = InclusionEmployerFactory(territory=other_territory, name="ACI du Vexin", siret=valid_siret(2))

    coordinator = members[Role.COORDINATOR].user
    resource = make_resource(territory, coordinator)
    foreign_resource = make_resource(other_territory, foreign_members[Role.COORDINATOR].user, title="Guide du 95")

    partner = Partner.objects.create(territory=territory, name="Ville de Sète", kind=PartnerKind.BUYER, buyer=buyer)
    PartnerMeeting.objects.create(
        territory=territory, partner=partner, date=date(2026, 3, 10), topic="Clauses 2026", recorded_by=coordinator
    )
    foreign_partner = Partner.objects.create(
        territory=other_territory, name="FFB Val-d'Oise", kind=PartnerKind.FEDERATION
    )
    return NetworkObjects(
        employer=employer,
        foreign_employer=foreign_employer,
        resource=resource,
        foreign_resource=foreign_resource,
        partner=partner,
        foreign_partner=foreign_partner,
    )


def employer_post_data(world, siret=None):
    return {
        "name": "Envie Hérault",
        "kind": InclusionEmployerKind.EI,
        "siret": siret or world.network.employer.siret,
        "email": "contact@envie34.example.org",
        "phone": "",
        "address": "",
        "commune": "34172",
        "website": "",
        "sectors": [Sector.WASTE, Sector.CLEANING],
        "communes": ["34172"],
    }


def resource_post_data(world):
    return {
        "title": "Clause type travaux",
        "kind": DocumentKind.MODEL_CLAUSE,
        "description": "",
        "file": SimpleUploadedFile("clause.pdf", PDF_BYTES, content_type="application/pdf"),
    }


def partner_post_data(world, name="Fédération du BTP de l'Hérault"):
    return {
        "name": name,
        "kind": PartnerKind.FEDERATION,
        "buyer": "",
        "contact_name": "",
        "email": "",
        "phone": "",
        "is_active": "on",
    }


def meeting_post_data(world):
    return {
        "date": "2026-04-02",
        "partner": world.network.partner.pk,
        "attendees": "",
        "topic": "Point sur les clauses",
        "follow_up": "",
        "follow_up_due": "",
    }
