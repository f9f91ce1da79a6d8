"""Import of DECP files (données essentielles de la commande publique, schema 2.x, JSON).

A coordinator uploads a DECP file; the territory's contracts carrying a social consideration become markets, with
their buyer and holders matched (or created) by SIRET. Real files are dirty: every contract that cannot be imported
is skipped with its position in the file and a reason in French, never a crash. A file that cannot be read at all
raises ``DecpFileError`` (its message is shown to the coordinator).

Two phases: ``parse`` reads and checks the file without writing anything (it may report its progress); ``write``
turns the kept contracts into markets, inside the caller's transaction. ``run_import`` chains them for the task.

Identifiers: a contract's ``id`` is only unique for its buyer, so a market's ``decp_id`` is the contract's unique
identifier in the consolidated open data, ``uid`` = the buyer's SIRET followed by the ``id`` (taken from the file when
it gives one); the market's ``reference`` is the ``id``. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siret as stdnum_siret

from territories.models import Commune

from .enums import AwardRole, BuyerKind, ImportStatus, MarketStatus, Procedure, SocialConsideration
from .models import Buyer, Company, DecpImport, Lot, LotAward, Market

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_AMOUNT = Decimal("10000000000")  # 10 billion euros: anything above is a typo (cents, extra zeros…)
MAX_DURATION_MONTHS = 600  # 50 years
MIN_YEAR = 1990
# A national file lists thousands of contracts of other départements: only the first ones are listed one by one.
MAX_LISTED_OUT_OF_TERRITORY = 200
PROGRESS_STEP = 500  # contracts between two progress reports

OBJECT_MAX_LENGTH = Market._meta.get_field("object").max_length
REFERENCE_MAX_LENGTH = Market._meta.get_field("reference").max_length
DECP_ID_MAX_LENGTH = Market._meta.get_field("decp_id").max_length
NAME_MAX_LENGTH = Buyer._meta.get_field("name").max_length
LOT_TITLE_MAX_LENGTH = Lot._meta.get_field("title").max_length
CPV_PATTERN = re.compile(r"^\d{8}(-\d)?$")
DATE_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class DecpFileError(Exception):
    """The file cannot be read as a DECP file: the whole import fails with this (French) message."""


# --- Reasons a contract is skipped (stable codes for tests and the report, French text for people) -------------


class Skip(Exception):
    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


OUT_OF_TERRITORY = "out_of_territory"


@dataclass(frozen=True)
class Holder:
    siret: str
    name: str = ""


@dataclass
class Contract:
    """A contract of the file kept for import, its values already checked and converted."""

    position: int
    decp_id: str
    reference: str
    buyer_siret: str
    buyer_name: str
    object: str
    cpv_code: str
    procedure: str
    amount_ht: Decimal
    notification_date: date
    duration_months: int
    commune_code: str | None
    social_consideration: str
    holders: list[Holder] = field(default_factory=list)


@dataclass
class ParseResult:
    total: int = 0
    contracts: list[Contract] = field(default_factory=list)
    report: list[dict] = field(default_factory=list)  # skipped contracts listed one by one
    skipped_count: int = 0
    out_of_territory: int = 0

    def skip(self, position, reference, buyer_siret, code, reason):
        self.skipped_count += 1
        if code == OUT_OF_TERRITORY:
            self.out_of_territory += 1
            if self.out_of_territory > MAX_LISTED_OUT_OF_TERRITORY:
                return
        self.report.append(
            {"position": position, "id": reference, "buyer": buyer_siret, "code": code, "reason": reason}
        )


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --- Small converters ----------------------------------------------------------------------------------------------


def _text(value):
    """A scalar as stripped text ('' for anything else: null, objects, lists, booleans)."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, (int, float)):
        return str(value)
    return ""


