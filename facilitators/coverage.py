"""Coverage of a territory by its facilitator organisations: which communes of the département are covered, by whom,
where organisations overlap, and the white zones (communes no one covers).

An organisation covers a commune it is assigned (``CoverageArea.commune``), and every member commune *of the
département* of an EPCI it is assigned (``CoverageArea.epci``): an EPCI spanning two départements covers only its
communes of the territory's. Everything is computed in Python from three queries (the département's communes, the
territory's coverage areas, its organisations), whatever the number of communes: no query per commune or per
organisation.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.html import format_html_join

from territories.models import Commune, CommuneOutline

from .models import CoverageArea, FacilitatorOrganisation

COVERED = "covered"
OVERLAP = "overlap"
WHITE_ZONE = "white-zone"
STATUS_LABELS = {
    COVERED: "Couverte",
    OVERLAP: "Couverte par plusieurs structures",
    WHITE_ZONE: "Zone blanche",
}
STATUS_ORDER = {COVERED: 0, OVERLAP: 1, WHITE_ZONE: 2}
NO_EPCI = "Communes hors EPCI"


@dataclass
class CommuneCoverage:
    """One commune of the département and the organisations covering it (sorted by name)."""

    insee_code: str
    name: str
    population: int
    epci_id: str | None
    epci_name: str
    organisations: list = field(default_factory=list)

    @property
    def status(self):
        if not self.organisations:
            return WHITE_ZONE
        return OVERLAP if len(self.organisations) > 1 else COVERED

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def is_covered(self):
        return bool(self.organisations)

    @property
    def is_overlap(self):
        return len(self.organisations) > 1

    @property
    def is_white_zone(self):
        return not self.organisations

    @property
    def label(self):
        return f"{self.name} ({self.insee_code})"

    @property
    def description(self):
        """``"Sète (34301) : Couverte (PLIE …)"``: name, status and organisations, for the map's tooltips."""
        names = ", ".join(organisation.name for organisation in self.organisations)
        return f"{self.label} : {self.status_label}" + (f" ({names})" if names else "")


@dataclass
class EpciGroup:
    """Communes of one EPCI (or of none), in name order."""

    siren: str | None
    name: str
    communes: list

    @property
    def white_zone_count(self):
        return sum(1 for commune in self.communes if commune.is_white_zone)

    @property
    def text(self):
        """``"Agde (34003), Bessan (34031), …"``: the communes in one string (a long list renders fast)."""
        return ", ".join(commune.label for commune in self.communes)

    def status_groups(self):
        """The communes by status and covering organisations: covered (one group per organisation), overlaps, white
        zones; a compact list in words, so that the status never depends on a colour."""
        groups = {}
        for commune in self.communes:
            key = (STATUS_ORDER[commune.status], tuple(o.name for o in commune.organisations))
            if key not in groups:
                groups[key] = StatusGroup(commune.status, commune.organisations, [])
            groups[key].communes.append(commune)
        return [groups[key] for key in sorted(groups)]


@dataclass
class StatusGroup:
    status: str
    organisations: list
    communes: list

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def text(self):
        return ", ".join(commune.label for commune in self.communes)


@dataclass
class AreaCoverage:
    """One assignment of an organisation, with the communes of the département it brings."""

    area: CoverageArea
    commune_codes: list

    @property
    def is_epci(self):
        return self.area.epci_id is not None

    @property
    def label(self):
        if self.is_epci:
            return f"{self.area.epci.name} (EPCI)"
        return f"{self.area.commune.name} ({self.area.commune_id})"

    @property
    def commune_count(self):
        return len(self.commune_codes)

    @property
    def outside_department(self):
        """True for an assignment that covers no commune of the département (a commune of another one)."""
        return not self.commune_codes


@dataclass
class OrganisationCoverage:
    organisation: FacilitatorOrganisation
    areas: list  # AreaCoverage: EPCI first, then communes, by name
    commune_codes: set
    population: int

    @property
    def commune_count(self):
        return len(self.commune_codes)

    @property
    def epci_areas(self):
        return [area for area in self.areas if area.is_epci]

    @property
    def commune_areas(self):
        return [area for area in self.areas if not area.is_epci]


