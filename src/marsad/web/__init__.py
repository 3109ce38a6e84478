"""The web: ``marsad serve``, one FastAPI app serving releases to people and software.

* :mod:`~marsad.web.store`: the releases and their public tables, read once;
* :mod:`~marsad.web.app`: the app (API, SDMX, downloads, admin, dashboard);
* :mod:`~marsad.web.problems`: errors as RFC 9457 problem details;
* :mod:`~marsad.web.caching`: ETag and Cache-Control.
"""
