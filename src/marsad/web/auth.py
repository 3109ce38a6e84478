"""The admin side's token: vetted before the server starts, checked on every request.

The admin side (uploading a file to ingest, starting a build, creating a release) is
enabled with ``MARSAD_ADMIN=1`` (or ``marsad serve --admin``) and needs the bearer
token ``MARSAD_ADMIN_TOKEN``: with admin enabled, the server refuses to start when the
token is empty, short or a placeholder. A placeholder is a token of fewer than 4
different characters, or one holding a placeholder word (``changeme``, ``secret``,
``token``, ``your``…) and little else: what is left once the words and separators are
taken out is not at least :data:`RANDOM_PART` letters and digits, both (a random secret
behind a prefix, ``marsad-token-k3J9xQ2mVb7r``, is accepted). A request without a token gets 401, with a
wrong one 403, and any admin request gets 403 when admin is not enabled. The token is
never logged nor echoed.

>>> check_token("changeme")
Traceback (most recent call last):
...
marsad.errors.BadArgument: MARSAD_ADMIN_TOKEN is a placeholder: set a secret of at least 16 characters (e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))")
>>> check_token("your-token-here-1234")
Traceback (most recent call last):
...
marsad.errors.BadArgument: MARSAD_ADMIN_TOKEN is a placeholder: set a secret of at least 16 characters (e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))")
>>> check_token("marsad-token-k3J9xQ2mVb7r")
'marsad-token-k3J9xQ2mVb7r'
"""  # noqa: E501

from __future__ import annotations

import hmac
import re
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
#: Letters and digits (both) a token holding a placeholder word needs besides the words
#: and separators: its random part (``marsad-token-k3J9xQ2mVb7r`` has 16).
RANDOM_PART = 12
_HOW = 'set a secret of at least 16 characters (e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))")'  # noqa: E501

bearer = HTTPBearer(auto_error=False, description="The admin token (MARSAD_ADMIN_TOKEN).")


def check_token(token: str | None) -> str:
    """``token`` when it can guard the admin side; else :class:`BadArgument` (exit 2),
    naming the setting but never the value."""
    text = (token or "").strip()
    if not text:
        raise BadArgument(f"admin is enabled but MARSAD_ADMIN_TOKEN is empty: {_HOW}")
    if is_placeholder(text):
        raise BadArgument(f"MARSAD_ADMIN_TOKEN is a placeholder: {_HOW}")
    if len(text) < MIN_LENGTH:
        raise BadArgument(f"MARSAD_ADMIN_TOKEN is too short: {_HOW}")
    return text


def is_placeholder(token: str) -> bool:
    """Whether ``token`` is a placeholder rather than a secret: fewer than 4 different
    characters, or placeholder words with too little else (module docstring).

    >>> is_placeholder("CHANGEME-please-12345"), is_placeholder("s32r-token-0123456789abcdef")
    (True, False)
    """
    if len(set(token)) < 4:
        return True
    lowered = token.lower()
    rest = lowered
    for word in PLACEHOLDERS:
        rest = rest.replace(word, " ")
    if rest == lowered:
        return False
    left = re.sub(r"[^0-9a-z]", "", rest)
    has_both = re.search(r"[0-9]", left) is not None and re.search(r"[a-z]", left) is not None
    return len(left) < RANDOM_PART or not has_both


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
