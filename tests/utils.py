from stdnum import luhn


def siret_sequence(n):
    """A valid, distinct SIRET for the n-th object (14 digits, Luhn checksum)."""
    body = f"{n:013d}"
    return body + luhn.calc_check_digit(body)
