from stdnum import luhn


def siret_sequence(n):
    """A valid, distinct SIRET for the n-th object (n < 10⁸), as ``territories.validators.validate_siret`` wants it:
    the SIREN (8 digits of ``n`` and a Luhn key) followed by establishment 0001 and the Luhn key of the 14 digits."""
    siren = f"{n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)