@dataclass
class Coverage:
    territory: object
    communes: list  # CommuneCoverage, by name
    organisations: list  # OrganisationCoverage, by organisation name
    by_code: dict = field(init=False, repr=False)

    def __post_init__(self):
        self.by_code = {commune.insee_code: commune for commune in self.communes}

    @property
    def covered(self):
        return [commune for commune in self.communes if commune.is_covered]

    @property
    def overlaps(self):
        return [commune for commune in self.communes if commune.is_overlap]

    @property
    def white_zones(self):
        return [commune for commune in self.communes if commune.is_white_zone]

    @property
    def commune_count(self):
        return len(self.communes)

    @property
    def covered_count(self):
        return sum(1 for commune in self.communes if commune.is_covered)

    @property
    def overlap_count(self):
        return sum(1 for commune in self.communes if commune.is_overlap)

    @property
    def white_zone_count(self):
        return self.commune_count - self.covered_count

    @property
    def population(self):
        return sum(commune.population for commune in self.communes)

    @property
    def covered_population(self):
        return sum(commune.population for commune in self.communes if commune.is_covered)

    @property
    def covered_population_share(self):
        """Share of the population covered, in % (one decimal), or None without population figures."""
        total = self.population
        return round(100 * self.covered_population / total, 1) if total else None

    def epci_groups(self, communes=None):
        """``communes`` (all by default) grouped by EPCI, EPCI by name, the communes without one last."""
        groups = {}
        for commune in self.communes if communes is None else communes:
            key = commune.epci_id
            if key not in groups:
                groups[key] = EpciGroup(key, commune.epci_name if key else NO_EPCI, [])
            groups[key].communes.append(commune)
        return sorted(groups.values(), key=lambda group: (group.siren is None, group.name.lower()))

    def white_zones_by_epci(self):
        return self.epci_groups(self.white_zones)

    def epcis(self):
        """(siren, name, number of communes in the département) of the EPCI present in the département, by name."""
        return [(group.siren, group.name, len(group.communes)) for group in self.epci_groups() if group.siren]

    def organisations_covering(self, insee_code):
        commune = self.by_code.get(insee_code)
        return list(commune.organisations) if commune else []


def department_code(territory):
    return territory.department_id or territory.code


def department_communes(territory):
    """The département's communes as ``CommuneCoverage`` rows (nobody covering them yet): one query."""
    rows = (
        Commune.objects.filter(department_id=department_code(territory))
        .order_by("name", "insee_code")
        .values_list("insee_code", "name", "population", "epci_id", "epci__name")
    )
    return [
        CommuneCoverage(code, name, population or 0, epci_id, epci_name or "")
        for code, name, population, epci_id, epci_name in rows
    ]


def compute_coverage(territory, *, areas, organisations):
    """The coverage of ``territory``.

    ``areas`` and ``organisations`` are the territory's ``CoverageArea`` and ``FacilitatorOrganisation`` querysets (or
    lists), already scoped by the caller (``visible_to(membership)``, or ``in_territory(territory)`` for a public page);
    organisations may carry prefetched relations, which are kept. Costs three queries at most (communes, areas,
    organisations when a queryset is given).
    """
    communes = department_communes(territory)
    by_code = {commune.insee_code: commune for commune in communes}
    by_epci = defaultdict(list)
    for commune in communes:
        if commune.epci_id:
            by_epci[commune.epci_id].append(commune.insee_code)

    if hasattr(areas, "select_related"):
        areas = areas.select_related("commune", "epci")
    areas_by_organisation = defaultdict(list)
    for area in areas:
        codes = list(by_epci.get(area.epci_id, [])) if area.epci_id else []
        if area.commune_id and area.commune_id in by_code:
            codes = [area.commune_id]
        areas_by_organisation[area.organisation_id].append(AreaCoverage(area, codes))

    result = []
    for organisation in organisations:
        org_areas = sorted(
            areas_by_organisation.get(organisation.pk, []), key=lambda a: (not a.is_epci, a.label.lower())
        )
        codes = {code for area in org_areas for code in area.commune_codes}
        for code in codes:
            by_code[code].organisations.append(organisation)
        population = sum(by_code[code].population for code in codes)
        result.append(OrganisationCoverage(organisation, org_areas, codes, population))
    result.sort(key=lambda item: item.organisation.name.lower())
    for commune in communes:
        commune.organisations.sort(key=lambda organisation: organisation.name.lower())
    return Coverage(territory, communes, result)


def territory_coverage(territory):
    """The coverage of ``territory`` from all its rows, for tasks, commands and the public directory."""
    return compute_coverage(
        territory,
        areas=CoverageArea.objects.in_territory(territory),
        organisations=FacilitatorOrganisation.objects.in_territory(territory),
    )


