"""One month of synthetic settlement records, drawn and calibrated with numpy.

Every column is an integer array: codes index the tables of :class:`World`,
amounts are in cents of the original currency, MAD values in centimes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from marsad.reference import SEGMENT_CODES, UNALLOCATED, segment_for_service
from marsad.synth import profiles as P
from marsad.synth.calibration import largest_remainder
from marsad.synth.firms import Firms, probabilities, unregistered_ids
from marsad.synth.money import mad_centimes
from marsad.synth.rates import Rates, weekday

log = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

FLOWS: tuple[str, ...] = ("C", "D")
MAD = P.CURRENCIES.index("MAD")


@dataclass
class Batch:
    """Records as parallel integer arrays (``firm`` is -1 when the id is empty)."""

    flow: Ints
    firm: Ints
    klass: Ints
    day: Ints
    currency: Ints
    service: Ints
    partner: Ints
    reporter: Ints
    amount: Ints
    mad: Ints
    seq: Ints

    def __len__(self) -> int:
        return len(self.flow)

    def take(self, index: Ints) -> Batch:
        return Batch(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Batch]) -> Batch:
        return Batch(
            **{f.name: np.concatenate([getattr(b, f.name) for b in parts]) for f in fields(Batch)}
        )


@dataclass(frozen=True)
class World:
    """Everything fixed across months: the registry, the rates and the code tables."""

    firms: Firms
    rates: Rates
    firm_ids: tuple[str, ...]  # registered, then unregistered
    unregistered: dict[str, Ints]  # segment -> indices into firm_ids
    services: tuple[str, ...]
    partners: tuple[str, ...]

    @staticmethod
    def build(firms: Firms, rates: Rates) -> World:
        unreg = unregistered_ids()
        ids = list(firms.ids)
        positions = {}
        for seg, seg_ids in unreg.items():
            positions[seg] = np.arange(len(ids), len(ids) + len(seg_ids), dtype=np.int64)
            ids.extend(seg_ids)
        services = sorted(
            {c for t in P.EXPORT_SERVICES.values() for c in t}
            | set(P.IMPORT_SERVICES)
            | set(P.UNREGISTERED_IMPORT_SERVICES)
        )
        partners = sorted(
            {c for t in P.EXPORT_PARTNERS.values() for c in t} | set(P.IMPORT_PARTNERS)
        )
        return World(firms, rates, tuple(ids), positions, tuple(services), tuple(partners))

    def draw(
        self, table: dict[str, float], codes: tuple[str, ...], n: int, rng: np.random.Generator
    ) -> Ints:
        """Draw n codes from a weight table, as indices into ``codes``."""
        keys, p = probabilities(table)
        lookup = np.array([codes.index(k) for k in keys], dtype=np.int64)
        return lookup[rng.choice(len(keys), size=n, p=p)]


def unregistered_export_services(segment: str) -> dict[str, float]:
    """A segment's export codes that the concordance maps back to the segment.

    Records of unregistered firms are classified by their service code, so they
    must carry a code whose concordance segment is the one being calibrated.
    """
    table = {
        c: w for c, w in P.EXPORT_SERVICES[segment].items() if segment_for_service(c) == segment
    }
    if not table:
        raise RuntimeError(f"no export service code of {segment} maps back to it")
    return table


def class_of_service(code: str) -> int:
    """Index in CLASSES of the segment the concordance gives a code (else UNALLOCATED)."""
    return P.CLASSES.index(segment_for_service(code) or UNALLOCATED)


def month_days(month: str) -> Ints:
    """Days of a month (``YYYY-MM``) as days since 1970-01-01."""
    first = np.datetime64(month, "M")
    return np.arange(first, first + 1, dtype="datetime64[D]").astype(np.int64)


def _value_dates(days: Ints, n: int, rng: np.random.Generator) -> Ints:
    """Draw value dates: weekdays likelier than weekends, month end busier."""
    w = np.array(P.WEEKDAY_WEIGHTS)[weekday(days)]
    day_of_month = np.arange(1, len(days) + 1)
    w = w * np.where(day_of_month >= P.MONTH_END_FROM_DAY, P.MONTH_END_BOOST, 1.0)
    return rng.choice(days, size=n, p=w / w.sum())


def _currencies(world: World, partner: Ints, rng: np.random.Generator) -> Ints:
    """Settlement currency consistent with the partner; a few records in MAD."""
    out = np.empty(len(partner), dtype=np.int64)
    for p in np.unique(partner):
        mask = partner == p
        table = P.PARTNER_CURRENCIES[world.partners[p]]
        out[mask] = world.draw(table, P.CURRENCIES, int(mask.sum()), rng)
    out[rng.random(len(partner)) < P.MAD_SHARE] = MAD
    return out


def _reporters(world: World, firm: Ints, rng: np.random.Generator) -> Ints:
    """Reporting bank: a registered firm's main bank mostly, else by market share."""
    _, p = probabilities(P.REPORTERS)
    out = rng.choice(len(p), size=len(firm), p=p).astype(np.int64)
    registered = (firm >= 0) & (firm < len(world.firms))
    loyal = registered & (rng.random(len(firm)) < P.MAIN_BANK_SHARE)
    out[loyal] = world.firms.bank[firm[loyal]]
    return out


