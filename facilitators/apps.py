from django.apps import AppConfig


class FacilitatorsConfig(AppConfig):
    name = "facilitators"
    verbose_name = "Facilitateurs"

    def ready(self):
        from accounts.enums import Role
        from accounts.roles import OrganisationLink, register

        from .models import Facilitator, FacilitatorOrganisation

        def link(membership, organisation):
            Facilitator.objects.create(
                territory_id=membership.territory_id,
                organisation=organisation,
                membership=membership,
                first_name=membership.first_name or membership.email.split("@")[0],
                last_name=membership.last_name,
                email=membership.email,
            )

        register(
            OrganisationLink(
                role=Role.FACILITATOR,
                label="Structure porteuse",
                organisations=lambda territory: FacilitatorOrganisation.objects.in_territory(territory),
                link=link,
                organisation_of=lambda m: getattr(getattr(m, "facilitator", None), "organisation", None),
            )
        )
