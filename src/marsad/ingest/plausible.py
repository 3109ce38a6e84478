"""Plausibility of exchange rates: an isolated spike is quarantined (rule ``implausible``).

A rate is an *isolated spike* when it is at least ``MARSAD_RATE_SPIKE_FACTOR`` times
(default 1.5) above **both** rates beside it in date, the previous and the next known
rate of its currency (in the file, in an earlier file of the same call, or in the
warehouse), or as many times below both. A decimal point shifted (EUR 108.5 or 1.085
for 10.85), a rate per 100 units among rates per unit, or an inverted rate gives a factor
of about 10 or 100; no currency's market rate jumps by half and comes back the next
day. A real level shift (a devaluation) differs from the rate before it but agrees with
the rate after it: it is no spike. Two wrong rates side by side agree with each other
and are not found (a known limit of the rule). A typo the day before a devaluation
makes the day after it a dip between the typo and the new level: of two spikes side by
side the one farther from its neighbours is taken (the earlier of two as far), then the
other is checked again without it; beside a level shift larger than the typo, which of
the two days is wrong cannot be told, and the farther one is taken.

A rate with one neighbour only (the first or the last of its currency) is not
checked: a factor between two rates says one of them is wrong, not which, and a
devaluation on the last day known looks the same as a typo. It is checked when a later
file brings its other neighbour: that file's load says so in a note (below).

The check runs after the row checks (:mod:`marsad.ingest.validate`) and the in-file
repeats (:func:`marsad.ingest.versions.mark_duplicates_in_file`), file by file in the
batch's order, as if the files were loaded one after the other: a row of file ``i`` is
checked against the good rows of files up to ``i`` (the latest version of each day) and
the rates of the warehouse they do not replace. A row that repeats the rate the
warehouse holds for its day is never quarantined (it was accepted before).

- **Waived, it is loaded.** Every other rule refuses a value that cannot be right; a
  spike may be right (a currency in crisis). ``marsad quarantine waive`` of an
  ``implausible`` rate says it is: the rate is put in force as a version of its load
  (:func:`accept_waived`), replacing the version of its day it had failed to correct
  (kept in ``rates_history``); ``unwaive`` takes it out again and brings that version
  back (:func:`revoke_waived`).
- **Already loaded, it stays.** A rate loaded earlier (when it was the last of its
  currency, or before this rule) that the new file's rates now show to be a spike is not
  changed: the builds and releases made with it stand. The load says so, in a note
  naming the rate, its load and line, and the rates beside it; to change it, load the
  right rate for that day (a correction) or withdraw its load. A rate put in force by a
  waiver is not noted again.

>>> rate_text(Decimal("108.5")), rate_text(Decimal("0.000100")), rate_text(Decimal("10.123456"))
('108.500', '0.0001', '10.123456')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from marsad.engine import Warehouse
from marsad.ingest.keys import CHK, UNIT_OF, load_number, table_columns
from marsad.ingest.staging import BatchFile

#: The rule's id in the quarantine.
RULE = "implausible"
#: The column it is reported on.
COLUMN = "mad_per_unit"
SERIES = "_ing_rate_series"
FLAGGED = "_ing_rate_spikes"


def rate_text(rate: Decimal) -> str:
    """A rate as the messages write it: at least 3 decimals, at most 6 (its own)."""
    text = f"{rate:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(3, '0')}"


@dataclass(frozen=True)
class Spike:
    """A rate and the two beside it (``prev``, ``next``), of one currency."""

    currency: str
    date: dt.date
    rate: Decimal
    prev_date: dt.date
    prev: Decimal
    next_date: dt.date
    next: Decimal

    def words(self, loaded: str = "", written: tuple[str, str] | None = None) -> str:
        """The spike in words (``loaded``: said of the rate after its date; ``written``:
        its rate and date as the file wrote them, ``("108,5", "5/3/2024")``, quoted
        instead of the rate and date read).

        >>> import datetime as dt
        >>> d = dt.date(2024, 3, 5)
        >>> Spike("EUR", d, Decimal("108.5"), d.replace(day=4), Decimal("10.85"),
        ...       d.replace(day=6), Decimal("10.86")).words()
        'EUR 108.500 MAD on 2024-03-05 is 10.0x the rates beside it (10.850 on 2024-03-04, 10.860 on 2024-03-06)'
        >>> Spike("EUR", d, Decimal("1.085"), d.replace(day=4), Decimal("10.85"),
        ...       d.replace(day=6), Decimal("10.86")).words()
        'EUR 1.085 MAD on 2024-03-05 is 1/10.0 of the rates beside it (10.850 on 2024-03-04, 10.860 on 2024-03-06)'
        """  # noqa: E501
        if self.rate > self.prev:
            factor = min(self.rate / self.prev, self.rate / self.next)
            how = f"{factor:.1f}x the rates beside it"
        else:
            factor = min(self.prev / self.rate, self.next / self.rate)
            how = f"1/{factor:.1f} of the rates beside it"
        rate, date = written or (rate_text(self.rate), str(self.date))
        return (
            f"{self.currency} {rate} MAD on {date}{loaded} is {how} "
            f"({rate_text(self.prev)} on {self.prev_date}, "
            f"{rate_text(self.next)} on {self.next_date})"
        )


def _series(wh: Warehouse, upto: int) -> None:
    """``_ing_rate_series``: every rate known once the batch's files up to ``upto`` are
    loaded: their good rows (the latest file's version of a day) and the warehouse's
    rates of the other days. ``_file`` is NULL for a rate of the warehouse; ``_new``
    tells a row of the batch that is not the warehouse's rate of its day."""
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {SERIES} AS
        WITH b AS (
            SELECT date, currency, mad_per_unit, _file, _line FROM {CHK}
            WHERE _fail IS NULL AND _file <= {int(upto)}
            QUALIFY row_number() OVER (PARTITION BY date, currency ORDER BY _file DESC) = 1)
        SELECT b.*, NULL::VARCHAR AS load_id, NULL::BIGINT AS line,
               r.mad_per_unit IS DISTINCT FROM b.mad_per_unit AS _new
        FROM b LEFT JOIN rates r USING (date, currency)
        UNION ALL
        SELECT r.date, r.currency, r.mad_per_unit, NULL, NULL, r.load_id, r.line, false
        FROM rates r ANTI JOIN b USING (date, currency)"""
    )


def _spikes_sql(factor: Decimal, where: str) -> str:
    """SQL: the spikes of ``_ing_rate_series`` (with their neighbours, ``p_``/``n_``, and
    ``factor``: how many times the nearer of them they are) that match ``where``;
    ``p_spike``, ``p_factor``, ``n_spike``, ``n_factor`` tell whether the rows beside
    a spike are spikes too, and how far."""
    f = f"{Decimal(factor)}::DECIMAL(12,6)"
    r = "mad_per_unit"
    return f"""
        WITH s AS (
            SELECT *, lag({r}) OVER w AS p_rate, lag(date) OVER w AS p_date,
                   lag(_file) OVER w AS p_file, lag(_new) OVER w AS p_new,
                   lead({r}) OVER w AS n_rate, lead(date) OVER w AS n_date,
                   lead(_file) OVER w AS n_file, lead(_new) OVER w AS n_new
            FROM {SERIES} WINDOW w AS (PARTITION BY currency ORDER BY date)),
        w AS (  -- (wide: rate x factor overflows DECIMAL(18,6) from 10^6 / factor)
            SELECT *, {r}::DECIMAL(38,6) AS _r, p_rate::DECIMAL(38,6) AS _p,
                   n_rate::DECIMAL(38,6) AS _n FROM s),
        k AS (
            SELECT * EXCLUDE (_r, _p, _n),
                   coalesce((_r >= {f} * _p AND _r >= {f} * _n)
                            OR (_r * {f} <= _p AND _r * {f} <= _n), false) AS spike,
                   CASE WHEN _r > _p THEN least(_r / _p, _r / _n)
                        ELSE least(_p / _r, _n / _r) END AS factor
            FROM w),
        a AS (
            SELECT *, lag(spike) OVER w AS p_spike, lag(factor) OVER w AS p_factor,
                   lead(spike) OVER w AS n_spike, lead(factor) OVER w AS n_factor
            FROM k WINDOW w AS (PARTITION BY currency ORDER BY date))
        SELECT * FROM a WHERE spike AND ({where})"""


#: SQL: of two spikes side by side, the farther from its neighbours, or the earlier of
#: two as far (a typo beside a devaluation makes the day before the devaluation a dip
#: between the typo and the new level: the typo is taken, then the dip is checked again)
_FIRST = (
    "NOT coalesce(p_spike AND p_factor >= factor, false) "
    "AND NOT coalesce(n_spike AND n_factor > factor, false)"
)
#: Rounds of spikes side by side taken one after the other, at most (a file of garbage:
#: what is left is quarantined in one round)
_ROUNDS = 50


def _spike(row: tuple) -> Spike:
    currency, date, rate, p_date, p_rate, n_date, n_rate = row
    return Spike(currency, date, rate, p_date, p_rate, n_date, n_rate)


_SPIKE_COLUMNS = "currency, date, mad_per_unit, p_date, p_rate, n_date, n_rate"


def check_rates(wh: Warehouse, files: list[BatchFile], factor: Decimal | None = None) -> None:
    """Quarantine the isolated spikes among the good rows of ``_ing_chk`` (rule
    ``implausible``), file by file; add to each file's notes the rates already loaded
    that its rows make spikes."""
    if factor is None:
        from marsad.settings import get_settings

        factor = get_settings().rate_spike_factor
    for f in sorted(files, key=lambda f: f.index):
        i = f.index
        _series(wh, i)
        for round_ in range(_ROUNDS + 1):
            where = f"_file = {i} AND _new" + (f" AND {_FIRST}" if round_ < _ROUNDS else "")
            found = wh.sql(f"SELECT _line, {_SPIKE_COLUMNS} FROM ({_spikes_sql(factor, where)})")
            if not found:
                break
            written = _written(wh, i, [line for line, *_ in found])
            _quarantine(wh, i, [(line, _spike(rest).words(written=written.get(line)))
                                for line, *rest in found])  # fmt: skip
            _series(wh, i)
        f.staged.notes.extend(_already_loaded(wh, i, factor))
    wh.sql(f"DROP TABLE IF EXISTS {SERIES}")


def _written(wh: Warehouse, i: int, lines: list[int]) -> dict[int, tuple[str, str]]:
    """Line -> (rate, date) as file ``i`` wrote them (``("108,5", "5/3/2024")``), from
    the record the checks keep of every row of a rates file."""
    rows = wh.sql(
        f"""SELECT _line, json_extract_string(_record, '$.{COLUMN}'),
                   json_extract_string(_record, '$.date')
            FROM {CHK} WHERE _file = {int(i)} AND list_contains(?::BIGINT[], _line)""",
        [lines],
    )
    return {line: (rate, date) for line, rate, date in rows if rate and date}


def _quarantine(wh: Warehouse, i: int, spikes: list[tuple[int, str]]) -> None:
    """Mark the rows of file ``i`` at the lines of ``spikes`` implausible, with their message."""
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {FLAGGED} AS
            SELECT unnest(?::BIGINT[]) AS _line, unnest(?::VARCHAR[]) AS words""",
        [[line for line, _ in spikes], [words for _, words in spikes]],
    )
    advice = (
        ": a decimal point in the wrong place, or a rate per 100 units? If the rate is "
        "right, waive the row (marsad quarantine waive) and it is loaded"
    )
    # (the row as written, else as read: kept by the checks, validate._RECORD_EVERY_ROW)
    read = (
        f"to_json(struct_pack(date := {CHK}.date::VARCHAR, currency := {CHK}.currency, "
        f"{COLUMN} := {CHK}.{COLUMN}::VARCHAR))::VARCHAR"
    )
    wh.sql(
        f"""UPDATE {CHK} SET
              _fail = '{RULE}|{COLUMN}|',
              _value = coalesce(json_extract_string({CHK}._record, '$.{COLUMN}'),
                                {CHK}.{COLUMN}::VARCHAR),
              _record = coalesce({CHK}._record, {read}),
              _msg = {UNIT_OF}({CHK}._file) || ' ' || {CHK}._line || ', column {COLUMN}: '
                     || s.words || '{advice}'
            FROM {FLAGGED} s WHERE {CHK}._file = {int(i)} AND {CHK}._line = s._line"""
    )
    wh.sql(f"DROP TABLE {FLAGGED}")


