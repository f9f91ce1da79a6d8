from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from .enums import Role
from .forms import AcceptInvitationForm, InvitationForm
from .middleware import SESSION_TERRITORY_KEY
from .mixins import TerritoryMixin
from .models import Membership, RegionalAccess, User
from .roles import organisation_link


def home(request):
    """``/``: the user's current territory, or the choice between their territories (and regions, for a regional
    role: a user with only one region and no territory goes straight to its observatory)."""
    memberships = list(request.user.memberships.active().select_related("territory").order_by("territory__code"))
    regions = list(
        RegionalAccess.objects.filter(user=request.user, is_active=True)
        .select_related("region")
        .order_by("region__name")
    )
    if regions:
        if not memberships and len(regions) == 1:
            return redirect("regional:indicators", region_code=regions[0].region_id)
        return render(request, "accounts/choose_territory.html", {"memberships": memberships, "regions": regions})
    if not memberships:
        return render(request, "accounts/no_territory.html", status=200)
    preferred = request.session.get(SESSION_TERRITORY_KEY)
    for membership in memberships:
        if membership.territory.code == preferred or len(memberships) == 1:
            return redirect("home", territory_code=membership.territory.code)
    return render(request, "accounts/choose_territory.html", {"memberships": memberships, "regions": []})


def send_invitation(request, membership, token):
    url = request.build_absolute_uri(reverse("accept_invitation", kwargs={"token": token}))
    context = {
        "membership": membership,
        "url": url,
        "inviter": request.user,
        "validity_days": settings.INVITATION_VALIDITY_DAYS,
    }
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Invitation — {membership.territory}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[membership.email],
    )


class MemberListView(TerritoryMixin, ListView):
    allowed_roles = {Role.COORDINATOR}
    template_name = "accounts/member_list.html"
    context_object_name = "members"

    def get_queryset(self):
        return (
            self.visible(Membership)
            .filter(is_active=True)
            # The reverse one-to-one links to each role's organisation, for the "Organisation" column without N+1.
            .select_related(
                "user",
                "invited_by",
                "facilitator__organisation",
                "buyer_member__buyer",
                "company_member__company",
            )
            # Accepted members first, then pending invitations (ordering by "user__isnull" is not a valid lookup).
            .order_by(
                ExpressionWrapper(Q(user__isnull=True), output_field=BooleanField()), "role", "last_name", "email"
            )
        )


class InviteView(TerritoryMixin, FormView):
    allowed_roles = {Role.COORDINATOR}
    template_name = "accounts/invite.html"
    form_class = InvitationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.territory}

    def form_valid(self, form):
        data = form.cleaned_data
        membership = Membership(
            territory=self.territory,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            invited_by=self.request.user,
        )
        token = membership.new_invitation_token()
        membership.save()
        link = organisation_link(membership.role)
        if link is not None:
            link.link(membership, data["organisation_object"])
        transaction.on_commit(lambda: send_invitation(self.request, membership, token))
        messages.success(self.request, f"Invitation envoyée à {membership.email}.")
        return redirect("members", territory_code=self.territory.code)


@require_POST
def resend_invitation(request, territory_code, pk):
    if not request.membership.is_coordinator:
        raise Http404
    membership = Membership.objects.visible_to(request.membership).pending().filter(pk=pk).first()
    if membership is None:
        raise Http404
    token = membership.new_invitation_token()
    membership.save(update_fields=["invitation_token_hash", "invitation_expires_at"])
    transaction.on_commit(lambda: send_invitation(request, membership, token))
    messages.success(request, f"Invitation renvoyée à {membership.email}.")
    return redirect("members", territory_code=request.territory.code)


@require_POST
def revoke_membership(request, territory_code, pk):
    if not request.membership.is_coordinator:
        raise Http404
    membership = get_object_or_404(Membership.objects.visible_to(request.membership).filter(is_active=True), pk=pk)
    if membership.pk == request.membership.pk:
        messages.error(request, "Vous ne pouvez pas retirer votre propre accès.")
        return redirect("members", territory_code=request.territory.code)
    membership.is_active = False
    membership.invitation_token_hash = ""
    membership.save(update_fields=["is_active", "invitation_token_hash"])
    messages.success(request, f"Accès retiré à {membership.display_name}.")
    return redirect("members", territory_code=request.territory.code)


@login_not_required
def accept_invitation(request, token):
    membership = Membership.find_invitation(token)
    if membership is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=membership.email).first()
    if existing is not None:
        # An existing account: the invitee logs in as that account, then the invitation is attached to it.
        if not request.user.is_authenticated:
            messages.info(request, "Vous avez déjà un compte : connectez-vous pour accepter l'invitation.")
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if request.user.pk != existing.pk:
            return render(request, "accounts/invitation_other_account.html", {"invitation": membership}, status=403)
        if request.method == "POST":
            _accept(request, membership, existing)
            return redirect("home", territory_code=membership.territory.code)
        return render(request, "accounts/accept_existing.html", {"invitation": membership})

    form = AcceptInvitationForm(
        request.POST or None,
        email=membership.email,
        initial={"first_name": membership.first_name, "last_name": membership.last_name},
    )
    if request.method == "POST" and form.is_valid():
        user = User.objects.create_user(
            email=membership.email,
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        # The invitation link reached this mailbox: the address is verified.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        _accept(request, membership, user)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home", territory_code=membership.territory.code)
    return render(request, "accounts/accept_invitation.html", {"invitation": membership, "form": form})


def _accept(request, membership, user):
    if Membership.objects.in_territory(membership.territory).filter(user=user, is_active=True).exists():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        messages.warning(request, "Vous étiez déjà membre de cette coordination : votre rôle actuel est conservé.")
        return
    membership.accept(user)
    messages.success(request, f"Bienvenue dans la coordination {membership.territory} !")
