from django import forms
from django.contrib.auth import password_validation
from dsfr.forms import DsfrBaseForm

from .enums import Role
from .models import Membership, User
from .roles import organisation_link, roles_with_organisation


class InvitationForm(DsfrBaseForm):
    """A coordinator invites a person by e-mail, with a role and, for some roles, their organisation."""

    email = forms.EmailField(label="Adresse e-mail")
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)
    organisation = forms.ChoiceField(
        label="Organisation",
        required=False,
        help_text="Obligatoire pour un facilitateur (sa structure), un donneur d'ordre ou une entreprise.",
    )

    def __init__(self, *args, territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        choices = [("", "—")]
        for role, link in roles_with_organisation().items():
            group = [(f"{role}:{org.pk}", str(org)) for org in link.organisations(territory)]
            choices.append((f"{Role(role).label}", group))
        self.fields["organisation"].choices = choices

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        existing = Membership.objects.in_territory(self.territory).filter(is_active=True)
        if existing.filter(user__email__iexact=email).exists():
            raise forms.ValidationError("Cette personne est déjà membre de la coordination.")
        if existing.pending().filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "Une invitation est déjà en attente pour cette adresse : renvoyez-la depuis la liste des membres."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        link = organisation_link(role) if role else None
        value = cleaned.get("organisation") or ""
        cleaned["organisation_object"] = None
        if link is None:
            if value:
                self.add_error("organisation", "Ce rôle n'est rattaché à aucune organisation : laissez ce champ vide.")
            return cleaned
        org_role, _, pk = value.partition(":")
        if not value or org_role != role:
            self.add_error("organisation", f"Choisissez l'organisation de la personne ({Role(role).label}).")
            return cleaned
        organisation = link.organisations(self.territory).filter(pk=pk).first()
        if organisation is None:
            self.add_error("organisation", "Organisation inconnue.")
        cleaned["organisation_object"] = organisation
        return cleaned


class AcceptInvitationForm(DsfrBaseForm):
    """A new person sets their name and password to accept an invitation."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe",
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe", widget=forms.PasswordInput(render_value=False), strip=False
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif p1:
            candidate = User(
                email=self.email, first_name=cleaned.get("first_name", ""), last_name=cleaned.get("last_name", "")
            )
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