def _amounts(intent: Floats, currency: Ints, rate: Ints) -> Ints:
    """Amounts in cents of the currency whose MAD value is close to the intent (centimes)."""
    cents = np.rint(intent * 10_000 / rate).astype(np.int64)
    whole = np.isin(currency, [P.CURRENCIES.index(c) for c in P.WHOLE_UNIT_CURRENCIES])
    cents = np.where(whole, np.rint(cents / 100).astype(np.int64) * 100, cents)
    return np.maximum(cents, np.where(whole, 100, 1))


def _records(
    world: World,
    firm: Ints,
    klass: Ints,
    service: Ints,
    partner: Ints,
    flow: int,
    days: Ints,
    rng: np.random.Generator,
) -> Batch:
    """Assemble a batch with value dates, currencies and reporters (amounts zero)."""
    n = len(firm)
    zeros = np.zeros(n, dtype=np.int64)
    return Batch(
        flow=np.full(n, flow, dtype=np.int64),
        firm=firm,
        klass=klass,
        day=_value_dates(days, n, rng),
        currency=_currencies(world, partner, rng),
        service=service,
        partner=partner,
        reporter=_reporters(world, firm, rng),
        amount=zeros,
        mad=zeros.copy(),
        seq=zeros.copy(),
    )


def _unregistered_firms(pool: Ints, n: int, rng: np.random.Generator) -> Ints:
    """Unregistered firm identifiers from a pool; some records carry no identifier."""
    firm = rng.choice(pool, size=n)
    firm[rng.random(n) < P.EMPTY_FIRM_ID_SHARE] = -1
    return firm


def _exports(
    world: World, seg: int, n: int, target: int, days: Ints, rng: np.random.Generator
) -> Batch:
    """A segment's export receipts of one month, calibrated to ``target`` centimes."""
    name = SEGMENT_CODES[seg]
    members = world.firms.of_segment(seg)
    w = world.firms.weight[members]
    n_unreg = int(rng.binomial(n, P.UNREGISTERED_EXPORT_SHARE))
    reg = rng.choice(
        members, size=n - n_unreg, p=w**P.ROWS_ELASTICITY / (w**P.ROWS_ELASTICITY).sum()
    )
    firm = np.concatenate([reg, _unregistered_firms(world.unregistered[name], n_unreg, rng)])
    service = np.concatenate(
        [
            world.draw(P.EXPORT_SERVICES[name], world.services, n - n_unreg, rng),
            world.draw(unregistered_export_services(name), world.services, n_unreg, rng),
        ]
    )
    partner = world.draw(P.EXPORT_PARTNERS[name], world.partners, n, rng)
    batch = _records(world, firm, np.full(n, seg, dtype=np.int64), service, partner, 0, days, rng)
    scale = world.firms.weight[reg] ** (1 - P.ROWS_ELASTICITY)
    typical = np.median(w ** (1 - P.ROWS_ELASTICITY))
    scale = np.concatenate([scale, np.full(n_unreg, typical)])
    intent = scale * rng.lognormal(0.0, P.AMOUNT_SIGMA, n)
    if not (batch.currency == MAD).any():
        batch.currency[int(np.argmax(intent))] = MAD  # the cell's exact absorber
    _price(world, batch, intent * (target / intent.sum()))
    _absorb(batch, target, name)
    return batch


