"""An authentication server for a Next.js frontend and a separate API.

Import ``login_required`` and ``current_principal`` to guard your own views.
"""

from auth.web.guard import Principal, current_principal, login_required

__all__ = ["Principal", "current_principal", "login_required"]
