"""The upload form of a DECP file."""

from django import forms
from dsfr.forms import DsfrBaseForm

from .decp import MAX_FILE_BYTES


class DecpUploadForm(DsfrBaseForm):
    file = forms.FileField(
        label="Fichier DECP (JSON)",
        help_text=(
            "Données essentielles de la commande publique au format JSON (schéma 2.x), telles que téléchargées sur "
            "data.gouv.fr ou le profil d'acheteur ; 50 Mo au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
        error_messages={
            "required": "Choisissez le fichier DECP à importer.",
            "empty": "Le fichier est vide.",
            "invalid": "Aucun fichier n'a été reçu : choisissez-le de nouveau.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if name.endswith((".xml", ".csv", ".xlsx", ".xls")):
            raise forms.ValidationError(
                "Seul le format JSON des DECP est accepté : téléchargez la version JSON du fichier."
            )
        if not name.endswith(".json"):
            raise forms.ValidationError("Déposez un fichier JSON (.json) des données essentielles des marchés.")
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                "Le fichier dépasse 50 Mo : téléchargez les DECP de votre seul département, "
                "ou d'une période plus courte."
            )
        return upload
