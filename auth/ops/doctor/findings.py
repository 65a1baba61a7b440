"""A finding: its level, what a browser will do, and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import click

Level = Literal["ok", "warn", "error"]


@dataclass(frozen=True)
class Finding:
    """One observation: ``level`` is ok, warn or error; ``fix`` says what to change."""

    level: Level
    message: str
    fix: str = ""


# --- hosts, sites and cookie domains -------------------------------------------------------


_TAGS = {"ok": ("ok   ", "green"), "warn": ("WARN ", "yellow"), "error": ("ERROR", "red")}


def render(findings: list[Finding]) -> list[str]:
    """One line per finding; an error or warning is followed by an indented ``fix:`` line."""
    lines = []
    for finding in findings:
        tag, colour = _TAGS[finding.level]
        lines.append(f"{click.style(tag, fg=colour, bold=finding.level != 'ok')} {finding.message}")
        if finding.level != "ok" and finding.fix:
            lines.append(f"      fix: {finding.fix}")
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warn" for f in findings)
    if errors:
        lines.append(f"{errors} error(s), {warnings} warning(s): browsers will not keep this login working.")
    else:
        lines.append(f"No errors, {warnings} warning(s): Chrome and Firefox will store and send the cookies.")
    return lines