def _already_loaded(wh: Warehouse, i: int, factor: Decimal) -> list[str]:
    """Notes on the rates loaded before file ``i`` (by an earlier load or an earlier file
    of the batch) that are spikes now that file ``i`` brings a rate beside them; not
    those a waiver put in force."""
    beside = f"(p_file = {int(i)} AND p_new) OR (n_file = {int(i)} AND n_new)"
    waived = """EXISTS (SELECT 1 FROM ingest_quarantine q WHERE q.rule = '{rule}'
                AND q.load_id = a.load_id AND q.line = a.line AND q.waived_at IS NOT NULL)"""
    where = f"(_file IS NULL OR _file < {int(i)}) AND ({beside}) AND NOT {waived.format(rule=RULE)}"
    rows = wh.sql(
        f"""SELECT {_SPIKE_COLUMNS}, s.load_id, l.file_name, coalesce(s.line, s._line)
            FROM ({_spikes_sql(factor, where)}) s
            LEFT JOIN ingest_loads l ON l.load_id = s.load_id ORDER BY currency, date"""
    )
    notes = []
    for *spike, load_id, file_name, line in rows:
        where_from = (
            f"load {load_id}, {file_name} line {line}"
            if load_id
            else f"an earlier file of this call, line {line}"
        )
        loaded = f", loaded before ({where_from}),"
        notes.append(
            f"{_spike(tuple(spike)).words(loaded)} now that this file gives a rate beside it: "
            "it stays in force; if it is wrong, load the right rate for that day (a "
            "correction) or withdraw its load (marsad loads withdraw)"
        )
    return notes