def coverage_visible_to(membership):
    """The coverage of the membership's territory, from the rows the member may see."""
    return compute_coverage(
        membership.territory,
        areas=CoverageArea.objects.visible_to(membership),
        organisations=FacilitatorOrganisation.objects.visible_to(membership),
    )


# Finding a commune by name or code -----------------------------------------------------------------------------

_CODE_IN_TEXT = re.compile(r"\((\d[\dAB]\d{3})\)\s*$")
_CODE_PREFIX = re.compile(r"^\d[\dAB]?\d{0,3}$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def normalise_name(text):
    """Accents, case, hyphens and apostrophes ignored; "St" read as "Saint": ``"St-Guilhem"`` -> ``"saint guilhem"``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def find_communes(query, communes):
    """The communes of ``communes`` (``CommuneCoverage`` rows) matching ``query``, best matches only.

    ``query`` is an INSEE code (``34301``), a code prefix (``343``: the beginning of a postal-like code), a label as
    offered by the lists (``Sète (34301)``) or a name, with or without accents and hyphens: an exact name first, else
    names starting with it, else names containing it.
    """
    query = (query or "").strip()
    if not query:
        return []
    match = _CODE_IN_TEXT.search(query.upper())
    if match:
        return [commune for commune in communes if commune.insee_code == match.group(1)]
    if _CODE_PREFIX.match(query.upper()):
        code = query.upper()
        return [commune for commune in communes if commune.insee_code.startswith(code)]
    wanted = normalise_name(query)
    if not wanted:
        return []
    names = [(normalise_name(commune.name), commune) for commune in communes]
    for test in (str.__eq__, str.startswith, str.__contains__):
        found = [commune for name, commune in names if test(name, wanted)]
        if found:
            return found
    return []


def datalist_options(communes):
    """The ``<option>`` elements of a ``<datalist>`` suggesting ``communes`` as ``Nom (code)``, built in Python: a
    département has up to ~900 communes, too many for a template loop on every page view."""
    return format_html_join("", '<option value="{}"></option>', ((commune.label,) for commune in communes))


# The map --------------------------------------------------------------------------------------------------------


@dataclass
class MapShape:
    commune: CommuneCoverage
    path: str


@dataclass
class CoverageMap:
    view_box: str
    width: float
    height: float
    shapes: list  # MapShape, in name order
    missing: list  # CommuneCoverage without an outline

    @property
    def is_complete(self):
        return not self.missing

    @property
    def pattern_size(self):
        """Size of the hatching and dot patterns, in map units: about 1/120 of the map's larger side."""
        return round(max(self.width, self.height) / 120, 1)

    @property
    def half_pattern(self):
        """Width of a hatch line, and centre of a dot, in map units."""
        return round(self.pattern_size / 2, 2)

    @property
    def dot_radius(self):
        return round(self.pattern_size * 0.22, 2)


MAP_MARGIN = 0.02  # share of the larger side added around the communes


def coverage_map(coverage):
    """The SVG map of ``coverage`` from the stored outlines of the département's communes (one query), or None when
    none of them has an outline."""
    rows = CommuneOutline.objects.filter(commune__department_id=department_code(coverage.territory)).values_list(
        "commune_id", "path", "min_x", "min_y", "max_x", "max_y"
    )
    bounds, paths = [], {}
    for code, path, min_x, min_y, max_x, max_y in rows:
        if code in coverage.by_code:
            paths[code] = path
            bounds.append((min_x, min_y, max_x, max_y))
    if not paths:
        return None
    shapes = [
        MapShape(commune, paths[commune.insee_code]) for commune in coverage.communes if commune.insee_code in paths
    ]
    missing = [commune for commune in coverage.communes if commune.insee_code not in paths]
    min_x = min(b[0] for b in bounds)
    min_y = min(b[1] for b in bounds)
    max_x = max(b[2] for b in bounds)
    max_y = max(b[3] for b in bounds)
    margin = max(max_x - min_x, max_y - min_y, 1.0) * MAP_MARGIN
    width, height = max_x - min_x + 2 * margin, max_y - min_y + 2 * margin
    view_box = f"{min_x - margin:.1f} {min_y - margin:.1f} {width:.1f} {height:.1f}"
    return CoverageMap(view_box, round(width, 1), round(height, 1), shapes, missing)
