"""Refuse the query parameters a route does not read, rather than ignore them.

A parameter that is silently ignored looks like a filter that worked:
``/api/v1/observations?period=2099`` answered the whole table. A router that depends on
:func:`checked` answers instead, before anything is read:

* a parameter the route does not declare: 400 naming it and the route's parameters;
* an SDMX-REST standard parameter the service does not implement
  (``includeHistory=true``, ``attributes``, ...): 501 Not Implemented, as the SDMX-REST
  specification has a service answer a query it does not support;
* a parameter given twice (``indicator=level&indicator=share``, where only the last
  would count): 400, unless it is declared as a list;
* a parameter given empty (``segment=``, which read as "every segment"): 400. The pages
  take an empty field as its default instead, as an HTML form sends its empty fields.

Every GET route of the app refuses so: the API, SDMX and downloads with a problem, the
dashboard's pages with a 400 page in their language (:mod:`marsad.web.pages`), the static
files any parameter (:class:`marsad.web.app.Assets`).

>>> _is_list(list[str] | None), _is_list(str | None)
(True, False)
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import Request
from fastapi.dependencies.models import Dependant

from marsad.errors import BadArgument, excerpt, quoted
from marsad.web.problems import Problem

#: SDMX-REST (1.5 and 2.0) data and structure parameters that marsad does not implement,
#: with the value that asks for what is served anyway (``None``: no such value).
SDMX_UNSUPPORTED: dict[str, str | None] = {
    "includeHistory": "false",
    "attributes": "dsd",
    "measures": "all",
    "detail": "full",
}
#: What sites and mailers add to a link shared from them (``?utm_source=…``,
#: ``&fbclid=…``, Mailchimp's ``mc_cid``, Google's ``_gl``): a page (and ``/``, which
#: sends to one) opened from such a link answers as it would without them, however
#: often and with whatever value they are given. Not the API's, SDMX's or downloads':
#: a program's parameters are its own.
TRACKING = re.compile(
    r"utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|igshid"
    r"|li_fat_id|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok"
)
#: SDMX-REST 2.0 component filters (``c[TIME_PERIOD]``, ``c[FREQ]``), read by
#: :class:`marsad.web.sdmx_query.SdmxQuery` rather than declared one by one.
SDMX_COMPONENT = re.compile(r"c\[[^\]]+\]")


@dataclass(frozen=True)
class Refused:
    """Why a request's query is refused: parameter ``name`` is ``unknown`` to the route,
    ``repeated`` (``times`` times), ``empty`` or ``unsupported`` (a standard parameter not
    implemented: 501); ``declared`` are the route's parameters."""

    kind: str
    name: str
    declared: tuple[str, ...]
    times: int = 1

    @property
    def status(self) -> int:
        return 501 if self.kind == "unsupported" else 400

    def detail(self, path: str) -> str:
        """The problem's detail, in English (the pages word it in their language)."""
        names = _names(self.declared)
        if self.kind == "unsupported":
            return (
                f"{self.name} is not supported by this service (SDMX-REST NotImplemented): "
                f"leave it out; the parameters here are {names}"
            )
        if self.kind == "unknown":
            return f"unknown parameter {quoted(self.name)} for {path}: the parameters are {names}"
        if self.kind == "empty":
            return (
                f"{excerpt(self.name)} is empty: give it a value, or leave it out for its default"
            )
        if self.name in self.declared:
            return (
                f"{excerpt(self.name)} is given {self.times} times: give it once (where codes are "
                f"asked, as one comma list, e.g. {self.name}=A,B)"
            )
        return f"{excerpt(self.name)} is given {self.times} times: give it once"


def refusal(
    request: Request,
    extra: re.Pattern[str] | None = None,
    unsupported: dict[str, str | None] | None = None,
    *,
    empty: bool = False,
    ignored: re.Pattern[str] | None = None,
) -> Refused | None:
    """Why the query of ``request`` is refused (above), or None when the route reads
    every parameter given, each once (or as a list), and each with a value unless
    ``empty`` (an HTML form sends its empty fields: the pages take them as the default).
    Names ``ignored`` matches (:data:`TRACKING`) are no concern of the route: any count,
    any value."""
    unsupported = unsupported or {}
    declared, lists = _parameters(request)
    shown = tuple(sorted(declared, key=str.lower))
    params = request.query_params
    names = list(dict.fromkeys(params.keys()))
    if ignored is not None:
        names = [n for n in names if n in declared or not ignored.fullmatch(n)]
    for name in names:
        if name in declared or (extra is not None and extra.fullmatch(name)):
            continue
        if name in unsupported:
            if unsupported[name] is not None and params.getlist(name) == [unsupported[name]]:
                continue
            return Refused("unsupported", name, shown)
        return Refused("unknown", name, shown)
    for name in names:
        count = len(params.getlist(name))
        if count > 1 and name not in lists:
            return Refused("repeated", name, shown, count)
        if not empty and "" in params.getlist(name):
            return Refused("empty", name, shown)
    return None


def checked(
    extra: re.Pattern[str] | None = None,
    unsupported: dict[str, str | None] | None = None,
    *,
    ignored: re.Pattern[str] | None = None,
) -> Callable[[Request], None]:
    """A dependency refusing the query parameters the route does not read (above);
    ``extra`` matches names the route reads by itself, ``unsupported`` names standard
    parameters not implemented (501), ``ignored`` names let through (:data:`TRACKING`)."""

    def check(request: Request) -> None:
        found = refusal(request, extra, unsupported, ignored=ignored)
        if found is None:
            return
        if found.kind == "unsupported":
            raise Problem(501, found.detail(request.url.path))
        raise BadArgument(found.detail(request.url.path))

    return check


def _names(declared: tuple[str, ...]) -> str:
    return ", ".join(declared) or "none"


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