# -- waivers: a waived implausible rate is in force ------------------------------

_WAIVED = "_wv_rates"
_SAME_DAY = "r.date = w.date AND r.currency = w.currency"


def _waived_rates(wh: Warehouse, where: str, params: list) -> None:
    """``_wv_rates``: the implausible rates among the quarantined rows ``where`` (on
    ``ingest_quarantine q``), as read (date, currency, rate), with their load and line;
    of one day, the latest load's."""
    value = "json_extract_string(q.canonical, '$.{}')"
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {_WAIVED} AS
            SELECT * FROM (
                SELECT q.load_id, q.line,
                       TRY_CAST({value.format("date")} AS DATE) AS date,
                       {value.format("currency")} AS currency,
                       TRY_CAST({value.format(COLUMN)} AS DECIMAL(18,6)) AS {COLUMN}
                FROM ingest_quarantine q
                WHERE {where} AND q.kind = 'rates' AND q.rule = '{RULE}')
            WHERE date IS NOT NULL AND currency IS NOT NULL AND {COLUMN} IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY date, currency
                ORDER BY {load_number()} DESC, line DESC) = 1""",
        params,
    )


def accept_waived(wh: Warehouse, where: str, params: list) -> int:
    """Put in force the implausible rates among the rows being waived (``where`` on
    ``ingest_quarantine q``, with ``params``): each becomes the rate of its day, a
    version of its load and line; the version it replaces goes to ``rates_history``,
    superseded by that load (as a correction would have done). A day whose rate in
    force came from a later load keeps it (a later load that brought a good rate of
    that day resolved the row: it is not open). Returns how many were put in force.
    Called inside the waiver's transaction."""
    _waived_rates(wh, where, params)
    later = f"{load_number('r.load_id')} > {load_number('w.load_id')}"
    wh.sql(
        f"""DELETE FROM {_WAIVED} w USING rates r
            WHERE {_SAME_DAY} AND {later}"""
    )
    cols = ", ".join(f"r.{c}" for c in table_columns(wh, "rates"))
    wh.sql(
        f"""INSERT INTO rates_history
            SELECT {cols}, w.load_id, now()::TIMESTAMP
            FROM rates r JOIN {_WAIVED} w USING (date, currency)"""
    )
    wh.sql(f"DELETE FROM rates r USING {_WAIVED} w WHERE {_SAME_DAY}")
    wh.sql(
        f"""INSERT INTO rates (date, currency, {COLUMN}, load_id, line)
            SELECT date, currency, {COLUMN}, load_id, line FROM {_WAIVED}"""
    )
    n = int(wh.scalar(f"SELECT count(*) FROM {_WAIVED}"))
    wh.sql(f"DROP TABLE {_WAIVED}")
    return n


