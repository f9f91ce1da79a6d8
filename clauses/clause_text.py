"""The clause text of a planned market: the French paragraphs its tender documents need.

From a ``ClausePlan`` (the chosen form, or the recommended one when none is chosen), its sizing, eligible publics,
modes of execution and penalty, ``draft_clause_text`` writes the paragraphs of the four documents of a consultation:
the notice (avis de publicité), the consultation rules (règlement de la consultation), the special administrative
clauses (CCAP) and the commitment form (acte d'engagement). A market without clause gets the paragraph justifying the
exception instead.

The result is a plain structure (sections of paragraphs, a paragraph may introduce a list): the HTML preview and the
DOCX (``clauses.documents``) render the same text.
"""

from dataclasses import dataclass
from decimal import Decimal

from .enums import ClauseForm, ExecutionMode, FeasibilityLevel, SizingMethod
from .feasibility import eu_threshold
from .models import EligibilityCriterion
from .sizing import format_number, full_time_equivalents

MISSING_HOURS = "[nombre d'heures à préciser]"
MISSING_PENALTY = "[montant à préciser]"
# The award criterion's weight is the buyer's decision: the drafted text proposes one, the buyer edits it.
PROPOSED_CRITERION_WEIGHT = "10 %"

# How each mode of execution is offered to the holder (the ``ExecutionMode`` values, in their order).
MODE_TEXTS = {
    ExecutionMode.DIRECT_HIRING: (
        "l'embauche directe de personnes éligibles (CDD, CDI, contrat d'apprentissage ou de professionnalisation) ;"
    ),
    ExecutionMode.STAFF_PROVISION: (
        "la mise à disposition de salariés par une entreprise de travail temporaire d'insertion (ETTI), une "
        "association intermédiaire (AI) ou un groupement d'employeurs pour l'insertion et la qualification (GEIQ) : "
        "les heures réalisées sont comptabilisées au titre du titulaire ;"
    ),
    ExecutionMode.SUBCONTRACTING: (
        "la co-traitance ou la sous-traitance d'une partie des prestations à une entreprise d'insertion (EI) ou à un "
        "atelier et chantier d'insertion (ACI) ;"
    ),
    ExecutionMode.TRAINING: (
        "des actions de formation au bénéfice de personnes éligibles : les heures de formation suivies dans le cadre "
        "d'un contrat en alternance sont comptabilisées comme heures d'insertion ;"
    ),
}

FEASIBILITY_CRITERIA = (
    ("duration", "Durée du marché"),
    ("amount", "Montant du marché"),
    ("technicality", "Technicité des travaux ou prestations"),
    ("public", "Public mobilisable près du lieu d'exécution"),
)


@dataclass(frozen=True)
class Paragraph:
    text: str
    items: tuple[str, ...] = ()  # a list the paragraph introduces


@dataclass(frozen=True)
class Section:
    title: str
    hint: str  # where the buyer puts it in the tender documents
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Contact:
    """Whom companies ask about the clause: the facilitator in charge, the buyer's lead one, or the coordination."""

    name: str
    organisation: str
    email: str
    phone: str

    @property
    def text(self):
        parts = [f"{self.name} ({self.organisation})" if self.organisation else self.name]
        parts += [value for value in (self.email, self.phone) if value]
        return " — ".join(parts)


@dataclass(frozen=True)
class ClauseText:
    title: str
    form: str  # a ClauseForm value
    form_label: str
    form_is_default: bool  # no form chosen nor recommended yet: the execution condition, the usual one
    hours: Decimal | None
    contact: Contact
    sections: tuple[Section, ...]
    gaps: tuple[str, ...]  # parameters still missing, for the page to warn about (French)

    def plain_text(self):
        lines = [self.title]
        for section in self.sections:
            lines.append(section.title)
            for paragraph in section.paragraphs:
                lines.append(paragraph.text)
                lines.extend(f"– {item}" for item in paragraph.items)
        return "\n".join(lines)


def clause_form(plan):
    """(form, is_default): the chosen form, else the recommended one, else the execution condition."""
    form = plan.chosen_form or plan.recommended_form
    return (form, False) if form else (ClauseForm.EXECUTION_CONDITION, True)


