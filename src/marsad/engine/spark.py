"""The Spark engine: the build's Ibis expressions on a Spark session (Ibis's PySpark backend).

:class:`SparkEngine` starts a session on ``MARSAD_SPARK_MASTER`` (default ``local[*]``,
every core of this machine; ``spark://host:7077`` a standalone cluster, whose
executors must see the record store at the same path), reads the record store's
Parquet parts as temporary views, and returns results as Arrow with the types
DuckDB gives (DECIMAL(38,2) stays ``decimal128(38, 2)``), so that both engines
store the same tables. The session runs with ANSI SQL on (a decimal that
overflows is an error, never a null), the time zone UTC, no web UI, a temporary
``spark.sql.warehouse.dir`` (removed on close) and Java's own output sent to a
log file in it (nothing on the terminal); :meth:`SparkEngine.close` stops it.

What stops it, in one plain line (:class:`~marsad.errors.BadArgument`, exit 2):
pyspark not installed (``pip install 'marsad[spark]'``), no Java (``java`` not
on the PATH, nor under ``JAVA_HOME``), a master that cannot be reached or where
another service answers (a web server: told in a second, where Spark retried for 80 s).

>>> spark_type("DECIMAL(18,3)"), spark_type("VARCHAR")
('DECIMAL(18,3)', 'STRING')
>>> check_master("local[2]"), check_master("spark://127.0.0.1:1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
marsad.errors.BadArgument: cannot reach the Spark master spark://127.0.0.1:1 ...
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
from pyspark import SparkConf, SparkContext  # ImportError without pyspark: open_engine says so
from pyspark.sql import SparkSession

from marsad.engine.compute import Engine, Month
from marsad.errors import BadArgument

if TYPE_CHECKING:
    from marsad.engine.warehouse import Warehouse

#: SQL settings the results depend on, set on every session the engine uses.
SQL_CONF = {
    "spark.sql.ansi.enabled": "true",  # decimal overflow is an error, never a null
    "spark.sql.session.timeZone": "UTC",
}
#: The settings of a session the engine starts (other settings: ``spark-defaults.conf``
#: in ``$SPARK_CONF_DIR``, read by Spark itself).
SESSION_CONF = {
    "spark.app.name": "marsad",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    **SQL_CONF,
}
#: Set on a session the engine starts on a ``local`` master, unless Spark's own
#: configuration (``spark-defaults.conf``) sets them: the shuffle's partitions, sized to
#: the records (one per :data:`SHUFFLE_BYTES` of their Parquet files, at least one per
#: core, at most Spark's default 200; :func:`local_sql_conf`). The results do not depend
#: on them; 200 partitions on a small warehouse made every aggregate 200 tasks' files.
LOCAL_SQL_CONF = ("spark.sql.shuffle.partitions",)
#: Bytes of the records' Parquet files per shuffle partition on a local master.
SHUFFLE_BYTES = 32 * 2**20
#: Java options of the JVM the engine launches for a ``local`` master when the records
#: are small (:data:`SMALL_BYTES` of Parquet or less), unless ``spark-defaults.conf``
#: sets ``spark.driver.defaultJavaOptions`` (options in ``spark.driver.extraJavaOptions``
#: come after these, and win): Java's quick compiler only (C1), where its optimising
#: one (C2) took longer to compile Spark's code than the queries took to run (a
#: 2,436-record build's Spark stages 14 s instead of 20 s, on a loaded machine).
SMALL_JAVA_OPTIONS = {"spark.driver.defaultJavaOptions": "-XX:TieredStopAtLevel=1"}
#: Records this small (bytes of Parquet: about 1.5M records) start
#: :data:`SMALL_JAVA_OPTIONS`. At 1M records (11 MB) C1 alone still won (Spark's part of
#: a build 68 s, 80 s with C2: its start and first query faster, the cube 20% slower);
#: beyond, the cube's time grows and C2's start costs the same.
SMALL_BYTES = 16 * 2**20
#: Seconds to wait for a ``spark://`` master to answer before giving up.
CONNECT_TIMEOUT = 5.0
_views = itertools.count()


def spark_type(sql_type: str) -> str:
    """The Spark SQL type of a DuckDB column type (``VARCHAR`` -> ``STRING``; DATE,
    BIGINT, INTEGER and DECIMAL(p,s) are written alike)."""
    return "STRING" if sql_type.upper() == "VARCHAR" else sql_type.upper()


def local_sql_conf(cores: int, parquet_bytes: int) -> dict[str, str]:
    """:data:`LOCAL_SQL_CONF`'s values on a local master of ``cores`` cores, for records
    of ``parquet_bytes`` bytes of Parquet.

    >>> local_sql_conf(2, 10_000), local_sql_conf(2, 10**9), local_sql_conf(4, 10**12)
    ({'spark.sql.shuffle.partitions': '2'}, {'spark.sql.shuffle.partitions': '30'}, \
{'spark.sql.shuffle.partitions': '200'})
    """
    partitions = min(max(cores, -(-parquet_bytes // SHUFFLE_BYTES)), 200)
    return {"spark.sql.shuffle.partitions": str(partitions)}


def launch_conf(master: str, parquet_bytes: int) -> dict[str, str]:
    """Settings of the JVM the engine launches on ``master`` for records of
    ``parquet_bytes`` bytes of Parquet: :data:`SMALL_JAVA_OPTIONS` on a small local one,
    but for what ``spark-defaults.conf`` sets; nothing otherwise.

    >>> launch_conf("local[2]", 10**6), launch_conf("local[2]", 10**8)
    ({'spark.driver.defaultJavaOptions': '-XX:TieredStopAtLevel=1'}, {})
    >>> launch_conf("spark://node1:7077", 10**6)
    {}
    """
    if not master.startswith("local") or parquet_bytes > SMALL_BYTES:
        return {}
    given = spark_defaults()
    return {k: v for k, v in SMALL_JAVA_OPTIONS.items() if k not in given}


def spark_defaults() -> set[str]:
    """The settings ``spark-defaults.conf`` names (in ``$SPARK_CONF_DIR``, else
    ``$SPARK_HOME/conf``, else pyspark's own ``conf``), as Spark's launcher reads it:
    one ``key value`` a line, ``#`` comments; empty without the file."""
    folder = os.environ.get("SPARK_CONF_DIR")
    if not folder:
        from pyspark.find_spark_home import _find_spark_home

        folder = os.path.join(_find_spark_home(), "conf")
    try:
        text = Path(folder, "spark-defaults.conf").read_text(errors="replace")
    except OSError:
        return set()
    lines = (line.strip() for line in text.splitlines())
    return {line.split(None, 1)[0] for line in lines if line and not line.startswith("#")}


def java_command() -> str | None:
    """The ``java`` Spark will run: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else
    the one on the PATH; None when there is none."""
    home = os.environ.get("JAVA_HOME")
    if home:
        found = Path(home) / "bin" / "java"
        return str(found) if found.exists() else None
    return shutil.which("java")


#: Prefix of a session's folder in the temporary directory, followed by its process id.
_FOLDER = "marsad-spark-"


def sweep_folders(root: Path | None = None) -> int:
    """Remove the session folders (Java's log, Spark's SQL warehouse) that builds killed
    before they could (``kill -9``) left in ``root`` (the temporary directory): those
    whose process is gone. Returns how many.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for pid in (999_999_999, os.getpid()):   # a process gone, this one
    ...     (root / f"marsad-spark-{pid}-x").mkdir()
    >>> sweep_folders(root), [p.name for p in root.iterdir()] == [f"marsad-spark-{os.getpid()}-x"]
    (1, True)
    """
    removed = 0
    for folder in Path(root or tempfile.gettempdir()).glob(f"{_FOLDER}*-*"):
        pid = folder.name.removeprefix(_FOLDER).split("-", 1)[0]
        if not re.fullmatch("[0-9]{1,9}", pid) or _alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def hadoop_path(path: Path) -> str:
    r"""``path`` as Spark's readers take it literally: Hadoop reads every path as a glob
    pattern, so a warehouse in a folder ``w*`` read the parts of ``wx`` too (figures
    doubled, without a word), and one in ``g[1]`` none (``PATH_NOT_FOUND``); each of
    ``\*?[]{}`` is escaped with a backslash (:func:`marsad.engine.sql.quote_path` does
    the same for DuckDB's readers).

    >>> print(hadoop_path(Path("/data/w*/g[1]/{a,b}?.parquet")))
    /data/w\*/g\[1\]/\{a,b\}\?.parquet
    """
    return re.sub(r"([\\*?\[\]{}])", r"\\\1", str(path))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # (another user's process; or not a process id at all: left alone)
    return True


def check_master(master: str) -> None:
    """Stop with one plain line when a ``spark://host:port[,host:port]`` master does not
    answer within :data:`CONNECT_TIMEOUT` seconds, or another service answers there in
    text (:func:`_other_service`, within :data:`PROBE_WAIT` seconds) on every address
    (other masters are left to Spark).

    Raises :class:`~marsad.errors.BadArgument` naming the master and the reason.
    """
    if not master.startswith("spark://"):
        return
    reason = "no host:port"
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        if not host or not re.fullmatch("[0-9]{1,5}", port) or not 0 < int(port) < 65536:
            reason = (
                f"{address!r} is not host:port (a port from 1 to 65535), e.g. spark://node1:7077"
            )
            continue
        try:
            with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT) as sock:
                other = _other_service(sock)
        except OSError as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            continue
        if other is None:
            return
        reason = f"another service answers there, not Spark: {other!r}"
    raise BadArgument(
        f"cannot reach the Spark master {master} ({reason}): start it, or set "
        "MARSAD_SPARK_MASTER to one that runs (e.g. local[*])"
    )


