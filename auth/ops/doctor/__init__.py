"""``flask auth doctor``: will real browsers store and send the auth cookies?

Most "login returns 200 but I am not logged in" reports are not bugs in the
server but a configuration that Chromium or Firefox quietly refuses: a
``SameSite=None`` cookie without ``Secure``, a ``Secure`` cookie from a plain
http host, a ``Domain`` that does not cover the host that sets it, a
cross-site frontend with ``SameSite=Lax``, or a third-party cookie that a
fresh Chromium profile blocks unless it is ``Partitioned``. The browser says
so only in its developer tools. This module says it up front, in plain words,
from the configuration and the API's public URL alone.

``diagnose`` is a pure function of the settings and the API URL (no request,
no network) so every rule is testable on its own. The ``doctor`` command uses
the running app's settings when ``flask`` could build the app; when the
configuration is so wrong that ``Settings`` refuses it (and so ``flask``
cannot load the app at all), ``python -m auth.ops.doctor`` reads the raw
environment itself and reports the refusal as a finding instead of a crash.
"""

from auth.ops.doctor.command import doctor_group, main
from auth.ops.doctor.cookies import check, diagnose
from auth.ops.doctor.findings import Finding, render
from auth.ops.doctor.sites import domain_matches, registrable_domain

__all__ = ["Finding", "check", "diagnose", "doctor_group", "domain_matches", "main", "registrable_domain", "render"]
