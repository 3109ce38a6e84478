"""The admin side's background jobs: one ``marsad`` command at a time, as a subprocess.

An admin request (ingest, build, release) starts ``python -m marsad … --warehouse W``
in a thread and answers at once; the job's state, exit code and last lines of output
are kept in memory for ``GET /api/v1/admin/jobs/{id}``. One job runs at a time (the
warehouse takes one writer): a second request meanwhile is refused (409). The child
gets the server's environment less the admin token, and the releases folder the
server serves (``MARSAD_RELEASES_DIR``), so a release it makes is served at once.

>>> runner = Jobs(Path("/tmp/w.duckdb"), Path("/tmp/releases"))
>>> runner.command("build")[-3:]
['build', '--warehouse', '/tmp/w.duckdb']
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shlex
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Lines of a job's output kept (the last ones).
OUTPUT_LINES = 50
#: Jobs remembered (the most recent ones).
KEPT_JOBS = 100


class Busy(Exception):
    """A job is running already (answered 409)."""

    def __init__(self, running: Job) -> None:
        super().__init__(f"job {running.id} ({running.kind}) is still running")
        self.running = running


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    """One command run for the admin (e.g. id ``j3f9a1c2e``, kind ``build``)."""

    id: str
    kind: str
    args: list[str]
    state: str = "running"
    exit_code: int | None = None
    started: str = field(default_factory=_now)
    ended: str | None = None
    output: deque = field(default_factory=lambda: deque(maxlen=OUTPUT_LINES))
    #: How a line of output is put to the admin (e.g. the command's options named as
    #: the request's parameters: :func:`marsad.web.ingest_options.web_words`).
    words: Callable[[str], str] | None = field(default=None, repr=False)

    def public(self) -> dict:
        """The job as the admin API answers it, its command quoted as a shell would need.

        >>> job = Job("j1", "release", ["release", "create", "--note", "first estimate"])
        >>> job.public()["command"]
        "marsad release create --note 'first estimate'"
        """
        return {
            "id": self.id,
            "kind": self.kind,
            "command": shlex.join(["marsad", *self.args]),
            "state": self.state,
            "exit_code": self.exit_code,
            "started": self.started,
            "ended": self.ended,
            "output": list(self.output),
            "url": f"/api/v1/admin/jobs/{self.id}",
        }


class Jobs:
    """The jobs of one server over ``warehouse``, its releases in ``root``."""

    def __init__(self, warehouse: Path, root: Path) -> None:
        self.warehouse = Path(warehouse)
        self.root = Path(root)
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._running: Job | None = None

    def command(self, *args: str) -> list[str]:
        """The argument list of ``marsad args… --warehouse W`` run by this Python."""
        return [sys.executable, "-m", "marsad", *args, "--warehouse", str(self.warehouse)]

    def start(self, kind: str, args: list[str], words: Callable[[str], str] | None = None) -> Job:
        """Start ``marsad args…`` in the background; :class:`Busy` when a job runs.
        ``words`` rewrites each line of its output (:attr:`Job.words`)."""
        with self._lock:
            if self._running is not None:
                raise Busy(self._running)
            job = Job(f"j{secrets.token_hex(5)}", kind, [*args, "--warehouse", str(self.warehouse)],
                      words=words)  # fmt: skip
            self._running = job
            self._jobs[job.id] = job
            for old in list(self._jobs)[:-KEPT_JOBS]:
                del self._jobs[old]
        threading.Thread(target=self._run, args=(job, self.command(*args)), daemon=True).start()
        return job

    def get(self, job_id: str) -> dict | None:
        """The job ``job_id`` as the API answers it (:meth:`Job.public`), if known."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.public() if job is not None else None

    def busy(self) -> bool:
        with self._lock:
            return self._running is not None

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "MARSAD_ADMIN_TOKEN"}
        env["MARSAD_RELEASES_DIR"] = str(self.root)
        env.setdefault("NO_COLOR", "1")
        env["COLUMNS"] = "120"
        return env

    def _run(self, job: Job, argv: list[str]) -> None:
        """Run ``argv`` for ``job``; whatever happens, the job ends (a job left running
        kept every later one a 409 until the server restarted: a NUL in an argument made
        ``Popen`` raise ValueError, which nothing caught)."""
        code = 70  # the runner's own fault: logged, the job failed
        try:
            with subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env(),
                text=True,
                errors="replace",
            ) as child:
                assert child.stdout is not None
                for line in child.stdout:
                    said = line.rstrip("\n")
                    said = job.words(said) if job.words is not None else said
                    with self._lock:
                        job.output.append(said)
                code = child.wait()
        except (OSError, ValueError) as exc:  # the interpreter cannot start, or take them
            with self._lock:
                job.output.append(f"cannot start marsad: {getattr(exc, 'strerror', None) or exc}")
            code = 127
        except Exception:
            log.exception("job %s: its runner failed", job.id)
        finally:
            with self._lock:
                job.exit_code = code
                job.state = "succeeded" if code == 0 else "failed"
                job.ended = _now()
                self._running = None
