"""The admin side, under ``/api/v1/admin``: ingest uploaded files, build, make a release.

Every route needs the bearer token (``MARSAD_ADMIN_TOKEN``; :func:`marsad.web.auth.require_admin`):
403 when the admin side is off, 401 without a token, 403 with a wrong one. Each action
runs the ``marsad`` command line on the server's warehouse as a background job
(:mod:`marsad.web.jobs`) and answers 202 at once with the job's URL; ``GET
/api/v1/admin/jobs/{id}`` tells its state, exit code and last lines of output. One job
at a time: a request while one runs gets 409. What a job prints is internal (it may
name files and firms): it is answered here only, never on a public route.

>>> safe_name("../../etc/pass wd.csv")
'pass_wd.csv'
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marsad.dates import IsoDate
from marsad.errors import BadArgument, quoted
from marsad.release.store import NEW_ID_PATTERN, ReleaseError, check_new_id
from marsad.web.auth import require_admin
from marsad.web.ingest_options import UploadOptions, upload_options, web_words
from marsad.web.jobs import Busy, Jobs
from marsad.web.problems import Problem, problem_responses
from marsad.web.query_check import checked

router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin), Depends(checked())],
                   responses=problem_responses(401, 403))  # fmt: skip

#: Folder beside the warehouse where uploaded files are kept, one sub-folder per upload.
UPLOADS = "uploads"
_state_lock = threading.Lock()


class Kind(StrEnum):
    """What an uploaded file holds (``marsad ingest --kind``)."""

    transactions = "transactions"
    firms = "firms"
    rates = "rates"
    employment = "employment"


class ReleaseRequest(BaseModel):
    """A release to make (e.g. ``{"id": "2025-S2", "date": "2026-04-15"}``)."""

    id: str = Field(
        description="The release id: letters, digits, ., - and _, beginning and ending "
        "with a letter or digit, at most 64 characters (e.g. 2025-S2); not `latest`, "
        "which names the newest release, nor a name Windows keeps for a device (`con`).",
        pattern=NEW_ID_PATTERN,
    )
    date: IsoDate | None = Field(None, description="The release date (default: today).")
    note: str = Field(
        "",
        description="A note shown with the release (e.g. first estimate).",
        pattern=r"^[^\x00]*$",
    )  # (a NUL cannot be passed to the job)


class JobModel(BaseModel):
    """A background job (e.g. a build) and what it printed last."""

    id: str = Field(description="The job id (e.g. j3f9a1c2e7b).")
    kind: str = Field(description="ingest, build or release.")
    command: str = Field(description="The marsad command run.")
    state: str = Field(description="running, succeeded or failed.")
    exit_code: int | None = Field(description="The command's exit code once ended.")
    started: str = Field(description="When it started (UTC, ISO 8601).")
    ended: str | None = Field(description="When it ended.")
    output: list[str] = Field(description="The command's last lines of output.")
    url: str = Field(description="Where to follow the job.")


def jobs(request: Request) -> Jobs:
    """The server's jobs (made on first use): over its warehouse and releases folder."""
    state = request.app.state
    with _state_lock:
        if getattr(state, "jobs", None) is None:
            state.jobs = Jobs(state.warehouse, state.store.root)
    return state.jobs


def safe_name(filename: str | None) -> str:
    """An uploaded file's name made safe to write: its last part, letters, digits,
    ``.``, ``-`` and ``_`` only, never hidden."""
    name = Path((filename or "").replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    return name or "upload"


def _started(runner: Jobs, kind: str, args: list[str], words=None) -> JSONResponse:
    try:
        job = runner.start(kind, args, words)
    except Busy as exc:
        raise Problem(
            409, f"{exc}: wait until it ends (GET {exc.running.public()['url']})"
        ) from None
    body = job.public()
    return JSONResponse(body, status_code=202, headers={"Location": body["url"]})


ACCEPTED = {202: {"model": JobModel, "description": "Started: follow the job at its URL."}}


@router.post("/ingest", summary="Upload files and ingest them", status_code=202,
             responses={**ACCEPTED, **problem_responses(400, 409)})  # fmt: skip
def ingest(
    request: Request,
    kind: Annotated[Kind, Query(description="What the files hold.")],
    files: Annotated[
        list[UploadFile], File(description="One or more files to load.", min_length=1)
    ],
    options: Annotated[UploadOptions, Depends(upload_options)],
) -> JSONResponse:
    """Save the uploaded files beside the warehouse (``uploads/``) and run
    ``marsad ingest --kind KIND [OPTIONS] FILE…`` on them. The query states what
    ``marsad ingest`` takes as options (``decimal=,`` for ``--decimal ,``; ``sep``,
    ``encoding``, ``sheet``, ``date_format``, ``map``), checked by its rules before any
    file is saved; the job's output names them so (``state decimal=, to read this
    file``)."""
    runner = jobs(request)
    if runner.busy():
        raise Problem(409, "a job is still running: wait until it ends")
    folder = runner.warehouse.parent / UPLOADS / _stamp()
    if not runner.warehouse.parent.is_dir():  # (checked at start-up: removed since)
        raise Problem(409, f"there is no folder {runner.warehouse.parent} for the warehouse")
    folder.mkdir(parents=True)  # uploads/ and this upload's folder, never the warehouse's
    saved: list[str] = []
    for upload in files:
        target = folder / safe_name(upload.filename)
        while target.exists():
            target = target.with_name(f"{target.stem}-1{target.suffix}")
        with target.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        saved.append(str(target))
    try:
        args = ["ingest", "--kind", kind.value, *options.args(), *saved]
        return _started(runner, "ingest", args, web_words)
    except Problem:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _stamp() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


@router.post("/build", summary="Build the indicators", status_code=202,
             responses={**ACCEPTED, **problem_responses(409)})  # fmt: skip
def build(request: Request) -> JSONResponse:
    """Run ``marsad build`` on the warehouse."""
    return _started(jobs(request), "build", ["build"])


@router.post("/releases", summary="Make a release of the current build", status_code=202,
             responses={**ACCEPTED, **problem_responses(400, 409)})  # fmt: skip
def release(request: Request, wanted: ReleaseRequest) -> JSONResponse:
    """Run ``marsad release create --id ID [--date D] [--note N]``: once made, the
    release is served (it becomes ``latest`` when it is the most recent). An id already
    used, even in another case (``2025-s1`` beside ``2025-S1``), is refused at once (409):
    a release is never changed; so is a name already taken, ``latest`` (the newest
    release's) or a device's (``con``): an id of that form is valid by the schema, and a
    400 refused it. An id of another form is a 400."""
    runner = jobs(request)
    try:
        check_new_id(runner.root, wanted.id)
    except (ReleaseError, BadArgument) as exc:
        raise Problem(409, str(exc)) from None
    args = ["release", "create", "--id", wanted.id]
    if wanted.date is not None:
        args += ["--date", wanted.date.isoformat()]
    if wanted.note:
        args += ["--note", wanted.note]
    return _started(runner, "release", args)


@router.get("/jobs/{job_id}", summary="A job's state and output", response_model=JobModel,
            responses=problem_responses(404, release=False))  # fmt: skip
def job(request: Request, job_id: str) -> JSONResponse:
    """The job ``job_id``: state (running, succeeded, failed), exit code, last output."""
    found = jobs(request).get(job_id)
    if found is None:
        raise Problem(404, f"no job {quoted(job_id)} (jobs are kept while the server runs)")
    return JSONResponse(found, headers={"Cache-Control": "no-store"})