#: Seconds to wait for a service on a ``spark://`` master's port to answer
#: :data:`_PROBE`; a Spark master never does.
PROBE_WAIT = 1.0
#: Sent to a master's port: the start of a frame of Spark's RPC (its 8-byte length, 64;
#: the rest never sent), whose bytes end a line: a Spark master waits for the rest in
#: silence; a web server answers ("HTTP/1.0 400 Bad request") and so do most others.
_PROBE = (64).to_bytes(8, "big") + b"\r\n\r\n"


def _other_service(sock: socket.socket) -> str | None:
    """The first line of text that the service on ``sock`` answers to :data:`_PROBE`
    (e.g. ``"HTTP/1.0 400 Bad request"``, an SSH banner), printable, at most 60
    characters; None when it stays silent :data:`PROBE_WAIT` seconds, closes, or answers
    bytes that are not text (then Spark is left to judge, as before the probe).

    Spark itself took about 80 s of retries to give up on a web server's port.
    """
    try:
        sock.settimeout(PROBE_WAIT)
        sock.sendall(_PROBE)
        answer = sock.recv(256)
    except OSError:  # (silent: socket.timeout is an OSError; reset, closed)
        return None
    line = answer.split(b"\n", 1)[0].rstrip(b"\r")
    if not line or not all(32 <= byte < 127 for byte in line):
        return None
    return line.decode("ascii")[:60]


