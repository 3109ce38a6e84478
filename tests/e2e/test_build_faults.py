"""The build's side of real-world inputs and faults (issue 7): stale rates, amounts too
large to convert, overflowing cells, negative zeros, locks, read-only warehouses, values
printed verbatim. Inputs copied from ../shared/cases (synthetic)."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
FIRMS = """firm_id,name,segment,isic,city
F001,Alpha Services,ITO,6201,Rabat
F002,Beta Contact,CRM,8220,Casablanca
F003,Gamma Engineering,ESO,7112,Tanger
"""


@pytest.fixture
def run(tmp_path):
    """``run("build")`` runs a command on ``tmp_path/w.duckdb`` in-process."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [*args, "--warehouse", str(tmp_path / "w.duckdb")])

    return invoke


def _files(tmp_path: Path, **contents: str) -> dict[str, Path]:
    paths = {}
    for name, text in contents.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _exported(run, tmp_path: Path) -> dict[tuple, str]:
    out = tmp_path / "indicators.csv"
    res = run("export", "--internal", "--format", "csv", "--out", str(out))
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8") as f:
        return {(r["indicator"], r["period"], r["segment"]): r["value"] for r in csv.DictReader(f)}


def _plain_error(res, code: int = 1) -> str:
    """The command's one error line (and no traceback)."""
    assert res.exit_code == code, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    return [line for line in res.stderr.splitlines() if line.startswith("marsad: error:")][-1]


