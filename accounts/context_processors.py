from django.conf import settings


def site(request):
    """Site-wide template context; costs no query (the territory switcher reads the memberships lazily)."""
    user = getattr(request, "user", None)

    def memberships():
        if user is None or not user.is_authenticated:
            return []
        return list(user.memberships.active().select_related("territory").order_by("territory__code"))

    return {
        "SITE_CONFIG": {"site_title": settings.SITE_TITLE, "site_tagline": settings.SITE_TAGLINE},
        "territory": getattr(request, "territory", None),
        "membership": getattr(request, "membership", None),
        "user_memberships": memberships,
    }