def _shown(value, limit=40):
    """A value as quoted in a reason: short, never empty."""
    text = _text(value) if not isinstance(value, (dict, list)) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        text = "true" if value else "false"
    if not text:
        text = "vide"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _folded(value):
    """Lower case, no accents, straight apostrophes, single spaces: to compare vocabulary."""
    text = unicodedata.normalize("NFKD", _text(value).replace("’", "'")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def _list(value):
    """A JSON value as a list: a list as is, a single object or string as a one-item list, nothing as []."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unwrap(item, key):
    """Schema 2.x wraps some items (``{"titulaire": {...}}``); the examples and older files do not."""
    if isinstance(item, dict) and isinstance(item.get(key), dict):
        return item[key]
    return item


def normalize_siret(value):
    """14 digits with a valid checksum (La Poste's special case included), or None."""
    text = _text(value)
    if not text:
        return None
    compact = stdnum_siret.compact(text).replace("-", "")
    try:
        return stdnum_siret.validate(compact)
    except StdnumValidationError:
        return None


def parse_amount(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Skip("amount_missing", "Montant absent.")
    if isinstance(value, (bool, dict, list)):
        raise Skip("amount_invalid", f"Montant « {_shown(value)} » non numérique.")
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Skip("amount_invalid", f"Montant « {_shown(value)} » non numérique.") from None
    if not amount.is_finite():
        raise Skip("amount_invalid", f"Montant « {_shown(value)} » non numérique.")
    if amount <= 0:
        raise Skip("amount_absurd", f"Montant « {_shown(value)} » aberrant : il doit être positif.")
    if amount > MAX_AMOUNT:
        raise Skip("amount_absurd", f"Montant « {_shown(value)} » aberrant : plus de 10 milliards d'euros.")
    return amount.quantize(Decimal("0.01"))


def parse_duration(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Skip("duration_missing", "Durée du marché absente.")
    if isinstance(value, (bool, dict, list)):
        raise Skip("duration_invalid", f"Durée « {_shown(value)} » non renseignée : un nombre de mois est attendu.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise Skip(
            "duration_invalid", f"Durée « {_shown(value)} » non renseignée : un nombre de mois est attendu."
        ) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Skip("duration_invalid", f"Durée « {_shown(value)} » invalide : un nombre entier de mois est attendu.")
    months = int(number)
    if months <= 0:
        raise Skip("duration_invalid", f"Durée « {_shown(value)} » invalide : au moins un mois est attendu.")
    if months > MAX_DURATION_MONTHS:
        raise Skip("duration_absurd", f"Durée « {_shown(value)} » mois aberrante (plus de 50 ans).")
    return months


def parse_date(value, today):
    text = _text(value)
    if not text:
        raise Skip("date_missing", "Date de notification absente.")
    match = DATE_PATTERN.match(text)
    parsed = None
    if match:
        try:
            parsed = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            parsed = None
    if parsed is None:
        raise Skip(
            "date_invalid", f"Date de notification « {_shown(value)} » invalide : le format attendu est AAAA-MM-JJ."
        )
    if parsed.year < MIN_YEAR or parsed.year > today.year + 1:
        raise Skip("date_invalid", f"Date de notification « {_shown(value)} » invalide : année improbable.")
    return parsed


PROCEDURES = {
    "procedure adaptee": Procedure.ADAPTED,
    "appel d'offres ouvert": Procedure.OPEN,
    "appel d'offres restreint": Procedure.RESTRICTED,
    "procedure avec negociation": Procedure.NEGOTIATED,
    "procedure concurrentielle avec negociation": Procedure.NEGOTIATED,
    "procedure negociee avec mise en concurrence prealable": Procedure.NEGOTIATED,
    "dialogue competitif": Procedure.COMPETITIVE_DIALOGUE,
    "marche passe sans publicite ni mise en concurrence prealable": Procedure.NO_COMPETITION,
    "marche negocie sans publicite ni mise en concurrence prealable": Procedure.NO_COMPETITION,
}


def map_procedure(value):
    return PROCEDURES.get(_folded(value), "")


SOCIAL_CONSIDERATIONS = {
    "clause sociale": SocialConsideration.SOCIAL_CLAUSE,
    "critere social": SocialConsideration.SOCIAL_CRITERION,
    "marche reserve": SocialConsideration.RESERVED,
    "pas de consideration sociale": SocialConsideration.NONE,
}
# One value per market: an insertion clause first (what this application follows), then a reservation, then a
# criterion.
SOCIAL_PRIORITY = (
    SocialConsideration.SOCIAL_CLAUSE,
    SocialConsideration.RESERVED,
    SocialConsideration.SOCIAL_CRITERION,
)


def parse_social_consideration(value):
    """``considerationsSociales``: a list (examples), ``{"considerationSociale": [...]}`` (schema 2.x) or a string."""
    if isinstance(value, dict):
        value = value.get("considerationSociale")
    labels = [item for item in _list(value) if _text(item)]
    if not labels:
        raise Skip("no_social", "Aucune considération sociale renseignée.")
    found = {SOCIAL_CONSIDERATIONS.get(_folded(label)) for label in labels}
    for consideration in SOCIAL_PRIORITY:
        if consideration in found:
            return consideration
    if SocialConsideration.NONE in found:
        raise Skip("no_social", "Pas de considération sociale.")
    raise Skip("social_unknown", f"Considération sociale « {_shown(labels[0])} » non reconnue.")


def parse_holders(value):
    """The holders identified by a valid SIRET (other identifiers, such as a foreign VAT number, are left aside)."""
    holders = {}
    for item in _list(value):
        holder = _unwrap(item, "titulaire")
        if not isinstance(holder, dict) or _folded(holder.get("typeIdentifiant")) != "siret":
            continue
        number = normalize_siret(holder.get("id"))
        if number and number not in holders:
            name = _text(holder.get("denominationSociale") or holder.get("nom"))[:NAME_MAX_LENGTH]
            holders[number] = Holder(number, name)
    return list(holders.values())


# --- Place of execution -------------------------------------------------------------------------------------------

POSTAL_PREFIXES = {"2A": ("200", "201"), "2B": ("202", "206")}


@dataclass(frozen=True)
class TerritoryScope:
    """What decides whether a place of execution is in the territory: its département code and communes."""

    code: str
    communes: frozenset

    @classmethod
    def of(cls, territory):
        codes = Commune.objects.filter(department_id=territory.department_id).values_list("insee_code", flat=True)
        return cls(code=territory.code.upper(), communes=frozenset(codes if territory.department_id else ()))

    def locate(self, location):
        """The commune code (or '') of a place of execution in the territory; ``Skip`` when outside or unknown."""
        if not isinstance(location, dict) or not _text(location.get("code")):
            raise Skip("place_missing", "Lieu d'exécution absent : impossible de rattacher le contrat au territoire.")
        code = _text(location["code"]).upper().replace(" ", "")
        kind = _folded(location.get("typeCode"))
        if kind == "code commune":
            if code in self.communes:
                return code
            if code.startswith(self.code) and len(code) == 5:
                return ""
        elif kind == "code postal":
            if code.isdigit() and len(code) == 4:
                code = "0" + code  # a leading zero lost on the way (Ain, Aisne…)
            if len(code) == 5 and code.startswith(POSTAL_PREFIXES.get(self.code, (self.code,))):
                return ""
        elif kind == "code departement":
            if code == self.code or (code.isdigit() and code.lstrip("0").zfill(2) == self.code):
                return ""
        elif (
            kind in ("code arrondissement", "code canton") and code.startswith(self.code) and len(code) > len(self.code)
        ):
            return ""
        label = _text(location.get("typeCode")) or "type de code inconnu"
        raise Skip(OUT_OF_TERRITORY, f"Hors du territoire : lieu d'exécution « {_shown(code)} » ({label}).")


# --- Reading the file ---------------------------------------------------------------------------------------------


def load_entries(data):
    """The contracts (``marche`` entries) of a DECP file, as raw JSON values. Concession contracts are left aside."""
    if not data:
        raise DecpFileError("Le fichier est vide.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DecpFileError(
            "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 (format des DECP) et déposez-le de nouveau."
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecpFileError(
            f"Le fichier n'est pas un fichier JSON valide (erreur ligne {exc.lineno}, colonne {exc.colno}) : "
            "déposez le fichier DECP tel qu'il a été téléchargé."
        ) from None
    except RecursionError:
        raise DecpFileError("Le fichier JSON est trop imbriqué pour être lu.") from None
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        marches = document.get("marches")
        if isinstance(marches, list):  # {"marches": [...]}
            return marches
        if isinstance(marches, dict):  # {"marches": {"marche": [...], "contrat-concession": [...]}}
            if "marche" in marches:
                return _list(marches["marche"])
            if "contrat-concession" in marches:
                return []
        elif marches is None and "id" in document and ("acheteur" in document or "objet" in document):
            return [document]  # a single contract, as in some official examples
    raise DecpFileError(
        "Le fichier ne suit pas le format des DECP (schéma 2.x) : il doit contenir la liste des marchés, "
        "« marches » → « marche »."
    )


def parse(data, territory, *, today=None, progress: Callable[[int], None] | None = None):
    """Read a DECP file: the territory's contracts with a social consideration, and the report of those skipped."""
    today = today or timezone.localdate()
    entries = load_entries(data)
    scope = TerritoryScope.of(territory)
    result = ParseResult(total=len(entries))
    seen = {}  # decp_id -> position of the contract kept
    for index, entry in enumerate(entries):
        position = index + 1
        reference = _text(entry.get("id")) if isinstance(entry, dict) else ""
        buyer = entry.get("acheteur") if isinstance(entry, dict) else None
        raw_buyer_id = _text(buyer.get("id") if isinstance(buyer, dict) else buyer)
        try:
            contract = _parse_contract(entry, position, scope, today)
            if contract.decp_id in seen:
                first = seen[contract.decp_id]
                raise Skip(
                    "duplicate",
                    f"Identifiant en double dans le fichier : ce contrat a déjà été lu en position {first}.",
                )
        except Skip as skip:
            result.skip(position, reference[:REFERENCE_MAX_LENGTH], raw_buyer_id[:20], skip.code, skip.reason)
        else:
            seen[contract.decp_id] = position
            result.contracts.append(contract)
        if progress and position % PROGRESS_STEP == 0:
            progress(position * 100 // max(len(entries), 1))
    return result


def _parse_contract(entry, position, scope, today):
    if not isinstance(entry, dict):
        raise Skip("unreadable", "Entrée illisible : ce n'est pas la description d'un marché.")
    reference = _text(entry.get("id"))
    if not reference:
        raise Skip("id_missing", "Identifiant du marché absent.")
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise Skip("id_invalid", f"Identifiant « {_shown(reference)} » trop long.")
    commune_code = scope.locate(entry.get("lieuExecution"))
    social = parse_social_consideration(entry.get("considerationsSociales"))
    buyer = entry.get("acheteur") if isinstance(entry.get("acheteur"), dict) else {}
    if not _text(buyer.get("id")):
        raise Skip("buyer_siret_missing", "SIRET de l'acheteur absent.")
    buyer_siret = normalize_siret(buyer.get("id"))
    if buyer_siret is None:
        raise Skip("buyer_siret_invalid", f"SIRET de l'acheteur « {_shown(buyer.get('id'))} » invalide.")
    decp_id = _text(entry.get("uid")) or f"{buyer_siret}{reference}"
    if len(decp_id) > DECP_ID_MAX_LENGTH:
        raise Skip("id_invalid", f"Identifiant « {_shown(decp_id)} » trop long.")
    subject = _text(entry.get("objet"))
    if not subject:
        raise Skip("object_missing", "Objet du marché absent.")
    notification_date = parse_date(entry.get("dateNotification"), today)
    amount = parse_amount(entry.get("montant"))
    duration = parse_duration(entry.get("dureeMois"))
    holders = parse_holders(entry.get("titulaires"))
    amount, duration, holders = _apply_modifications(entry.get("modifications"), amount, duration, holders)
    cpv = _text(entry.get("codeCPV")).replace(" ", "")
    return Contract(
        position=position,
        decp_id=decp_id,
        reference=reference,
        buyer_siret=buyer_siret,
        buyer_name=_text(buyer.get("nom"))[:NAME_MAX_LENGTH],
        object=subject[:OBJECT_MAX_LENGTH],
        cpv_code=cpv if CPV_PATTERN.match(cpv) else "",
        procedure=map_procedure(entry.get("procedure")),
        amount_ht=amount,
        notification_date=notification_date,
        duration_months=duration,
        commune_code=commune_code or None,
        social_consideration=social,
        holders=holders,
    )


def _apply_modifications(value, amount, duration, holders):
    """Later modifications (amendments) give a new amount, duration or list of holders: the last valid one wins."""
    modifications = [_unwrap(item, "modification") for item in _list(value)]
    modifications = [item for item in modifications if isinstance(item, dict)]

    def order(item):
        number = item.get("id")
        return number if isinstance(number, int) and not isinstance(number, bool) else 0

    for modification in sorted(modifications, key=order):
        if modification.get("montant") is not None:
            with contextlib.suppress(Skip):
                amount = parse_amount(modification["montant"])
        if modification.get("dureeMois") is not None:
            with contextlib.suppress(Skip):
                duration = parse_duration(modification["dureeMois"])
        new_holders = parse_holders(modification.get("titulaires"))
        if new_holders:
            holders = new_holders
    return amount, duration, holders


# --- Writing ------------------------------------------------------------------------------------------------------


def add_months(start, months):
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def market_status(notification_date, duration_months, today):
    """Completed once the notification date plus the duration is past, in progress before."""
    if add_months(notification_date, duration_months) <= today:
        return MarketStatus.COMPLETED
    return MarketStatus.IN_PROGRESS


def placeholder_buyer_name(siret):
    return f"Acheteur {siret}"


def placeholder_company_name(siret):
    return f"Entreprise {siret}"


def _organisations(model, territory, wanted, placeholder, **defaults):
    """SIRET → organisation of the territory: existing ones (a placeholder name replaced by a real one), the others
    created. ``wanted``: SIRET → name found in the file ('' when none)."""
    existing = {obj.siret: obj for obj in model.objects.in_territory(territory).filter(siret__in=wanted)}
    renamed = []
    for number, obj in existing.items():
        name = wanted[number]
        if name and obj.name == placeholder(number) and name != obj.name:
            obj.name = name
            renamed.append(obj)
    if renamed:
        model.objects.bulk_update(renamed, ["name"])
    created = model.objects.bulk_create(
        [
            model(territory=territory, siret=number, name=name or placeholder(number), **defaults)
            for number, name in wanted.items()
            if number not in existing
        ]
    )
    return {**existing, **{obj.siret: obj for obj in created}}


# The market fields a DECP file gives (model field names, for ``bulk_update``).
MARKET_FIELDS = (
    "buyer",
    "reference",
    "object",
    "cpv_code",
    "procedure",
    "amount_ht",
    "notification_date",
    "duration_months",
    "execution_commune",
    "social_consideration",
    "status",
    "decp_id",
)
# Values the file may lack (unknown procedure, invalid CPV code, a place that is not a commune): a market keeps what
# it had rather than losing it.
KEEP_WHEN_BLANK = ("cpv_code", "procedure", "execution_commune_id")


def write(territory, contracts, *, today=None):
    """Create or update the markets of ``contracts`` (call inside a transaction). Returns the counts and the contracts
    skipped at this stage (a reference already used by another market of the buyer)."""
    today = today or timezone.localdate()
    result = WriteResult()
    skipped = []
    if not contracts:
        return result, skipped

    buyer_names, company_names = {}, {}
    for contract in contracts:
        if buyer_names.get(contract.buyer_siret) in (None, ""):
            buyer_names[contract.buyer_siret] = contract.buyer_name
        for holder in contract.holders:
            if company_names.get(holder.siret) in (None, ""):
                company_names[holder.siret] = holder.name
    buyers = _organisations(Buyer, territory, buyer_names, placeholder_buyer_name, kind=BuyerKind.OTHER)
    companies = _organisations(Company, territory, company_names, placeholder_company_name)

    markets = Market.objects.in_territory(territory)
    by_decp_id = {m.decp_id: m for m in markets.filter(decp_id__in=[c.decp_id for c in contracts])}
    by_reference = {
        (m.buyer_id, m.reference): m
        for m in markets.filter(
            buyer_id__in={b.pk for b in buyers.values()}, reference__in={c.reference for c in contracts}
        )
    }
    known = {m.pk: m for m in [*by_decp_id.values(), *by_reference.values()]}
    first_lots = {}
    for lot in Lot.objects.in_territory(territory).filter(market_id__in=known).order_by("market_id", "number"):
        first_lots.setdefault(lot.market_id, lot)
    awarded = set(
        LotAward.objects.in_territory(territory)
        .filter(lot_id__in=[lot.pk for lot in first_lots.values()])
        .values_list("lot_id", "company_id")
    )

    communes = set(
        Commune.objects.filter(insee_code__in={c.commune_code for c in contracts if c.commune_code}).values_list(
            "insee_code", flat=True
        )
    )
    new_markets, changed_markets, new_lots, new_awards = [], [], [], []
    pending_awards = []  # (market, companies) of new markets: their lot gets a primary key once created
    used_references, touched = set(), set()
    now = timezone.now()
    for contract in contracts:
        buyer = buyers[contract.buyer_siret]
        holders = [companies[holder.siret] for holder in contract.holders]
        values = {
            "buyer_id": buyer.pk,
            "reference": contract.reference,
            "object": contract.object,
            "cpv_code": contract.cpv_code,
            "procedure": contract.procedure,
            "amount_ht": contract.amount_ht,
            "notification_date": contract.notification_date,
            "duration_months": contract.duration_months,
            "execution_commune_id": contract.commune_code if contract.commune_code in communes else None,
            "social_consideration": contract.social_consideration,
            "status": market_status(contract.notification_date, contract.duration_months, today),
            "decp_id": contract.decp_id,
        }
        market = by_decp_id.get(contract.decp_id)
        if market is None:
            market = by_reference.get((buyer.pk, contract.reference))
            if market is not None and market.decp_id and market.decp_id != contract.decp_id:
                skipped.append(
                    _entry(
                        contract,
                        "reference_taken",
                        f"Un autre marché de cet acheteur porte déjà la référence « {contract.reference} » "
                        f"(identifiant DECP {market.decp_id}).",
                    )
                )
                continue
        key = (buyer.pk, contract.reference)
        holder_of_key = by_reference.get(key)
        if key in used_references or (market is not None and market.pk in touched):
            skipped.append(
                _entry(contract, "duplicate", "Un autre contrat du fichier porte la même référence pour cet acheteur.")
            )
            continue
        if holder_of_key is not None and market is not None and holder_of_key.pk != market.pk:
            skipped.append(
                _entry(
                    contract,
                    "reference_taken",
                    f"Un autre marché de cet acheteur porte déjà la référence « {contract.reference} ».",
                )
            )
            continue
        used_references.add(key)
        if market is None:
            market = Market(territory=territory, **values)
            new_markets.append(market)
            pending_awards.append((market, contract, holders))
            result.created += 1
            continue
        touched.add(market.pk)
        changed = False
        for name, value in values.items():
            if name in KEEP_WHEN_BLANK and value in ("", None):
                continue
            if getattr(market, name) != value:
                setattr(market, name, value)
                changed = True
        lot = first_lots.get(market.pk)
        if lot is None:
            lot = Lot(territory=territory, market=market, number=1, title=contract.object[:LOT_TITLE_MAX_LENGTH])
            lot.amount_ht = contract.amount_ht
            lot.save()
            first_lots[market.pk] = lot
            changed = True
        for company in holders:
            if (lot.pk, company.pk) not in awarded:
                new_awards.append(LotAward(territory=territory, lot=lot, company=company, role=AwardRole.HOLDER))
                awarded.add((lot.pk, company.pk))
                changed = True
        if changed:
            market.updated_at = now
            changed_markets.append(market)
            result.updated += 1
        else:
            result.unchanged += 1

    Market.objects.bulk_create(new_markets)
    for market, contract, _holders in pending_awards:
        new_lots.append(
            Lot(
                territory=territory,
                market=market,
                number=1,
                title=contract.object[:LOT_TITLE_MAX_LENGTH],
                amount_ht=contract.amount_ht,
            )
        )
    Lot.objects.bulk_create(new_lots)
    for lot, (_market, _contract, holders) in zip(new_lots, pending_awards, strict=True):
        new_awards.extend(
            LotAward(territory=territory, lot=lot, company=company, role=AwardRole.HOLDER) for company in holders
        )
    LotAward.objects.bulk_create(new_awards)
    if changed_markets:
        Market.objects.bulk_update(changed_markets, [*MARKET_FIELDS, "updated_at"])
    return result, skipped


def _entry(contract, code, reason):
    return {
        "position": contract.position,
        "id": contract.reference,
        "buyer": contract.buyer_siret,
        "code": code,
        "reason": reason,
    }


# --- The whole import ---------------------------------------------------------------------------------------------


def run(decp_import, *, today=None, progress=None):
    """Import the file of a claimed (RUNNING) ``DecpImport``: read it, then write every market in one transaction,
    together with the counts and the report. Returns False when the import was no longer RUNNING (nothing written).
    Raises ``DecpFileError`` for a file that cannot be read."""
    with decp_import.file.open("rb") as handle:
        data = handle.read()
    parsed = parse(data, decp_import.territory, today=today, progress=progress)
    with transaction.atomic():
        locked = DecpImport.objects.select_for_update().filter(pk=decp_import.pk, status=ImportStatus.RUNNING).first()
        if locked is None:
            return False
        counts, late_skips = write(decp_import.territory, parsed.contracts, today=today)
        report = sorted([*parsed.report, *late_skips], key=lambda entry: entry["position"])
        locked.status = ImportStatus.DONE
        locked.progress = 100
        locked.total = parsed.total
        locked.created_count = counts.created
        locked.updated_count = counts.updated
        locked.unchanged_count = counts.unchanged
        locked.skipped_count = parsed.skipped_count + len(late_skips)
        locked.report = report
        locked.error = ""
        locked.finished_at = timezone.now()
        locked.save(
            update_fields=[
                "status",
                "progress",
                "total",
                "created_count",
                "updated_count",
                "unchanged_count",
                "skipped_count",
                "report",
                "error",
                "finished_at",
            ]
        )
    return True
