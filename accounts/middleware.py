from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from .models import Membership

SESSION_TERRITORY_KEY = "territory_code"


class TerritoryMiddleware:
    """Resolves the territory of ``/<territory>/…`` URLs and the user's membership of it, once per request.

    An unknown territory, or one the user is not a member of, is a 404: nothing confirms it exists.
    Views read ``request.territory`` and ``request.membership`` and never derive them again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.territory = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        code = view_kwargs.get("territory_code")
        if code is None:
            return None
        if not request.user.is_authenticated:
            return None  # LoginRequiredMiddleware or the public view decides.
        membership = (
            Membership.objects.active()
            .select_related("territory", "user")
            .filter(user=request.user, territory__code=code.upper(), territory__is_active=True)
            .first()
        )
        if membership is None:
            raise Http404("Coordination inconnue.")
        request.membership = membership
        request.territory = membership.territory
        if request.session.get(SESSION_TERRITORY_KEY) != membership.territory.code:
            request.session[SESSION_TERRITORY_KEY] = membership.territory.code
        return None


class CoordinatorMFAMiddleware:
    """In production, a coordinator must set up TOTP two-factor authentication before using a territory."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        membership = getattr(request, "membership", None)
        if not settings.MFA_REQUIRED_FOR_COORDINATORS or membership is None or not membership.is_coordinator:
            return None
        if request.session.get("mfa_ok_user") == request.user.pk:
            return None
        from allauth.mfa.models import Authenticator

        if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
            request.session["mfa_ok_user"] = request.user.pk
            return None
        return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
