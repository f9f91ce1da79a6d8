class TerritoryCodeConverter:
    """An INSEE département code in a URL: two digits, 2A/2B, or 97x. Anything else is not a territory URL."""

    regex = r"(?:[0-9]{2}|2[abAB]|97[0-9])"

    def to_python(self, value):
        return value.upper()

    def to_url(self, value):
        return str(value)