def facilitator_contact(market):
    """The facilitator in charge of the market, else the buyer's lead facilitator, else the coordination's public
    contact (never a coordinator's personal address)."""
    facilitator = market.facilitator or market.buyer.lead_facilitator
    if facilitator is not None:
        return Contact(
            name=facilitator.full_name,
            organisation=facilitator.organisation.name,
            email=facilitator.email or facilitator.organisation.email,
            phone=facilitator.phone or facilitator.organisation.phone,
        )
    territory = market.territory
    return Contact(
        name=f"Coordination départementale des clauses sociales — {territory.name}",
        organisation="",
        email=territory.contact_email,
        phone=territory.contact_phone,
    )


def eligible_publics(plan):
    """The active eligibility criteria of the plan's territory the plan names (all of them when it names none)."""
    criteria = EligibilityCriterion.objects.in_territory(plan.territory).filter(is_active=True)
    if plan.eligible_publics:
        criteria = criteria.filter(code__in=plan.eligible_publics)
    return list(criteria.order_by("position", "label"))


def execution_modes(plan):
    """The plan's modes of execution, in their usual order (all of them when it names none)."""
    chosen = set(plan.execution_modes or ())
    return [mode for mode in ExecutionMode if not chosen or mode.value in chosen]


def draft_clause_text(plan, *, publics=None):
    """The clause text of ``plan`` (a ``ClausePlan`` with its market, buyer and facilitators loaded).

    ``publics``: the eligibility criteria to list (default: ``eligible_publics(plan)``, one query).
    """
    market = plan.market
    form, form_is_default = clause_form(plan)
    publics = eligible_publics(plan) if publics is None else publics
    draft = _Draft(plan, form, publics)
    writer = {
        ClauseForm.EXECUTION_CONDITION: draft.execution_condition,
        ClauseForm.CONDITION_AND_CRITERION: draft.condition_and_criterion,
        ClauseForm.AWARD_CRITERION: draft.award_criterion,
        ClauseForm.RESERVED_SIAE: draft.reserved_siae,
        ClauseForm.RESERVED_DISABILITY: draft.reserved_disability,
        ClauseForm.NONE: draft.no_clause,
    }[form]
    return ClauseText(
        title=f"Clause sociale d'insertion — marché {market.reference} : {market.object}",
        form=form,
        form_label=ClauseForm(form).label,
        form_is_default=form_is_default,
        hours=plan.hours,
        contact=draft.contact,
        sections=tuple(writer()),
        gaps=tuple(draft.gaps()),
    )


