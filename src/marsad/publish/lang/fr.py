"""French phrasebook of the bulletin: the wording of every message, the labels of the layout.

>>> from decimal import Decimal
>>> from marsad.publish.lang import say
>>> from marsad.publish.story import Message, Mention
>>> say(Message("progress.segment_behind", segment=Mention("CRM"), progress=Decimal("30.3"),
...             year=2024), "fr")
"Le segment CRM n'a réalisé que 30,3\\u202f% de son chiffre de 2024."
"""

from __future__ import annotations

from marsad.publish.marks import MISSING, WITHHELD
from marsad.publish.story import Mention
from marsad.reference import UNALLOCATED, segments

LANG = "fr"
DIR = "ltr"
AND = "et"
LIST_SEP = " ; "


def finish(text: str) -> str:
    """French spacing: no-break space before ``:``, narrow one before ``;``, inside « ».

    >>> finish("Source : OC ; « offshoring »") == "Source\\xa0: OC\\u202f; «\\xa0offshoring\\xa0»"
    True
    """
    return (
        text.replace(" :", "\u00a0:")
        .replace(" ;", "\u202f;")
        .replace("« ", "«\u00a0")
        .replace(" »", "\u00a0»")
    )


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
    "table_note": "Montants en millions de dirhams ; parts et variations en pourcentage ; "
    "contributions à la croissance en points de pourcentage.",
    "table_note_levels": "Montants en millions de dirhams ; parts en pourcentage.",
    "total": "Total",
    "unallocated": "Non ventilé",
    "confidential_mark": WITHHELD,
    "missing_mark": MISSING,
    "figure": "Graphique",
    "source_line": "Source : Office des Changes (règlements bancaires) ; calculs marsad.",
    "source_line_synthetic": "Source : données synthétiques de démonstration ; calculs marsad.",
    "release": "Version des données",
    "axis_bn": "Milliards de dirhams",
    "axis_mn": "Millions de dirhams",
    "legend_period": "Période",
    "legend_segment": "Segment",
    "legend_withheld": f"{WITHHELD} confidentiel",
    "legend_series": "Série",
    "series_actual": "Exportations",
    "series_required": "Trajectoire nécessaire",
    "series_recent": "Rythme récent",
    "series_target": "Objectif",
    "year": "Année",
    "colon": "\u00a0:",
    "published": "Publié le",
    "next_release": "Prochaine publication",
    "contact": "Contact",
    "synthetic_badge": "Données synthétiques",
}
LABELS = {key: finish(value) for key, value in LABELS.items()}

_NOUN = {"half": "semestre", "quarter": "trimestre", "month": "mois", "year": "année"}


def _the(m: Mention) -> str:
    """``le segment ESO (externalisation des services d'ingénierie)`` the first time,
    ``le segment ESO`` afterwards."""
    if m.code == UNALLOCATED:
        return "le non-ventilé"
    if not m.first:
        return f"le segment {m.code}"
    seg = segments().get(m.code)
    name = seg.name(LANG) if seg else m.code
    return f"le segment {m.code} ({name[:1].lower()}{name[1:]})"


FORMS = {
    "the": _the,
    "of": lambda m: "du " + _the(m).removeprefix("le "),
    "years": lambda n: f"{n} an" if n == 1 else f"{n} ans",
    "noun": _NOUN.__getitem__,
}

_LEVEL = (
    "Les exportations de services numériques et d'externalisation ont atteint "
    "{total:money} {period:in}"
)
_FASTEST = "{segment:The} a enregistré la plus forte hausse ({growth:growth}, à {level:money})"
_DECLINE = "{segment:The} est en baisse de {fall:percent}, à {level:money}"
_YTD = "À fin {month:label}, les exportations cumulées depuis janvier atteignent {total:money}"
_BREAK = (
    "Ces chiffres couvrent le nouveau périmètre des services numériques et d'externalisation "
    "(segments {codes:and}), plus large que l'ancienne série « offshoring ». La nouvelle "
    "série commence en {year}, avec une rupture de série."
)
_NOT_CHAINED = " Les deux séries ne sont pas comparables et ne sont pas enchaînées."
_UNALLOCATED = " n'ont pu être rattachés à un segment."


def _segments_withheld(m) -> str:
    """``Les chiffres de certains segments ne sont pas publiés (secret statistique).``"""
    whose = "d'un segment" if m["one"] else "de certains segments"
    return f"Les chiffres {whose} ne sont pas publiés (secret statistique)."