def _imports(world: World, n: int, value: float, days: Ints, rng: np.random.Generator) -> Batch:
    """Import payments of one month, worth about ``value`` centimes (not calibrated)."""
    firms = world.firms
    seg_share = np.array([P.ROW_SHARES[s] for s in SEGMENT_CODES], dtype=np.float64)
    size = firms.weight * seg_share[firms.segment]
    n_unreg = int(rng.binomial(n, P.UNREGISTERED_IMPORT_SHARE))
    p_rows = size**P.ROWS_ELASTICITY
    reg = rng.choice(len(firms), size=n - n_unreg, p=p_rows / p_rows.sum())
    pool = np.concatenate(list(world.unregistered.values()))
    firm = np.concatenate([reg, _unregistered_firms(pool, n_unreg, rng)])
    service = np.concatenate(
        [
            world.draw(P.IMPORT_SERVICES, world.services, n - n_unreg, rng),
            world.draw(P.UNREGISTERED_IMPORT_SERVICES, world.services, n_unreg, rng),
        ]
    )
    by_code = np.array([class_of_service(c) for c in world.services], dtype=np.int64)
    klass = np.concatenate([firms.segment[reg], by_code[service[n - n_unreg :]]])
    partner = world.draw(P.IMPORT_PARTNERS, world.partners, n, rng)
    batch = _records(world, firm, klass, service, partner, 1, days, rng)
    scale = np.concatenate(
        [
            size[reg] ** (1 - P.ROWS_ELASTICITY),
            np.full(n_unreg, np.median(size ** (1 - P.ROWS_ELASTICITY))),
        ]
    )
    intent = scale * rng.lognormal(0.0, P.AMOUNT_SIGMA, n)
    _price(world, batch, intent * (value * rng.uniform(0.9, 1.1) / max(intent.sum(), 1e-12)))
    return batch


def _price(world: World, batch: Batch, intent: Floats) -> None:
    """Set amounts from intended MAD values (centimes) and their exact MAD value."""
    rate = world.rates.lookup(batch.currency, batch.day)
    batch.amount = _amounts(intent, batch.currency, rate)
    batch.mad = mad_centimes(batch.amount, rate)


def _absorb(batch: Batch, target: int, segment: str) -> None:
    """Put the cell's rounding residual on its largest MAD-denominated record (rate 1)."""
    residual = target - int(batch.mad.sum())
    mad_rows = np.flatnonzero(batch.currency == MAD)
    k = int(mad_rows[np.argmax(batch.amount[mad_rows])])
    if batch.amount[k] + residual <= 0:
        log.warning("%s cell keeps a residual of %d centimes", segment, residual)
        return
    batch.amount[k] += residual
    batch.mad[k] += residual


def _every_bank_delivers(batch: Batch) -> Batch:
    """Give each bank at least one record of the month, so that every month is
    complete (``marsad coverage``): a bank without one takes the first record of
    the bank with the most. Draws nothing at random, so a month where every bank
    already reports (the demo's size) is unchanged."""
    counts = np.bincount(batch.reporter, minlength=len(P.REPORTERS))
    for bank in np.flatnonzero(counts == 0):
        donor = int(np.argmax(counts))
        if counts[donor] < 2:
            break  # fewer records than banks: nothing to spare
        k = int(np.flatnonzero(batch.reporter == donor)[0])
        batch.reporter[k] = bank
        counts[donor] -= 1
        counts[bank] += 1
    return batch


def _number(batch: Batch, rng: np.random.Generator) -> Batch:
    """Order records by value date and bank; number them per bank from 1."""
    out = batch.take(np.lexsort((rng.random(len(batch)), batch.reporter, batch.day)))
    by_bank = np.argsort(out.reporter, kind="stable")
    counts = np.bincount(out.reporter, minlength=len(P.REPORTERS))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    seq = np.empty(len(out), dtype=np.int64)
    seq[by_bank] = np.arange(len(out)) - np.repeat(starts, counts) + 1
    out.seq = seq
    return out


def make_month(
    world: World, n_rows: int, targets: dict[str, int], days: Ints, rng: np.random.Generator
) -> Batch:
    """All records of one month: exports calibrated per segment, then imports."""
    n_imports = round(n_rows * P.IMPORT_ROW_SHARE)
    seg_rows = largest_remainder(n_rows - n_imports, [P.ROW_SHARES[s] for s in SEGMENT_CODES])
    parts = [
        _exports(world, i, max(rows, 2), targets[s], days, rng)
        for i, (s, rows) in enumerate(zip(SEGMENT_CODES, seg_rows, strict=True))
    ]
    value = P.IMPORT_VALUE_RATIO * sum(targets.values())
    parts.append(_imports(world, n_imports, value, days, rng))
    return _number(_every_bank_delivers(Batch.concat(parts)), rng)
