"""Per-organisation rate limit of invitations: bounds the mail one organisation can send.

Only invitations made count (201), so nobody outside an organisation can
spend its budget by posting to its slug.
"""

from __future__ import annotations

from flask import request

from auth.web.limits import limiter

INVITES_PER_ORG = "50 per hour"


def _org() -> str:
    return f"org-invite:{(request.view_args or {}).get('slug', '-')}"


invite_limit = limiter.limit(INVITES_PER_ORG, key_func=_org, deduct_when=lambda response: response.status_code == 201)
