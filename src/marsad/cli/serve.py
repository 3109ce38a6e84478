"""``marsad serve``: the API, SDMX endpoints, downloads and dashboard over the releases.

Serves only what releases make public (``releases/`` beside the warehouse, or
``MARSAD_RELEASES_DIR``): the latest by default, any one by id. The warehouse itself is
opened only by the admin side (``--admin``), to ingest, build and release.
"""

from __future__ import annotations

import errno
import socket
from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, say, warehouse_path
from marsad.errors import BadArgument, UnreadableInput, WarehouseMissing


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every one).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    admin: Annotated[
        bool | None,
        typer.Option(
            "--admin/--no-admin",
            help="Enable the admin side (ingest, build, release); needs MARSAD_ADMIN_TOKEN. "
            "Default: $MARSAD_ADMIN, else off.",
            show_default=False,
        ),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Serve the API (/api/v1), SDMX (/sdmx), downloads and the dashboard (/fr/, /en/, /ar/)."""
    import uvicorn

    from marsad.dates import source_date_epoch
    from marsad.engine.warehouse import refuse_missing_folder
    from marsad.release.store import releases_root
    from marsad.settings import get_settings
    from marsad.web.app import create_app
    from marsad.web.auth import check_token
    from marsad.web.store import PublicStore

    # a SOURCE_DATE_EPOCH that is no time is the server's setting: refused now, in one
    # line, rather than answered as the user's error (400) on every download
    source_date_epoch()
    settings = get_settings()
    path = warehouse_path(warehouse)
    if path.is_dir():  # as every other command says (open_warehouse): not served from
        raise UnreadableInput(
            f"cannot open the warehouse {path}: it is a folder, not a warehouse file: give "
            "the file (e.g. DIR/marsad.duckdb)"
        )
    root = releases_root(path)
    token = None
    if admin if admin is not None else settings.admin:
        secret = settings.admin_token
        token = check_token(secret.get_secret_value() if secret else None)
        # the admin side writes the warehouse (and its uploads beside it): a mistyped
        # folder is refused now, as by marsad ingest, not made by the first upload
        refuse_missing_folder(path)
    public = PublicStore(root)
    found, damaged, missing = public.start()  # said here, in notes, not logged too
    for fault in damaged.values():  # the others are served
        say(f"note: left out: {fault}")
    for fault in missing.values():  # the pages say so; asking for it is a 404
        say(f"note: missing: {fault}")
    if not found and not damaged and not path.exists():
        raise WarehouseMissing(
            f"no warehouse at {path} and no release in {root}: run marsad demo, or give "
            "--warehouse (nothing was created)"
        )
    _check_port(host, port)
    say(f"warehouse: {path}")
    say(f"releases: {root} ({_releases_line(found, damaged, missing, public.after)})")
    app = create_app(path, root=root, admin_token=token, store=public)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    console().print(
        f"Serving on http://{shown}:{port}/ (dashboard /fr/ /en/ /ar/, API /api/v1/docs, "
        f"SDMX /sdmx/){' with the admin side' if token else ''}. Ctrl+C stops.",
        markup=False,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _releases_line(found: list, damaged: dict, missing: dict, after) -> str:
    """What ``serve`` says it serves (e.g. ``2 release(s), latest R2 of 2025-11-15``);
    with no release it can serve, not "none yet" when there are damaged ones: how many,
    which (``none served: 2 damaged (R1, R2): see the notes above``). ``after`` tells
    the releases that cannot be read and may be later than a readable one."""
    if not found and not damaged:
        return "none yet: the pages say so; make one with marsad release create"
    if not found:
        return f"none served: {len(damaged)} damaged ({', '.join(damaged)}): see the notes above"
    said = f"{len(found)} release(s), latest {found[-1].id} of {found[-1].date}"
    left_out = [f"{len(d)} {kind} ({', '.join(d)})"
                for kind, d in (("damaged", damaged), ("missing", missing)) if d]  # fmt: skip
    if left_out:
        said += f"; left out: {', '.join(left_out)}"
    later = after(found[-1])
    if later:  # then latest and asOf answer 503 rather than an older release
        said += (f"; {', '.join(later)} may be later than {found[-1].id}: latest is "
                 "unavailable (503) until restored")  # fmt: skip
    return said


def _check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that is taken or not ours to open."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BadArgument(
                    f"port {port} is in use on {host}: choose another with --port"
                ) from None
            raise BadArgument(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``marsad`` app."""
    app.command("serve")(serve)