def _partners_withheld(m) -> str:
    """``Certains marchés partenaires ne sont pas publiés (secret statistique).``"""
    if m["one"]:
        return "Un marché partenaire n'est pas publié (secret statistique)."
    return "Certains marchés partenaires ne sont pas publiés (secret statistique)."


WORDS = {
    "title": "{L[sector]} — {period:Label}",
    "key.level": "Exportations, {period:label}",
    "key.growth": "{indicator:indicator}",
    "key.target": "Objectif {target_year} atteint en {latest_year}",
    "headline.level": _LEVEL + ".",
    "headline.level_growth": _LEVEL + ", en hausse de {growth:percent} par rapport {previous:to}.",
    "headline.level_fall": _LEVEL + ", en baisse de {fall:percent} par rapport {previous:to}.",
    "headline.level_stable": _LEVEL + ", stables par rapport {previous:to}.",
    "headline.ytd": _YTD + ".",
    "headline.ytd_growth": _YTD + ", en hausse de {growth:percent} sur un an.",
    "headline.ytd_fall": _YTD + ", en baisse de {fall:percent} sur un an.",
    "headline.ytd_stable": _YTD + ", stables sur un an.",
    "headline.leader": "{leader:The} en représente {share:percent}.",
    "headline.leader_runner_up": "{leader:The} en représente {share:percent}, "
    "devant {runner_up:the} ({runner_up_share:percent}).",
    "segments.withheld": _segments_withheld,
    "segment.fastest": _FASTEST + ".",
    "segment.fastest_top_contributor": _FASTEST
    + " et apporté la plus forte contribution à la croissance ({contribution:points}).",
    "segment.top_contributor": "La plus forte contribution à la croissance, "
    "{contribution:points}, vient {segment:of}.",
    "segment.decline": _DECLINE + ".",
    "segment.decline_drag": _DECLINE
    + ", ce qui retire {drag:points_plain} à la croissance d'ensemble.",
    "progress.sector_so_far": "L'ensemble du secteur a déjà réalisé {progress:percent} "
    "de son chiffre de {year}.",
    "progress.segment_so_far": "{segment:The} a déjà réalisé {progress:percent} "
    "de son chiffre de {year}.",
    "progress.segment_behind": "{segment:The} n'a réalisé que {progress:percent} "
    "de son chiffre de {year}.",
    "partners": "Principaux marchés : {partners:and}.",
    "partner.name": "{partner:country}",
    "partner.share": "{partner:country} ({share:percent})",
    "partner.share_of_exports": "{partner:country} ({share:percent} des exportations)",
    "partners.withheld": _partners_withheld,
    "target.reached_share": "En {latest_year}, dernière année complète, les exportations "
    "ont atteint {latest_level:money}, soit {percent:percent} de l'objectif de "
    "{target:money} fixé pour {target_year}.",
    "target.reached": "L'objectif est déjà atteint.",
    "target.required_growth": "Pour l'atteindre, elles devraient croître de {rate:percent} "
    "par an d'ici {target_year}{pace}.",
    "pace.positive": ", contre {rate:percent} entre {start} et {end}",
    "pace.negative": ", contre un recul de {rate:percent} entre {start} et {end}",
    "pace.average_positive": ", contre {rate:percent} par an en moyenne de {start} à {end}",
    "pace.average_negative": ", contre un recul de {rate:percent} par an en moyenne "
    "de {start} à {end}",
    "target.on_track": "À ce rythme, l'objectif serait atteint : les exportations "
    "atteindraient {projected:money} en {target_year}.",
    "target.off_track": "À ce rythme, elles atteindraient {projected:money} en "
    "{target_year}, en deçà de l'objectif.",
    "target.jobs": "Le secteur employait {jobs:count} personnes en {year}, soit "
    "{share:percent} de l'objectif de {target:count} emplois fixé pour {target_year}.",
    "column.period": "{period:short}",
    "column.share": "Part (%)",
    "column.growth": "Variation (%)",
    "column.contribution": "Contribution (points)",
    "column.progress": "Réalisation / {year} (%)",
    "table.legend": "{marks:list}.",
    "table.legend_confidential": "[c] : confidentiel (secret statistique)",
    "table.legend_missing": "[x] : non disponible",
    "section.sources": "Sources",
    "section.definitions": "Définitions",
    "section.classification": "Classification",
    "section.conversion": "Conversion",
    "section.break": "Rupture de série",
    "section.status": "Statut des chiffres",
    "method.synthetic": "Ce bulletin est une démonstration : ses chiffres sont calculés à "
    "partir d'enregistrements synthétiques, générés par marsad et calibrés sur les agrégats "
    "publiés par l'Office des Changes et le ministère de la Transition numérique. "
    "Ce ne sont pas des statistiques officielles.",
    "method.sources": "Les chiffres proviennent des déclarations de règlements bancaires "
    "(recettes d'exportation de services au sens de la sixième édition du Manuel de la "
    "balance des paiements du FMI) compilées par l'Office des Changes.",
    "method.target_source": "Objectif {target_year} : « {source_fr} ».",
    "method.definitions": "t : période ; t-1 an : même période un an plus tôt ; "
    "TOTAL : ensemble des segments.",
    "method.classification": "Chaque opération est rattachée à un segment ({codes:and}) "
    "d'après le registre des entreprises du secteur ; à défaut, d'après son code de service "
    "EBOPS 2010, selon une table de concordance proposée par marsad (aucune concordance "
    "officielle n'est publiée) ; à défaut, elle est mise en examen, hors du total du secteur, "
    "jusqu'à ce que son segment soit établi. Le total du secteur est la somme des cinq segments.",
    "method.unallocated": "{period:In}, {level:money}" + _UNALLOCATED,
    "method.unallocated_share": "{period:In}, {level:money} ({share:percent} du total)"
    + _UNALLOCATED,
    "method.conversion": "Les montants reçus en devises sont convertis en dirhams au cours "
    "de référence de la date de valeur (à défaut, au dernier cours antérieur) et arrondis "
    "au centime. Les totaux sont calculés sur les montants exacts ; les chiffres affichés "
    "sont arrondis séparément et leur somme peut différer du total.",
    "method.break": _BREAK + _NOT_CHAINED,
    "method.break_old": _BREAK
    + " Pour {year}, l'ancienne série donnait {old:money}."
    + _NOT_CHAINED,
    "method.break_both": _BREAK + " Pour {year}, l'ancienne série donnait {old:money}, "
    "la nouvelle {new:money}." + _NOT_CHAINED,
    "status.provisional": "Les chiffres de ce bulletin sont provisoires et peuvent être révisés.",
    "status.final": "Les chiffres de ce bulletin sont définitifs. Ils ne sont révisés que "
    "pour corriger une erreur.",
    "status.estimated": "Certains chiffres sont estimés.",
    "status.confidential": "Les cellules marquées « [c] » sont couvertes par le secret "
    "statistique.",
    "status.release": "{L[release]}{L[colon]} {release}.",
    "chart.segments.title": "Exportations par segment, {period:label}",
    "chart.segments.title_vs": "Exportations par segment, {period:label} et {previous:label}",
    "chart.segments.description": "Diagramme en barres, en milliards de dirhams : {items:list}.",
    "chart.segments.description_vs": "Diagramme en barres groupées, en milliards de "
    "dirhams : {items:list}.",
    "chart.segments.item": "{code} {level:bn}",
    "chart.segments.item_vs": "{code} {level:bn} contre {previous:bn}",
    "chart.history.title": "Exportations par {kind:noun} et par segment",
    "chart.history.description": "Barres empilées par segment ; total en milliards de "
    "dirhams : {items:list}.",
    "chart.history.item": "{period:short} {level:bn}",
    "chart.target.title": "Trajectoire vers l'objectif {target_year}",
    "chart.target.description": "Exportations annuelles jusqu'en {latest_year} "
    "({latest_level:money}) et objectif de {target:money} en {target_year}"
    "{required}{recent}.",
    "chart.target.required": " ; trajectoire nécessaire : {rate:growth} par an",
    "chart.target.recent": " ; au rythme récent ({rate:growth} par an) : "
    "{projected:money} en {target_year}",
    "chart.withheld": "Les valeurs confidentielles (secret statistique) ne sont pas représentées.",
    "chart.history.withheld": "Les segments confidentiels (secret statistique) forment ensemble "
    "la bande claire « confidentiel », égale au total publié moins les segments publiés : "
    "chaque barre atteint le total.",
}
