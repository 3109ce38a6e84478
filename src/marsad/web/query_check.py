"""Refuse the query parameters a route does not read, rather than ignore them.

A parameter that is silently ignored looks like a filter that worked:
``/api/v1/observations?period=2099`` answered the whole table. A router that depends on
:func:`checked` answers instead, before anything is read:

* a parameter the route does not declare: 400 naming it and the route's parameters;
* an SDMX-REST standard parameter the service does not implement
  (``firstNObservations``, ``updatedAfter``, ...): 501 Not Implemented, as the SDMX-REST
  specification has a service answer a query it does not support;
* a parameter given twice (``indicator=level&indicator=share``, where only the last
  would count): 400, unless it is declared as a list.

>>> _is_list(list[str] | None), _is_list(str | None)
(True, False)
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant

from marsad.errors import BadArgument
from marsad.web.problems import Problem

#: SDMX-REST (1.5 and 2.0) data and structure parameters that marsad does not implement,
#: with the value that asks for what is served anyway (``None``: no such value).
SDMX_UNSUPPORTED: dict[str, str | None] = {
    "firstNObservations": None,
    "lastNObservations": None,
    "updatedAfter": None,
    "includeHistory": "false",
    "attributes": "dsd",
    "measures": "all",
    "detail": "full",
}
#: SDMX-REST 2.0 component filters (``c[TIME_PERIOD]``, ``c[FREQ]``), read by
#: :class:`marsad.web.sdmx_query.SdmxQuery` rather than declared one by one.
SDMX_COMPONENT = re.compile(r"c\[[^\]]+\]")


def checked(
    extra: re.Pattern[str] | None = None, unsupported: dict[str, str | None] | None = None
) -> Callable[[Request], None]:
    """A dependency refusing the query parameters the route does not read (above);
    ``extra`` matches names the route reads by itself, ``unsupported`` names standard
    parameters not implemented (501)."""
    unsupported = unsupported or {}

    def check(request: Request) -> None:
        declared, lists = _parameters(request)
        params = request.query_params
        for name in dict.fromkeys(params.keys()):
            if name in declared or (extra is not None and extra.fullmatch(name)):
                continue
            if name in unsupported:
                if unsupported[name] is not None and params.getlist(name) == [unsupported[name]]:
                    continue
                raise Problem(
                    501,
                    f"{name} is not supported by this service (SDMX-REST NotImplemented): "
                    f"leave it out; the parameters here are {_names(declared)}",
                )
            raise BadArgument(
                f"unknown parameter {name!r} for {request.url.path}: the parameters are "
                f"{_names(declared)}"
            )
        for name in dict.fromkeys(params.keys()):
            count = len(params.getlist(name))
            if count > 1 and name not in lists:
                raise BadArgument(
                    f"{name} is given {count} times: give it once (where codes are asked, "
                    f"as one comma list, e.g. {name}=A,B)"
                    if name in declared
                    else f"{name} is given {count} times: give it once"
                )

    return check


def _names(declared: set[str]) -> str:
    return ", ".join(sorted(declared, key=str.lower)) or "none"


def _parameters(request: Request) -> tuple[set[str], set[str]]:
    """The query parameters the request's route declares, and those that are lists."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return set(), set()
    fields = list(_query_fields(dependant))
    names = {f.alias for f in fields}
    lists = {f.alias for f in fields if _is_list(f.field_info.annotation)}
    return names, lists


def _query_fields(dependant: Dependant) -> Iterator:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


def _is_list(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return origin in (list, tuple, set, frozenset)