def revoke_waived(wh: Warehouse, where: str, params: list) -> int:
    """Take out of force the implausible rates a waiver put there, among the rows being
    unwaived (``where`` on ``ingest_quarantine q``): the rate of its day is again the
    version it had replaced (back from ``rates_history``), or none. A rate a later load
    has corrected since is left as it is. Returns how many were taken out."""
    _waived_rates(wh, where, params)
    wh.sql(
        f"""DELETE FROM {_WAIVED} w WHERE NOT EXISTS (SELECT 1 FROM rates r
            WHERE {_SAME_DAY} AND r.load_id = w.load_id AND r.line = w.line)"""
    )
    wh.sql(f"DELETE FROM rates r USING {_WAIVED} w WHERE {_SAME_DAY}")
    names = table_columns(wh, "rates")
    cols = ", ".join(names)
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE _wv_back AS
            SELECT h.* FROM rates_history h JOIN {_WAIVED} w USING (date, currency)
            WHERE h.superseded_by = w.load_id AND h.load_id <> w.load_id
            QUALIFY row_number() OVER (PARTITION BY h.date, h.currency
                                       ORDER BY h.superseded_at DESC) = 1"""
    )
    wh.sql(f"INSERT INTO rates ({cols}) SELECT {cols} FROM _wv_back")
    wh.sql(
        """DELETE FROM rates_history h USING _wv_back b
           WHERE h.date = b.date AND h.currency = b.currency AND h.load_id = b.load_id
             AND h.superseded_by = b.superseded_by"""
    )
    n = int(wh.scalar(f"SELECT count(*) FROM {_WAIVED}"))
    for table in (_WAIVED, "_wv_back"):
        wh.sql(f"DROP TABLE {table}")
    return n
