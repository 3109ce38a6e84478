"""French phrasebook of the bulletin: sentences built from the facts, labels of the layout."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale

from marsad.indicators.registry import INDICATORS
from marsad.indicators.targets import REQUIRED_GROWTH_FORMULA, TargetStatus
from marsad.publish import fmt
from marsad.publish.facts import Cell, Facts
from marsad.publish.lang import Section, join_list
from marsad.reference import TOTAL, UNALLOCATED, segments

LANG = "fr"
DIR = "ltr"
_L = LANG

LABELS = {
    "sector": "Exportations de services numériques et d'externalisation",
    "bulletin": "Bulletin statistique",
    "provisional": "Chiffres provisoires",
    "synthetic": "Démonstration — données synthétiques, pas des statistiques officielles",
    "h_key": "Chiffres clés",
    "h_segments": "Exportations par segment",
    "h_movements": "Faits marquants",
    "h_target": "Objectif 2030",
    "h_charts": "Graphiques",
    "h_method": "Note méthodologique",
    "col_segment": "Segment",
    "col_share": "Part (%)",
    "col_growth": "Variation (%)",
    "col_contribution": "Contribution (points)",
    "col_progress": "Réalisation / {year} (%)",
    "table_note": "Montants en millions de dirhams ; parts et variations en pourcentage ; "
    "contributions à la croissance en points de pourcentage.",
    "total": "Total",
    "unallocated": "Non ventilé",
    "confidential_mark": "c",
    "missing_mark": "–",
    "marks_note": "c : donnée confidentielle (secret statistique) ; – : non disponible.",
    "figure": "Graphique",
    "source_line": "Source : Office des Changes (règlements bancaires) ; calculs marsad.",
    "source_line_synthetic": "Source : données synthétiques de démonstration ; calculs marsad.",
    "release": "Version des données",
    "axis_bn": "Milliards de dirhams",
    "legend_period": "Période",
    "legend_segment": "Segment",
    "legend_series": "Série",
    "series_actual": "Exportations",
    "series_required": "Trajectoire nécessaire",
    "series_recent": "Rythme récent",
    "series_target": "Objectif",
    "year": "Année",
    "colon": "\u00a0:",
}


def typeset(text: str) -> str:
    """French spacing: no-break space before ``:``, narrow one before ``;``, inside « »."""
    return (
        text.replace(" :", "\u00a0:")
        .replace(" ;", "\u202f;")
        .replace("« ", "«\u00a0")
        .replace(" »", "\u00a0»")
    )


def _typeset_all(func):
    """Apply :func:`typeset` to every string a phrase function returns."""

    def typeset_any(value):
        if isinstance(value, str):
            return typeset(value)
        if isinstance(value, Section):
            return Section(
                typeset(value.title),
                tuple(map(typeset, value.paragraphs)),
                value.definitions,
            )
        if isinstance(value, (list, tuple)):
            return type(value)(typeset_any(v) for v in value)
        return value

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return typeset_any(func(*args, **kwargs))

    return wrapper


LABELS = {key: typeset(value) for key, value in LABELS.items()}

_KIND_NOUN = {"half": "semestre", "quarter": "trimestre", "month": "mois"}


def segment_name(code: str) -> str:
    """Full name of a segment (e.g. ``Externalisation des services d'ingénierie``)."""
    if code == UNALLOCATED:
        return LABELS["unallocated"]
    if code == TOTAL:
        return LABELS["total"]
    seg = segments().get(code)
    return seg.name(_L) if seg else code


def partner_name(code: str) -> str:
    """Country name in French (e.g. ``FR`` -> ``France``); the code when unknown."""
    return Locale.parse(fmt.LOCALES[_L]).territories.get(code, code)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Mentions:
    """Names a segment in full the first time, by its code afterwards."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, code: str) -> str:
        if code in self.seen or code == UNALLOCATED:
            return f"le segment {code}" if code != UNALLOCATED else "le non-ventilé"
        self.seen.add(code)
        return f"le segment {code} ({_lower_first(segment_name(code))})"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shown(value: Decimal) -> Decimal:
    return fmt.round_half_up(value, 1)


@_typeset_all
def title(f: Facts) -> str:
    return f"{LABELS['sector']} — {_cap(fmt.period_label(f.period, _L))}"


@_typeset_all
def key_figures(f: Facts) -> list[tuple[str, str]]:
    """Label and value of the figures shown first (level, growth, target reached)."""
    out = [(f"Exportations, {fmt.period_label(f.period, _L)}", fmt.money(f.total.level, _L))]
    if f.total.growth is not None:
        out.append(
            (
                INDICATORS["growth_yoy"].label(_L),
                fmt.growth(f.total.growth, _L),
            )
        )
    if f.target is not None:
        out.append(
            (
                f"Objectif {f.target.target_year} atteint en {f.target.latest_year}",
                fmt.percent(f.target.percent_reached, _L),
            )
        )
    return out


@_typeset_all
def headline(f: Facts) -> list[str]:
    """The opening sentences: level and growth of the period, leading segment."""
    sentence = (
        f"Les exportations de services numériques et d'externalisation ont atteint "
        f"{fmt.money(f.total.level, _L)} {fmt.in_period(f.period, _L)}"
    )
    g = f.total.growth
    if g is not None:
        versus = f"par rapport {fmt.to_period(f.previous_period, _L)}"
        if _shown(g) > 0:
            sentence += f", en hausse de {fmt.percent(g, _L)} {versus}"
        elif _shown(g) < 0:
            sentence += f", en baisse de {fmt.percent(-g, _L)} {versus}"
        else:
            sentence += f", stables {versus}"
    out = [sentence + "."]
    lead, second = f.leader, f.runner_up
    if lead is not None and lead.share is not None:
        mention = _Mentions()
        text = f"{_cap(mention(lead.code))} en représente {fmt.percent(lead.share, _L)}"
        if second is not None and second.share is not None:
            text += f", devant le segment {second.code} ({fmt.percent(second.share, _L)})"
        out.append(text + ".")
    return out


@_typeset_all
def movements(f: Facts) -> list[str]:
    """Notable movements: fastest growth, largest contribution, declines, progress, markets."""
    name = _Mentions()
    out: list[str] = []
    fast, top = f.fastest, f.top_contributor
    if fast is not None and top is not None and fast.code == top.code:
        out.append(
            f"{_cap(name(fast.code))} a enregistré la plus forte hausse "
            f"({fmt.growth(fast.growth, _L)}, à {fmt.money(fast.level, _L)}) et apporté la plus "
            f"forte contribution à la croissance ({fmt.points(fast.contribution, _L)})."
        )
    else:
        if fast is not None:
            out.append(
                f"{_cap(name(fast.code))} a enregistré la plus forte hausse "
                f"({fmt.growth(fast.growth, _L)}, à {fmt.money(fast.level, _L)})."
            )
        if top is not None:
            out.append(
                f"La plus forte contribution à la croissance, {fmt.points(top.contribution, _L)}, "
                f"vient du {name(top.code).removeprefix('le ')}."
            )
    for c in f.declines:
        text = (
            f"{_cap(name(c.code))} est en baisse de {fmt.percent(-c.growth, _L)}, "
            f"à {fmt.money(c.level, _L)}"
        )
        if c.contribution is not None and _shown(c.contribution) < 0:
            text += (
                f", ce qui retire {fmt.points(-c.contribution, _L, signed=False)} "
                "à la croissance d'ensemble"
            )
        out.append(text + ".")
    out.extend(_progress(f, name))
    if f.partners:
        out.append(_partners(f.partners))
    return out


def _progress(f: Facts, name: _Mentions) -> list[str]:
    """Progress against the previous full year, for a sub-annual period."""
    if f.previous_year is None or f.pace is None:
        return []
    from_january = f.period[5:] in ("S1", "Q1", "01")
    noun = _KIND_NOUN[f.kind]
    year = f.previous_year
    out = []
    if f.total.progress is not None and (f.ahead_of_pace or f.behind_pace):
        done = fmt.percent(f.total.progress, _L)
        if from_january:
            out.append(f"L'ensemble du secteur a déjà réalisé {done} de son chiffre de {year}.")
        else:
            out.append(f"En un seul {noun}, le secteur a réalisé {done} de son chiffre de {year}.")
    for c in f.ahead_of_pace:
        done = fmt.percent(c.progress, _L)
        if from_january:
            out.append(f"{_cap(name(c.code))} a déjà réalisé {done} de son chiffre de {year}.")
        else:
            out.append(
                f"En un seul {noun}, {name(c.code)} a réalisé {done} de son chiffre de {year}."
            )
    for c in f.behind_pace:
        done = fmt.percent(c.progress, _L)
        out.append(f"{_cap(name(c.code))} n'a réalisé que {done} de son chiffre de {year}.")
    return out


def _partners(partners: tuple[Cell, ...]) -> str:
    items = []
    for i, p in enumerate(partners):
        country = partner_name(p.code)
        if p.share is None:
            items.append(country)
        elif i == 0:
            items.append(f"{country} ({fmt.percent(p.share, _L)} des exportations)")
        else:
            items.append(f"{country} ({fmt.percent(p.share, _L)})")
    return f"Principaux marchés : {join_list(items, 'et')}."


def _target_money(value: Decimal) -> str:
    whole = value % (Decimal(10) ** 9) == 0
    return fmt.money(value, _L, decimals=0 if whole else None)


@_typeset_all
def target(f: Facts) -> list[str]:
    """The target tracker in words: level reached, growth still needed, recent pace."""
    t: TargetStatus | None = f.target
    if t is None:
        return []
    goal = _target_money(t.target_level)
    out = [
        f"En {t.latest_year}, dernière année complète, les exportations ont atteint "
        f"{fmt.money(t.latest_level, _L)}, soit {fmt.percent(t.percent_reached, _L)} "
        f"de l'objectif de {goal} fixé pour {t.target_year}."
    ]
    if t.percent_reached >= 100:
        out.append("L'objectif est déjà atteint.")
        return out
    if t.required_growth is None:
        return out
    years = f"{t.years_left} an" if t.years_left == 1 else f"{t.years_left} ans"
    text = (
        f"Pour l'atteindre, elles devraient croître de {fmt.percent(t.required_growth, _L)} "
        f"par an pendant {years}"
    )
    if t.recent_growth is not None:
        span = t.latest_year - t.recent_from
        pace = (
            f"{fmt.percent(t.recent_growth, _L)} par an"
            if _shown(t.recent_growth) >= 0
            else f"un recul de {fmt.percent(-t.recent_growth, _L)} par an"
        )
        if span == 1:
            pace = pace.removesuffix(" par an")
            text += f", contre {pace} entre {t.recent_from} et {t.latest_year}"
        else:
            text += f", contre {pace} en moyenne de {t.recent_from} à {t.latest_year}"
    out.append(text + ".")
    if t.projected_level is not None:
        projected = fmt.money(t.projected_level, _L)
        if t.on_track:
            out.append(
                f"À ce rythme, l'objectif serait atteint : les exportations atteindraient "
                f"{projected} en {t.target_year}."
            )
        else:
            share = t.projected_level * 100 / t.target_level
            out.append(
                f"À ce rythme, elles atteindraient {projected} en {t.target_year}, "
                f"soit {fmt.percent(share, _L)} de l'objectif."
            )
    return out


@_typeset_all
def method(f: Facts) -> list[Section]:
    """The methodological note: sources, definitions, classification, conversion,
    break in series, status."""
    sources = [
        "Les chiffres proviennent des déclarations de règlements bancaires (recettes "
        "d'exportation de services au sens du Manuel de la balance des paiements, MBP6) "
        "compilées par l'Office des Changes."
    ]
    if f.synthetic:
        sources.insert(
            0,
            "Ce bulletin est une démonstration : ses chiffres sont calculés à partir "
            "d'enregistrements synthétiques, générés par marsad et calibrés sur les agrégats "
            "publiés par l'Office des Changes et le ministère de la Transition numérique. "
            "Ce ne sont pas des statistiques officielles.",
        )
    if f.target is not None:
        sources.append(f"Objectif {f.target.target_year} : « {f.target.source} ».")
    definitions = tuple(
        (d.label(_L), d.id, getattr(d, f"formula_{_L}", d.formula)) for d in f.definitions
    )
    if f.target is not None:
        definitions += (("Croissance annuelle nécessaire", "target", REQUIRED_GROWTH_FORMULA),)
    codes = join_list(list(segments()), "et")
    classification = [
        f"Chaque opération est rattachée à un segment ({codes}) d'après le registre des "
        "entreprises du secteur ; à défaut, d'après son code de service EBOPS 2010, selon "
        "une table de concordance proposée par marsad (aucune concordance officielle n'est "
        "publiée) ; à défaut, elle est classée « non ventilé », jamais écartée."
    ]
    if f.unallocated is not None:
        text = f"{_cap(fmt.in_period(f.period, _L))}, {fmt.money(f.unallocated.level, _L)}"
        if f.unallocated.share is not None:
            text += f" ({fmt.percent(f.unallocated.share, _L)} du total)"
        classification.append(text + " n'ont pu être rattachés à un segment.")
    conversion = [
        "Les montants reçus en devises sont convertis en dirhams au cours de référence de la "
        "date de valeur (à défaut, au dernier cours antérieur) et arrondis au centime. Les "
        "totaux sont calculés sur les montants exacts ; les chiffres affichés sont arrondis "
        "séparément et leur somme peut différer du total."
    ]
    sections = [
        Section("Sources", tuple(sources)),
        Section(
            "Définitions",
            ("t : période ; t-1y : même période un an plus tôt ; TOTAL : ensemble des segments.",),
            definitions,
        ),
        Section("Classification", tuple(classification)),
        Section("Conversion", tuple(conversion)),
    ]
    b = f.series_break
    if b is not None:
        old = fmt.money(b.old_level, _L, decimals=b.old_decimals)
        new = fmt.money(b.new_level, _L, decimals=b.new_decimals)
        text = (
            "Ces chiffres couvrent le nouveau périmètre des services numériques et "
            f"d'externalisation (segments {codes}), plus large que l'ancienne série "
            f"« offshoring ». Pour {b.year}, l'ancien périmètre donnait {old}, le nouveau "
            f"{new}, soit {fmt.percent(b.difference, _L)} de plus. Les deux séries ne sont pas "
            "comparables et ne doivent pas être enchaînées."
        )
        sections.append(Section("Rupture de série", (text,)))
    status = []
    if f.provisional:
        status.append("Les chiffres de ce bulletin sont provisoires et peuvent être révisés.")
    if f.estimated:
        status.append("Certains chiffres sont estimés.")
    if f.has_confidential:
        status.append("Les cellules marquées « c » sont couvertes par le secret statistique.")
    if f.release:
        status.append(f"{LABELS['release']}{LABELS['colon']} {f.release}.")
    if status:
        sections.append(Section("Statut des chiffres", tuple(status)))
    return sections


@_typeset_all
def chart_segments(f: Facts, shown: list[Cell]) -> tuple[str, str]:
    """Title and text description of the chart of segments, this period against last year's."""
    now, before = fmt.period_label(f.period, _L), fmt.period_label(f.previous_period, _L)
    has_previous = any(c.previous is not None for c in shown)
    heading = f"Exportations par segment, {now}" + (f" et {before}" if has_previous else "")
    parts = []
    for c in shown:
        text = f"{c.code} {_bn(c.level)}"
        if c.previous is not None:
            text += f" contre {_bn(c.previous)}"
        parts.append(text)
    kind = "Diagramme en barres groupées" if has_previous else "Diagramme en barres"
    return heading, f"{kind}, en milliards de dirhams : {' ; '.join(parts)}."


def _bn(value: Decimal) -> str:
    """Billions with two decimals, three below 0.1 (e.g. ``5,25``, ``0,027``)."""
    billions = value / 10**9
    return fmt.number(billions, _L, 3 if abs(billions) < Decimal("0.1") else 2)


@_typeset_all
def chart_history(kind: str, totals: list[tuple[str, Decimal]]) -> tuple[str, str]:
    """Title and description of the history of totals, segments stacked."""
    noun = {"half": "semestre", "quarter": "trimestre", "month": "mois", "year": "année"}[kind]
    heading = f"Exportations par {noun} et par segment"
    listed = " ; ".join(f"{fmt.period_label(p, _L, short=True)} {_bn(v)}" for p, v in totals)
    description = f"Barres empilées par segment ; total en milliards de dirhams : {listed}."
    return heading, description


@_typeset_all
def chart_target(t: TargetStatus) -> tuple[str, str]:
    heading = f"Trajectoire vers l'objectif {t.target_year}"
    text = (
        f"Exportations annuelles jusqu'en {t.latest_year} ({fmt.money(t.latest_level, _L)}) "
        f"et objectif de {_target_money(t.target_level)} en {t.target_year}"
    )
    if t.required_growth is not None:
        text += f" ; trajectoire nécessaire : {fmt.growth(t.required_growth, _L)} par an"
    if t.recent_growth is not None and t.projected_level is not None:
        text += (
            f" ; au rythme récent ({fmt.growth(t.recent_growth, _L)} par an) : "
            f"{fmt.money(t.projected_level, _L)} en {t.target_year}"
        )
    return heading, text + "."
