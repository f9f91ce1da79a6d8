from django.apps import AppConfig


class MarketsConfig(AppConfig):
    name = "markets"
    verbose_name = "Marchés"

    def ready(self):
        from accounts.enums import Role
        from accounts.roles import OrganisationLink, register

        from .models import Buyer, BuyerMember, Company, CompanyMember

        register(
            OrganisationLink(
                role=Role.BUYER,
                label="Donneur d'ordre",
                organisations=lambda territory: Buyer.objects.in_territory(territory),
                link=lambda m, buyer: BuyerMember.objects.create(
                    territory_id=m.territory_id, buyer=buyer, membership=m
                ),
                organisation_of=lambda m: getattr(getattr(m, "buyer_member", None), "buyer", None),
            )
        )
        register(
            OrganisationLink(
                role=Role.COMPANY,
                label="Entreprise",
                organisations=lambda territory: Company.objects.in_territory(territory),
                link=lambda m, company: CompanyMember.objects.create(
                    territory_id=m.territory_id, company=company, membership=m
                ),
                organisation_of=lambda m: getattr(getattr(m, "company_member", None), "company", None),
            )
        )