def start_session(
    master: str, folder: Path, extra: Mapping[str, str] | None = None
) -> SparkSession:
    """A new Spark session on ``master`` with :data:`SESSION_CONF` (and ``extra``), its SQL
    warehouse and Java's log in ``folder`` (``folder/spark.log``: the JVM's own output).

    Raises :class:`~marsad.errors.BadArgument` without Java, or when the master
    cannot be reached or Spark does not start (the log's last line says why).
    """
    if java_command() is None:
        raise BadArgument(
            "the Spark engine needs Java 17: `java` was not found (install a JDK, e.g. "
            "apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
        )
    check_master(master)
    from pyspark.java_gateway import launch_gateway

    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = SparkConf().setMaster(master).setAll([*SESSION_CONF.items(), *(extra or {}).items()])
    conf.set("spark.sql.warehouse.dir", str(folder / "spark-warehouse"))
    log_path = folder / "spark.log"
    with log_path.open("ab") as log:
        context = None
        try:
            # one JVM per process (pyspark keeps it after stop): launched once, quietly
            gateway = SparkContext._gateway or launch_gateway(
                conf, popen_kwargs={"stdout": log, "stderr": log}
            )
            with _own_sigint():
                context = SparkContext(conf=conf, gateway=gateway)
                context.setLogLevel("ERROR")
                # (a master that answers but is no Spark master stops the context here)
                return SparkSession(context)
        except Exception as exc:  # Spark's own errors: a JVM that exits, a bad master URL
            if context is not None:
                with contextlib.suppress(Exception):
                    context.stop()
            raise BadArgument(
                f"Spark did not start on {master}: {_last_line(log_path) or exc}"
            ) from None


