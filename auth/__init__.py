"""An authentication server for a Next.js frontend and a separate API.

Import ``login_required`` and ``current_principal`` to guard your own views
(``login_required(scopes=[...])`` for what an API key may do), and
``refuse_api_key`` for views only a signed-in person may use.
"""

from auth.web.guard import Principal, current_principal, login_required, refuse_api_key

__all__ = ["Principal", "current_principal", "login_required", "refuse_api_key"]
