"""The admin side's token: vetted before the server starts, checked on every request.

The admin side (uploading a file to ingest, starting a build, creating a release) is
enabled with ``MARSAD_ADMIN=1`` (or ``marsad serve --admin``) and needs the bearer
token ``MARSAD_ADMIN_TOKEN``: with admin enabled, the server refuses to start when the
token is empty, short or a placeholder. A request without a token gets 401, with a
wrong one 403, and any admin request gets 403 when admin is not enabled. The token is
never logged nor echoed.

>>> check_token("changeme")
Traceback (most recent call last):
...
marsad.errors.BadArgument: MARSAD_ADMIN_TOKEN is a placeholder: set a secret of at least 16 characters (e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))")
"""  # noqa: E501

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from marsad.errors import BadArgument
from marsad.web.problems import Problem

#: Fewest characters of an admin token.
MIN_LENGTH = 16
#: Words that make a token a placeholder rather than a secret (compared in lower case).
PLACEHOLDERS = ("changeme", "change-me", "change_me", "placeholder", "example", "secret",
                "password", "token", "admin", "your", "xxxx", "todo", "1234")  # fmt: skip
_HOW = 'set a secret of at least 16 characters (e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))")'  # noqa: E501

bearer = HTTPBearer(auto_error=False, description="The admin token (MARSAD_ADMIN_TOKEN).")


def check_token(token: str | None) -> str:
    """``token`` when it can guard the admin side; else :class:`BadArgument` (exit 2),
    naming the setting but never the value."""
    text = (token or "").strip()
    if not text:
        raise BadArgument(f"admin is enabled but MARSAD_ADMIN_TOKEN is empty: {_HOW}")
    lowered = text.lower()
    if any(word in lowered for word in PLACEHOLDERS) or len(set(text)) < 4:
        raise BadArgument(f"MARSAD_ADMIN_TOKEN is a placeholder: {_HOW}")
    if len(text) < MIN_LENGTH:
        raise BadArgument(f"MARSAD_ADMIN_TOKEN is too short: {_HOW}")
    return text


def require_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """FastAPI dependency of every admin route: 403 when admin is off, 401 without a
    bearer token, 403 with a wrong one."""
    expected: str | None = request.app.state.admin_token
    if expected is None:
        # how to enable it (marsad serve --admin, MARSAD_ADMIN_TOKEN) is the operator's:
        # docs/web.md says it, a public answer does not
        raise Problem(403, "the admin side is not enabled on this server")
    if credentials is None or not credentials.credentials:
        raise Problem(401, "this needs the admin token: send Authorization: Bearer <token>",
                      headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise Problem(403, "wrong admin token")
