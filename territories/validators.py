from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siret


def validate_siret(value):
    """A SIRET is 14 digits with a valid Luhn checksum (La Poste's special case included, via python-stdnum)."""
    if not value:
        return
    try:
        siret.validate(value)
    except StdnumValidationError as exc:
        raise ValidationError(
            "Le SIRET « %(value)s » n'est pas valide : il faut 14 chiffres avec une clé de contrôle correcte.",
            code="invalid_siret",
            params={"value": value},
        ) from exc


def normalize_siret(value):
    return siret.compact(value or "")