def test_case_08_a_rate_595_days_old_stops_the_build_until_a_recent_one_is_loaded(run, tmp_path):
    """realworld/08: G2 (2024-11-15) was converted silently at the 2023-03-31 GBP rate."""
    f = _files(
        tmp_path,
        firms=FIRMS,
        rates="date,currency,mad_per_unit\n2023-01-02,GBP,12.500000\n2023-03-31,GBP,12.300000\n",
        tx=HEADER + "\nG1,BANKA,F002,2023-04-03,C,100.00,GBP,SI22,GB"
        "\nG2,BANKA,F002,2024-11-15,C,100.00,GBP,SI22,GB\n",
        rates_nov="date,currency,mad_per_unit\n2024-11-14,GBP,12.900000\n",
    )
    for kind, name in (("firms", "firms"), ("rates", "rates"), ("transactions", "tx")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    line = _plain_error(run("build"))
    assert (
        "No exchange rate of GBP within 88 days before 2024-11-15 (latest 2023-03-31) "
        "for 1 record(s) loaded from tx.csv (load L00003)" in line
    )
    assert "100.00" not in line and "1230" not in line  # never a figure
    assert run("export", "--format", "csv", "--out", str(tmp_path / "x.csv")).exit_code == 1

    assert run("ingest", "--kind", "rates", str(f["rates_nov"])).exit_code == 0
    res = run("build")
    assert res.exit_code == 0, res.output
    values = _exported(run, tmp_path)
    assert values[("level", "2023-04", "TOTAL")] == "1230.00"  # 100 x 12.30, 3 days old
    assert values[("level", "2024-11", "TOTAL")] == "1290.00"  # 100 x 12.90, 1 day old


def test_a_monthly_rate_series_is_used_within_its_month_but_not_beyond(run, tmp_path):
    """realworld/01, 04, 05: rates published on the 1st of each month stopped every
    build once rates older than 7 days stopped it; a monthly series carries its
    rate for its own interval (31 days), and no further."""
    months = "".join(f"2024-{m:02d}-01,EUR,10.800000\n" for m in (1, 2, 3))
    f = _files(
        tmp_path,
        firms=FIRMS,
        rates="date,currency,mad_per_unit\n" + months,
        tx=HEADER + "\nE1,BANKA,F002,2024-01-15,C,100.00,EUR,SI22,FR\n",
        late=HEADER + "\nE2,BANKA,F002,2024-05-20,C,100.00,EUR,SI22,FR\n",
    )
    for kind, name in (("firms", "firms"), ("rates", "rates"), ("transactions", "tx")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    assert run("build").exit_code == 0
    assert _exported(run, tmp_path)[("level", "2024-01", "TOTAL")] == "1080.00"
    assert run("ingest", "--kind", "transactions", str(f["late"])).exit_code == 0
    line = _plain_error(run("build"))  # 2024-05-20 is 80 days after the last rate
    assert "No exchange rate of EUR within 30 days before 2024-05-20" in line


def test_the_rate_age_limit_is_a_setting(run, tmp_path, monkeypatch):
    f = _files(
        tmp_path,
        firms=FIRMS,
        rates="date,currency,mad_per_unit\n2024-01-01,EUR,10.000000\n",
        tx=HEADER + "\nE1,BANKA,F002,2024-01-11,C,1.00,EUR,SI22,FR\n",
    )
    for kind, name in (("firms", "firms"), ("rates", "rates"), ("transactions", "tx")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    assert "within 7 days before 2024-01-11" in _plain_error(run("build"))
    monkeypatch.setenv("MARSAD_RATE_MAX_AGE_DAYS", "10")
    assert run("build").exit_code == 0


def test_case_10_no_negative_zero_in_the_table_or_the_bulletin(run, tmp_path):
    """realworld/10: 116 values of the indicator table were written "-0.0000"."""
    lines = []
    # every month's total split over three firms, so that the totals are published
    januaries = {2023: ("8333329.67", "8333329.67", "8333329.66"),
                 2024: ("8333326.33", "8333326.33", "8333326.34")}  # fmt: skip
    for year, parts in januaries.items():
        for i, amount in enumerate(parts):
            lines.append(f"J-{year}-{i},BANKA,F00{i + 1},{year}-01-15,C,{amount},MAD,SI22,FR")
        for m in range(2, 13):
            for i in range(3):
                day = f"{year}-{m:02d}-15"
                lines.append(f"N-{year}{m:02d}-{i},BANKA,F00{i + 1},{day},C,1.00,MAD,SI22,FR")
    f = _files(tmp_path, firms=FIRMS, tx=HEADER + "\n" + "\n".join(lines) + "\n")
    assert run("ingest", "--kind", "firms", str(f["firms"])).exit_code == 0
    assert run("ingest", "--kind", "transactions", str(f["tx"])).exit_code == 0
    assert run("build").exit_code == 0
    values = _exported(run, tmp_path)
    for period in ("2024", "2024-S1", "2024-Q1", "2024-01"):
        assert values[("growth_yoy", period, "TOTAL")] == "0.0000"
    assert values[("ytd_growth_yoy", "2024-01", "TOTAL")] == "0.0000"
    assert not [v for v in values.values() if v.startswith("-") and Decimal(v) == 0]
    out = tmp_path / "b.md"
    assert run("bulletin", "--period", "2024", "--lang", "fr", "--out", str(out)).exit_code == 0
    assert "stables par rapport à 2023" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("tx", "rates"),
    [
        (
            "B1,BANKA,F002,2024-03-15,C,1500.00,EUR,SI22,DE\n"
            "B2,BANKA,F002,2024-03-15,C,940012345678901,EUR,SI22,DE",
            "2024-03-14,EUR,10.800000",
        ),
        ("C1,BANKA,F002,2024-03-15,C,100000000000000,MAD,SI22,DE", "2024-03-14,EUR,10.800000"),
    ],
    ids=["case-11-eur", "fault-04-mad"],
)
def test_an_amount_too_large_to_convert_stops_the_build_with_a_plain_line(run, tmp_path, tx, rates):
    """realworld/11, faults/04: an amount of 15 integer digits crashed the build with a
    ConversionException whose text printed the record's amount."""
    f = _files(
        tmp_path,
        firms=FIRMS,
        rates=f"date,currency,mad_per_unit\n{rates}\n",
        tx=f"{HEADER}\n{tx}\n",
    )
    for kind, name in (("firms", "firms"), ("rates", "rates"), ("transactions", "tx")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    res = run("build")
    line = _plain_error(res) if res.exit_code else ""
    if res.exit_code == 0 or "holds no transactions" in line:
        return  # quarantined at ingest (the ingest side of case 11): nothing left to convert
    assert "too large to convert" in line and "tx.csv (load L00003)" in line
    assert "940012345678901" not in line and "100000000000000" not in line


def test_fault_05_a_cube_cell_above_the_64_bit_range_is_exact(run, tmp_path):
    """faults/05: 100 records of 99999999999999.999 EUR in one cell (1.09e17 MAD) overflowed
    the BIGINT centimes of the cube cells and ended in a traceback."""
    tx = "".join(
        f"S{i},BK01,F001,2024-03-15,C,99999999999999.999,EUR,SI22,FR\n" for i in range(100)
    )
    f = _files(
        tmp_path,
        firms=FIRMS,
        rates="date,currency,mad_per_unit\n2024-03-14,EUR,10.900000\n",
        tx=f"{HEADER}\n{tx}",
    )
    for kind, name in (("firms", "firms"), ("rates", "rates"), ("transactions", "tx")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    res = run("build")
    if res.exit_code != 0:  # quarantined at ingest as too large: then nothing to sum
        _plain_error(res)
        return
    one = (Decimal("99999999999999.999") * Decimal("10.9")).quantize(Decimal("0.01"))
    values = _exported(run, tmp_path)
    assert values[("level", "2024-03", "TOTAL")] == f"{one * 100:f}"
    assert values[("level", "2024-03", "ITO")] == f"{one * 100:f}"


def test_printed_values_are_verbatim(run, tmp_path):
    """A file name with [bold] and an ESC sequence was interpreted by rich and the
    terminal; it is shown as it is, control characters escaped."""
    name = "evil[bold]\x1b[31mred.csv"
    src = tmp_path / name
    src.write_text(
        HEADER + "\nR1,BK1,F001,2024-01-05,C,1.00,EUR,SI22,FR\nR2,BK1,F001,x,C,1,EUR,SI22,FR\n"
    )
    res = run("ingest", "--kind", "transactions", str(src))
    assert res.exit_code == 0, res.output
    shown = "evil[bold]\\x1b[31mred.csv"
    assert shown in res.stdout and "\x1b" not in res.stdout
    for command in (("loads",), ("quarantine", "list"), ("quarantine", "show", "L00001")):
        res = run(*command)
        assert res.exit_code == 0, res.output
        assert "\x1b" not in res.stdout, command
        assert "evil[bold]" in res.stdout.replace("\n", ""), command
    res = run("build")  # no rate: the error names the file
    assert "\x1b" not in res.stderr and shown in res.stderr


def _warehouse_with_a_build(tmp_path: Path, run) -> None:
    f = _files(
        tmp_path,
        firms=FIRMS,
        rates="date,currency,mad_per_unit\n2024-01-12,EUR,10.900000\n2024-02-02,EUR,11.000000\n",
        # three firms of similar size: the monthly totals pass the confidentiality rules
        tx=HEADER
        + "".join(
            f"\nB{i}{m},BK01,{firm},2024-0{m}-{14 + m},C,{amount},EUR,SI22,FR"
            for i, (firm, amount) in enumerate((("F001", 1000), ("F002", 900), ("F003", 800)))
            for m in (1, 2)
        )
        + "\n",
    )
    for kind, name in (("firms", "firms"), ("rates", "rates"), ("transactions", "tx")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    assert run("build").exit_code == 0


def test_fault_09_a_locked_warehouse_is_one_plain_line_exit_2(run, tmp_path):
    """faults/09: build, export and bulletin ended with a traceback while another process
    held the warehouse."""
    _warehouse_with_a_build(tmp_path, run)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)",
            str(tmp_path / "w.duckdb"),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        for command in (
            ("build",),
            ("export", "--format", "csv", "--out", str(tmp_path / "x.csv")),
            ("bulletin", "--period", "2024-02", "--out", str(tmp_path / "b.html")),
            ("loads",),
            ("quarantine", "list"),
        ):
            line = _plain_error(run(*command), code=2)
            assert "is locked by another process (PID" in line, command
        assert not (tmp_path / "x.csv").exists()
    finally:
        holder.kill()
        holder.wait()


def test_fault_14_commands_that_do_not_load_never_create_a_warehouse(tmp_path):
    runner = CliRunner()
    for i, command in enumerate((("build",), ("loads",), ("quarantine", "list"))):
        path = tmp_path / f"typo{i}.duckdb"
        res = runner.invoke(app, [*command, "--warehouse", str(path)])
        assert res.exit_code == 2 and "no warehouse at" in res.stderr
        assert not path.exists()


def test_output_files_are_written_whole_or_not_at_all(run, tmp_path, monkeypatch):
    """An export that fails half-way left a truncated file in place of the previous one."""
    _warehouse_with_a_build(tmp_path, run)
    out = tmp_path / "indicators.csv"
    out.write_text("the previous export\n")
    import marsad.publish.export as export

    def broken_writer(f, **kwargs):
        f.write("half a line")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export.csv, "writer", broken_writer)
    res = run("export", "--internal", "--format", "csv", "--out", str(out))
    assert res.exit_code == 2, res.output
    assert "no space left on the disk" in res.stderr
    assert out.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_build_killed_after_the_cube_leaves_export_and_bulletin_on_one_release(tmp_path):
    """faults/10: killed between cube and indicators, the warehouse held the new cube and
    the old indicators: export published one release and the bulletin another."""
    run_in = CliRunner()
    wh = str(tmp_path / "w.duckdb")
    _warehouse_with_a_build(tmp_path, lambda *a: run_in.invoke(app, [*a, "--warehouse", wh]))
    before = _releases(tmp_path, wh)
    more = tmp_path / "more.csv"
    more.write_text(
        HEADER + "\nB7,BK01,F002,2024-02-06,C,4000.00,EUR,SI22,FR"
        "\nB8,BK01,F003,2024-02-06,C,4000.00,EUR,SI22,FR\n"
    )
    assert (
        run_in.invoke(
            app, ["ingest", "--kind", "transactions", str(more), "--warehouse", wh]
        ).exit_code
        == 0
    )
    script = (
        "import os, signal, sys\n"
        "import marsad.build_heavy as H\n"
        "def killing(orig):\n"  # killed once the cube is stored, however it is stored
        "    def store(wh, name, rows, months):\n"
        "        n = orig(wh, name, rows, months)\n"
        "        if name == 'cube':\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "        return n\n"
        "    return store\n"
        "H.store, H.store_sql = killing(H.store), killing(H.store_sql)\n"
        "sys.argv = ['marsad', 'build', '--warehouse', sys.argv[1]]\n"
        "from marsad.cli import app\n"
        "app()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, wh], capture_output=True, timeout=300)
    assert proc.returncode == -9
    assert _releases(tmp_path, wh) == before  # the previous build, whole
    assert run_in.invoke(app, ["build", "--warehouse", wh]).exit_code == 0
    after = _releases(tmp_path, wh)
    assert after[0] == after[1] != before[0]


def _releases(tmp_path: Path, wh: str) -> tuple[str, str]:
    """The release the export shows and the one the bulletin shows."""
    runner = CliRunner()
    out, md = tmp_path / "r.csv", tmp_path / "r.md"
    assert (
        runner.invoke(
            app, ["export", "--internal", "--format", "csv", "--out", str(out), "--warehouse", wh]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["bulletin", "--period", "2024-02", "--out", str(md), "--warehouse", wh]
        ).exit_code
        == 0
    )
    with out.open(encoding="utf-8") as f:
        exported = {r["release"] for r in csv.DictReader(f)}
    assert len(exported) == 1
    text = md.read_text(encoding="utf-8")
    release = exported.pop()
    return release, release if release in text else "not in the bulletin"


def test_a_missing_rate_in_the_month_in_course_is_a_warning_of_build_coverage_release(
    run, tmp_path, monkeypatch
):
    """A reviewer's find: `marsad build` on 2025-01-20 stopped (exit 1) on one CHF record
    of 2025-01-10 without a rate, though 2025-01 is not over: 2024-12 was not refreshed.
    The month in course waits, said by build, coverage and release create; once over,
    the build stops as before."""
    rows = "".join(
        f"\nR{k}{f},BANKA,{f},2024-12-1{k},C,100.00,MAD,SI22,FR"
        for k in range(3)
        for f in ("F001", "F002", "F003")
    )
    f = _files(
        tmp_path,
        firms=FIRMS,
        tx=HEADER + rows + "\nJ1,BANKA,F001,2025-01-10,C,100.00,MAD,SI22,FR",
        chf=HEADER + "\nN1,BANKA,F001,2025-01-10,C,1000.00,CHF,SI22,CH\n",
    )
    for kind, name in (("firms", "firms"), ("transactions", "tx"), ("transactions", "chf")):
        assert run("ingest", "--kind", kind, str(f[name])).exit_code == 0
    monkeypatch.setenv("MARSAD_TODAY", "2025-01-20")
    res = run("build")
    assert res.exit_code == 0, res.output
    said = (
        "2025-01 (not over yet): No exchange rate on or before the value date for 1 "
        "record(s) in CHF dated 2025-01-10 loaded from chf.csv (load L00003), e.g. record N1"
    )
    assert "Records without a usable exchange rate in months not complete" in res.stdout
    assert f"  {said}" in res.stdout.splitlines()
    assert _exported(run, tmp_path)[("level", "2024-12", "TOTAL")] == "900.00"
    res = run("coverage")
    assert res.exit_code == 0 and f"  {said}" in res.stdout.splitlines(), res.output
    res = run("release", "create", "--id", "R1", "--date", "2025-01-20")
    assert res.exit_code == 0, res.output
    assert f"  {said}" in res.stderr.splitlines()

    monkeypatch.setenv("MARSAD_TODAY", "2025-02-03")
    res = run("coverage")  # complete now: the next build stops
    assert "2025-01 (complete: the next build stops until its rates are loaded)" in res.stdout
    assert _plain_error(run("build")) == (
        "marsad: error: No exchange rate on or before the value date for 1 record(s) in CHF "
        "dated 2025-01-10 loaded from chf.csv (load L00003), e.g. record N1. Load rates that "
        "cover them (`marsad ingest --kind rates FILE`) and build again."
    )