class _Draft:
    """The sentences shared by the forms, then one method per form returning its sections."""

    def __init__(self, plan, form, publics):
        self.plan = plan
        self.form = form
        self.market = plan.market
        self.territory = plan.market.territory
        self.publics = publics
        self.modes = execution_modes(plan)
        self.contact = facilitator_contact(self.market)
        self.threshold = eu_threshold(self.market.trade, self.market.buyer.kind)
        # An unknown amount is treated as above the threshold: the exception is then justified, never omitted.
        amount = self.market.amount_ht
        self.above_threshold = amount is None or amount >= self.threshold

    # --- Values -------------------------------------------------------------------------------------------------

    @property
    def hours(self):
        return f"{format_number(self.plan.hours)} heures" if self.plan.hours is not None else MISSING_HOURS

    @property
    def fte(self):
        if self.plan.hours is None:
            return ""
        return (
            f" (soit environ {format_number(full_time_equivalents(self.plan.hours))} équivalent temps plein sur un an)"
        )

    @property
    def penalty(self):
        value = self.plan.penalty_per_missing_hour
        return f"{format_number(value)} € HT" if value is not None else f"{MISSING_PENALTY} € HT"

    @property
    def duration(self):
        months = self.market.duration_months
        return f"pendant toute la durée du marché ({months} mois)" if months else "pendant toute la durée du marché"

    def gaps(self):
        if self.form == ClauseForm.NONE:
            return []
        gaps = []
        if self.plan.hours is None:
            gaps.append("Le nombre d'heures n'est pas encore dimensionné.")
        if self.plan.penalty_per_missing_hour is None:
            gaps.append("La pénalité par heure non réalisée n'est pas fixée.")
        if not (self.contact.email or self.contact.phone):
            gaps.append("Aucun moyen de contacter le facilitateur ou la coordination n'est renseigné.")
        return gaps

    # --- Shared paragraphs --------------------------------------------------------------------------------------

    def contact_paragraph(self):
        return Paragraph(
            "Les candidats peuvent obtenir toute information sur la mise en œuvre de la clause sociale, et être "
            "accompagnés gratuitement pour y répondre, auprès du facilitateur des clauses sociales : "
            f"{self.contact.text}."
        )

    def sizing_paragraph(self):
        plan = self.plan
        if plan.hours is None or not plan.sizing_working:
            return None
        method = (
            "d'heures par tranche de montant facturé"
            if plan.sizing_method == SizingMethod.INVOICED_TRANCHE
            else "du montant estimé, de la part de main-d'œuvre du marché, d'un taux d'insertion et d'un coût horaire"
        )
        return Paragraph(f"Ce volume a été estimé à partir {method} : {plan.sizing_working}.")

    def publics_paragraph(self):
        items = tuple(criterion.label for criterion in self.publics) or (
            "toute personne rencontrant des difficultés sociales ou professionnelles particulières, sur avis du "
            "facilitateur",
        )
        return Paragraph(
            "Sont éligibles les personnes rencontrant des difficultés sociales ou professionnelles particulières, "
            "notamment :",
            items,
        )

    def eligibility_check_paragraph(self):
        return Paragraph(
            "L'éligibilité de chaque personne est validée par le facilitateur avant le début de sa mission ; seules "
            "les heures des personnes dont l'éligibilité a été validée sont comptabilisées."
        )

    def modes_paragraph(self):
        return Paragraph(
            "Le titulaire choisit librement, seules ou combinées, les modalités de mise en œuvre suivantes :",
            tuple(MODE_TEXTS[mode] for mode in self.modes),
        )

    def reporting_paragraph(self):
        return Paragraph(
            "Le titulaire transmet chaque mois au facilitateur, au plus tard le "
            f"{self.territory.statement_reminder_day} du mois suivant, le relevé mensuel des heures réalisées par "
            "chaque personne en insertion (heures travaillées et heures de formation, contrat, employeur), "
            "accompagné des justificatifs demandés (contrats de travail, contrats de mise à disposition, "
            "attestations). Le facilitateur en vérifie l'exactitude et établit le bilan de l'action d'insertion."
        )

    def penalty_paragraph(self):
        return Paragraph(
            "En cas de non-respect de l'engagement d'insertion du fait du titulaire, une pénalité de "
            f"{self.penalty} par heure d'insertion non réalisée est appliquée, après mise en demeure restée sans "
            "effet pendant quinze jours. Le défaut de transmission des relevés mensuels dans les délais est assimilé "
            "à une absence de réalisation des heures correspondantes."
        )

    def follow_up_paragraph(self):
        return Paragraph(
            "Le titulaire désigne, dès la notification du marché, un interlocuteur chargé de la clause sociale. Il "
            "rencontre le facilitateur pour définir les postes à pourvoir, les modalités retenues et le calendrier "
            f"des recrutements. Facilitateur : {self.contact.text}."
        )

    def _paragraphs(self, *paragraphs):
        return tuple(p for p in paragraphs if p is not None)

    # --- Execution condition (L2112-2) --------------------------------------------------------------------------

    def _notice_condition(self, extra=""):
        return Section(
            "Avis de publicité",
            "Rubrique « Conditions particulières d'exécution » (ou « Informations complémentaires »).",
            (
                Paragraph(
                    "En application de l'article L2112-2 du code de la commande publique, l'exécution du marché "
                    "comporte une clause sociale d'insertion : le titulaire réserve au moins "
                    f"{self.hours} de travail à des personnes rencontrant des difficultés sociales ou "
                    f"professionnelles particulières{extra}. "
                    f"Facilitateur des clauses sociales : {self.contact.text}."
                ),
            ),
        )

    def _rules_condition(self):
        return Section(
            "Règlement de la consultation",
            "Article « Clause sociale d'insertion » (présentation des conditions d'exécution).",
            self._paragraphs(
                Paragraph(
                    "Conformément à l'article L2112-2 du code de la commande publique, le marché comporte une "
                    "condition d'exécution à caractère social : le titulaire s'engage à réaliser une action "
                    f"d'insertion d'au moins {self.hours} de travail{self.fte}, réservées à des personnes "
                    "rencontrant des difficultés sociales ou professionnelles particulières, dans les conditions "
                    "fixées par le cahier des clauses administratives particulières (CCAP)."
                ),
                self.sizing_paragraph(),
                Paragraph(
                    "Cette condition d'exécution s'impose à tous les candidats ; elle ne peut faire l'objet d'aucune "
                    "variante et une offre qui la refuserait serait irrégulière."
                ),
                self.contact_paragraph(),
            ),
        )

    def _ccap(self, *, commitment):
        return Section(
            "Cahier des clauses administratives particulières (CCAP)",
            "Article « Clause sociale d'insertion ».",
            (
                Paragraph(commitment),
                self.publics_paragraph(),
                self.eligibility_check_paragraph(),
                self.modes_paragraph(),
                self.follow_up_paragraph(),
                self.reporting_paragraph(),
                self.penalty_paragraph(),
            ),
        )

    def _ccap_condition(self):
        return self._ccap(
            commitment=(
                "En application de l'article L2112-2 du code de la commande publique, le titulaire s'engage à "
                f"réaliser, {self.duration}, une action d'insertion d'au moins {self.hours} de travail{self.fte} "
                "au bénéfice de personnes rencontrant des difficultés sociales ou professionnelles particulières."
            )
        )

    def _commitment(self, volume):
        return Section(
            "Acte d'engagement",
            "Rubrique « Engagements du titulaire ».",
            (
                Paragraph(
                    "Le titulaire s'engage à exécuter l'action d'insertion définie à l'article « Clause sociale "
                    f"d'insertion » du CCAP, soit {volume}, au bénéfice de personnes rencontrant des difficultés "
                    "sociales ou professionnelles particulières, et à transmettre chaque mois au facilitateur le "
                    f"relevé des heures réalisées. Facilitateur : {self.contact.text}."
                ),
            ),
        )

    def execution_condition(self):
        return [
            self._notice_condition(),
            self._rules_condition(),
            self._ccap_condition(),
            self._commitment(f"au minimum {self.hours} de travail"),
        ]

    # --- Award criterion (L2152-7), alone or with the execution condition ----------------------------------------

    def _criterion_paragraphs(self, *, above_minimum):
        hours_subcriterion = (
            f"nombre d'heures d'insertion proposées au-delà du minimum de {self.hours} (6 points) : la note est "
            "proportionnelle au nombre d'heures supplémentaires proposé, l'offre la plus disante obtenant 6 points ;"
            if above_minimum
            else "nombre d'heures d'insertion que le candidat s'engage à réaliser (6 points) : la note est "
            "proportionnelle au nombre d'heures proposé, l'offre la plus disante obtenant 6 points ;"
        )
        return (
            Paragraph(
                "En application des articles L2152-7 et R2152-7 du code de la commande publique, les offres sont "
                "également jugées sur le critère « Performance en matière d'insertion professionnelle des publics en "
                f"difficulté », pondéré à {PROPOSED_CRITERION_WEIGHT} de la note finale et noté sur 10 points "
                "selon les sous-critères suivants :",
                (
                    hours_subcriterion,
                    "qualité de l'accompagnement des personnes en insertion : tutorat, formation, parcours vers un "
                    "emploi durable (4 points).",
                ),
            ),
            Paragraph(
                "Le candidat remet à cet effet une note présentant le nombre d'heures proposé, les postes concernés, "
                "les modalités de mise en œuvre envisagées et l'encadrement des personnes. Les engagements pris "
                "dans l'offre ont valeur contractuelle."
            ),
        )

    def condition_and_criterion(self):
        rules = self._rules_condition()
        rules = Section(
            rules.title,
            "Articles « Clause sociale d'insertion » et « Critères de jugement des offres ».",
            rules.paragraphs[:-1] + self._criterion_paragraphs(above_minimum=True) + rules.paragraphs[-1:],
        )
        return [
            self._notice_condition(
                extra=" ; la performance en matière d'insertion est en outre un critère de jugement des offres "
                "(article L2152-7)"
            ),
            rules,
            self._ccap_condition(),
            self._commitment(
                f"au minimum {self.hours} de travail, augmentées des heures supplémentaires proposées dans son offre"
            ),
        ]

    def award_criterion(self):
        return [
            Section(
                "Avis de publicité",
                "Rubrique « Critères d'attribution ».",
                (
                    Paragraph(
                        "En application des articles L2152-7 et R2152-7 du code de la commande publique, la "
                        "performance en matière d'insertion professionnelle des publics en difficulté est un critère "
                        "de jugement "
                        f"des offres, pondéré à {PROPOSED_CRITERION_WEIGHT}. Facilitateur des clauses sociales : "
                        f"{self.contact.text}."
                    ),
                ),
            ),
            Section(
                "Règlement de la consultation",
                "Article « Critères de jugement des offres ».",
                self._paragraphs(
                    *self._criterion_paragraphs(above_minimum=False),
                    Paragraph(
                        f"À titre indicatif, l'acheteur estime à {self.hours} le volume d'heures d'insertion que le "
                        f"marché peut raisonnablement porter{self.fte}."
                    ),
                    self.sizing_paragraph(),
                    self.contact_paragraph(),
                ),
            ),
            self._ccap(
                commitment=(
                    "Le titulaire réalise, "
                    f"{self.duration}, l'action d'insertion à laquelle il s'est engagé dans son offre au titre du "
                    "critère de jugement prévu à l'article L2152-7 du code de la commande publique (volume de "
                    f"référence estimé par l'acheteur : {self.hours})."
                )
            ),
            self._commitment("le nombre d'heures d'insertion proposé dans son offre"),
        ]

    # --- Reserved markets (L2113-13 SIAE, L2113-12 EA / ESAT) ----------------------------------------------------

    def _reserved(self, *, article, structures, proof, public):
        return [
            Section(
                "Avis de publicité",
                "Rubrique « Conditions de participation » (marché réservé).",
                (
                    Paragraph(
                        f"Marché réservé en application de l'article {article} du code de la commande publique : "
                        f"la consultation est réservée {structures}. Facilitateur des clauses sociales : "
                        f"{self.contact.text}."
                    ),
                ),
            ),
            Section(
                "Règlement de la consultation",
                "Articles « Conditions de participation » et « Pièces de la candidature ».",
                self._paragraphs(
                    Paragraph(
                        f"Conformément à l'article {article} du code de la commande publique, le marché est réservé "
                        f"{structures}. Le candidat produit à l'appui de sa candidature {proof}. Une candidature "
                        "qui ne remplit pas cette condition est irrecevable."
                    ),
                    Paragraph(f"Le titulaire fait réaliser au moins {self.hours} de travail{self.fte} par {public}."),
                    self.sizing_paragraph(),
                    self.contact_paragraph(),
                ),
            ),
            Section(
                "Cahier des clauses administratives particulières (CCAP)",
                "Article « Marché réservé — exécution par des personnes en insertion ».",
                (
                    Paragraph(
                        f"Le marché étant réservé en application de l'article {article} du code de la commande "
                        f"publique, le titulaire fait réaliser, {self.duration}, au moins {self.hours} de travail "
                        f"par {public}. Il conserve pendant toute l'exécution la qualité qui lui a permis de "
                        "candidater et informe l'acheteur de tout changement."
                    ),
                    self.follow_up_paragraph(),
                    self.reporting_paragraph(),
                    self.penalty_paragraph(),
                ),
            ),
            Section(
                "Acte d'engagement",
                "Rubrique « Engagements du titulaire ».",
                (
                    Paragraph(
                        f"Le titulaire déclare relever des structures auxquelles le marché est réservé (article "
                        f"{article} du code de la commande publique) et s'engage à faire réaliser au moins "
                        f"{self.hours} de travail par {public}, ainsi qu'à transmettre chaque mois au facilitateur "
                        f"le relevé des heures réalisées. Facilitateur : {self.contact.text}."
                    ),
                ),
            ),
        ]

    def reserved_siae(self):
        return self._reserved(
            article="L2113-13",
            structures=(
                "aux structures d'insertion par l'activité économique (SIAE) mentionnées à l'article L5132-4 du code "
                "du travail et aux structures équivalentes, lorsqu'elles emploient une proportion minimale de "
                "travailleurs défavorisés"
            ),
            proof="la copie de son conventionnement en cours de validité délivré par l'État (DDETS) ou tout "
            "document établissant qu'il est une structure équivalente",
            public="des salariés en parcours d'insertion",
        )

    def reserved_disability(self):
        return self._reserved(
            article="L2113-12",
            structures=(
                "aux entreprises adaptées mentionnées à l'article L5213-13 du code du travail, aux établissements et "
                "services d'accompagnement par le travail (ESAT) mentionnés à l'article L344-2 du code de l'action "
                "sociale et des familles et aux structures équivalentes, lorsqu'ils emploient une proportion minimale "
                "de travailleurs handicapés"
            ),
            proof="le document établissant sa qualité d'entreprise adaptée, d'ESAT ou de structure équivalente "
            "(agrément, contrat pluriannuel d'objectifs et de moyens ou autorisation)",
            public="des travailleurs handicapés",
        )

    # --- No clause: the justified exception ---------------------------------------------------------------------

    def no_clause(self):
        plan = self.plan
        reasons = []
        for field, label in FEASIBILITY_CRITERIA:
            level = getattr(plan, f"{field}_level")
            reason = getattr(plan, f"{field}_reason").strip()
            if level in (FeasibilityLevel.UNFAVOURABLE, FeasibilityLevel.MARGINAL):
                text = f"{label} : {FeasibilityLevel(level).label.lower()}"
                reasons.append(f"{text} — {reason}" if reason else text)
        justification = (plan.choice_reason or plan.recommendation_reason).strip()
        if self.above_threshold:
            opening = (
                "Par exception à l'article L2112-2-1-1 du code de la commande publique, qui impose une condition "
                "d'exécution à caractère social aux marchés d'un montant égal ou supérieur aux seuils européens, le "
                "marché ne comporte pas de clause sociale d'insertion. L'étude de faisabilité conduite avant la "
                "consultation a conclu qu'une telle clause n'était pas adaptée au marché, pour les raisons suivantes :"
            )
        else:
            opening = (
                f"Le montant estimé du marché ({format_number(self.market.amount_ht)} € HT) est inférieur au seuil "
                f"européen ({format_number(self.threshold)} € HT) : l'article L2112-2-1-1 du code de la commande "
                "publique ne lui impose pas de condition d'exécution à caractère social. L'acheteur n'y prévoit pas "
                "de clause sociale d'insertion : l'étude de faisabilité conduite avant la consultation a conclu "
                "qu'une telle clause n'était pas adaptée au marché, pour les raisons suivantes :"
            )
        paragraphs = [Paragraph(opening, tuple(reasons) or ("[motifs à préciser]",))]
        if justification:
            paragraphs.append(Paragraph(f"Justification retenue par l'acheteur : {justification}"))
        paragraphs.append(
            Paragraph(
                "Cette appréciation a été établie avec le facilitateur des clauses sociales, qui reste l'interlocuteur "
                f"de l'acheteur pour les prochains marchés : {self.contact.text}."
            )
        )
        return [
            Section(
                "Justification de l'absence de clause sociale",
                "Rapport de présentation de la procédure (à conserver au dossier du marché)."
                if self.above_threshold
                else "Note au dossier du marché (motivation de l'achat).",
                tuple(paragraphs),
            ),
            Section(
                "Avis de publicité",
                "Rubrique « Informations complémentaires ».",
                (
                    Paragraph(
                        "Le marché ne comporte pas de clause sociale d'insertion : l'exception prévue à l'article "
                        "L2112-2-1-1 du code de la commande publique est motivée dans le rapport de présentation."
                        if self.above_threshold
                        else "Le marché ne comporte pas de clause sociale d'insertion."
                    ),
                ),
            ),
        ]