@contextlib.contextmanager
def _own_sigint() -> Iterator[None]:
    """Keep Python's own Ctrl-C handler over the block (a ``KeyboardInterrupt`` where the
    program is): a ``SparkContext`` puts in one that calls Java to cancel the jobs, on the
    same connection as the call the Ctrl-C interrupted, which then failed (``RuntimeError:
    reentrant call``, ``Py4JError``): ``internal error (Py4JError): this is a bug``, after
    two logged tracebacks. The JVM ignores SIGINT (pyspark starts it so); closing the
    engine stops the session, and its jobs with it."""
    main = threading.current_thread() is threading.main_thread()
    before = signal.getsignal(signal.SIGINT) if main else None
    try:
        yield
    finally:
        if main and before is not None:
            signal.signal(signal.SIGINT, before)


def _last_line(log: Path) -> str:
    """The last line of Java's log that says something (an exception, an error)."""
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    telling = [line for line in lines if any(w in line for w in ("Exception", "Error", "ERROR"))]
    # (without log4j's time, level and class: "26/12/02 23:49:42 ERROR TransportClient: ")
    return _LOG_PREFIX.sub("", (telling or lines or [""])[-1])[:300]


_LOG_PREFIX = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d [A-Z]+ [\w.$]+: ")


class SparkEngine(Engine):
    """The build's stages on Spark. Starts its own session on ``master`` (default the
    setting ``MARSAD_SPARK_MASTER``), stopped by :meth:`close`. Given ``session``, or
    when a Spark session already runs in this process (a notebook, the tests), it uses
    that one, whatever its master, and leaves it running.

    Raises :class:`~marsad.errors.BadArgument` when Spark cannot start (see the module).
    """

    name = "spark"

    def __init__(
        self, wh: Warehouse, *, master: str | None = None, session: SparkSession | None = None
    ) -> None:
        super().__init__(wh)
        self._folder: Path | None = None
        if session is None and SparkContext._active_spark_context is not None:
            session = SparkSession.builder.getOrCreate()
        self._owned = session is None
        if session is None:
            if master is None:
                from marsad.settings import get_settings

                master = get_settings().spark_master
            sweep_folders()
            self._folder = Path(tempfile.mkdtemp(prefix=f"{_FOLDER}{os.getpid()}-"))
            try:
                session = start_session(
                    master, self._folder, launch_conf(master, self._parquet_bytes())
                )
            except BaseException:
                shutil.rmtree(self._folder, ignore_errors=True)
                raise
        try:
            self._configure(session)
        except BaseException:
            with contextlib.suppress(Exception):  # (keep the first error)
                self._stop_owned(session)
            raise
        self.session = session
        self.master = session.sparkContext.master
        self.con = ibis.pyspark.connect(session)
        self._names: list[str] = []
        self._read: dict[tuple[str, ...], ibis.Table] = {}
        self._tables: dict[str, tuple[pa.Table, ibis.Table]] = {}

    def _configure(self, session: SparkSession) -> None:
        """Set :data:`SQL_CONF` (and, on a local session of its own, the sizes of
        :meth:`_size_local`). Raises :class:`~marsad.errors.BadArgument` when Spark's own
        configuration is refused as the session's SQL state is made (a value of
        ``spark-defaults.conf`` such as ``spark.sql.shuffle.partitions abc``)."""
        from pyspark.errors import IllegalArgumentException

        try:
            for key, value in SQL_CONF.items():
                session.conf.set(key, value)
            if self._owned and session.sparkContext.master.startswith("local"):
                self._size_local(session)
        except IllegalArgumentException as exc:
            lines = str(exc).strip().splitlines() or [""]
            reason = next((x for x in reversed(lines) if "Caused by" in x), lines[0])
            reason = reason.split("Exception: ", 1)[-1].strip()
            raise BadArgument(f"Spark's configuration is refused: {reason[:300]}") from None

    def _stop_owned(self, session: SparkSession) -> None:
        """Stop ``session`` if the engine started it, and remove its folder (once)."""
        try:
            if self._owned:
                session.stop()
        finally:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None

    def _size_local(self, session: SparkSession) -> None:
        """Set :data:`LOCAL_SQL_CONF` on ``session`` (a local one the engine started) for
        this warehouse's records, but for what Spark's own configuration sets."""
        given = session.sparkContext.getConf()
        sized = local_sql_conf(session.sparkContext.defaultParallelism, self._parquet_bytes())
        for key, value in sized.items():
            if not given.contains(key):
                session.conf.set(key, value)

    def _parquet_bytes(self) -> int:
        """Bytes of the record store's Parquet files (e.g. 234136 for 2,436 records)."""
        return sum(f.stat().st_size for f in self.wh.records.files())

    def _view_name(self, name: str) -> str:
        view = f"marsad_{name}_{next(_views)}"
        self._names.append(view)
        return view

    def records(self, months: Sequence[Month] | None = None) -> ibis.Table:
        from marsad.engine.records import COLUMNS

        schema = ", ".join(f"`{c}` {spark_type(t)}" for c, t in COLUMNS)
        files = [hadoop_path(f) for f in self.wh.records.files(months)]
        if tuple(files) in self._read:  # (the conversion check's, then the cube's)
            return self._read[tuple(files)]
        if files:
            frame = self.session.read.schema(schema).parquet(*files)
        else:
            frame = self.session.createDataFrame([], schema)
        view = self._view_name("records")
        frame.createOrReplaceTempView(view)
        self._read[tuple(files)] = self.con.table(view)
        return self._read[tuple(files)]

    def table(self, name: str, data: pa.Table) -> ibis.Table:
        """``data`` as a view; the same view when given the same Arrow table again under
        the same name (the daily rates: the conversion check's, then the cube's)."""
        held = self._tables.get(name)
        if held is not None and held[0] is data:
            return held[1]
        view = self._view_name(name)
        self.session.createDataFrame(data).createOrReplaceTempView(view)
        self._tables[name] = (data, self.con.table(view))
        return self._tables[name][1]

    def fetch(self, expr: ibis.Table) -> pa.Table:
        """Run ``expr`` on Spark and return Arrow typed as ``expr``'s schema, as DuckDB
        returns it (decimals exact: Spark hands decimals to Arrow as decimals)."""
        from ibis.formats.pyarrow import PyArrowData

        table = self.session.sql(self.con.compile(expr)).toArrow()
        return PyArrowData.convert_table(table, expr.schema())

    def close(self) -> None:
        """Drop the engine's views; stop the session it started and remove its folder."""
        if not self._owned:
            for view in self._names:
                self.session.catalog.dropTempView(view)
        self._names.clear()
        self._read.clear()
        self._tables.clear()
        self._stop_owned(self.session)
