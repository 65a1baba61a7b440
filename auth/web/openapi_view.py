"""The API's OpenAPI 3.1 document, served at ``GET /openapi.json``.

The document is hand-written JSON, kept next to the code it describes: the
core endpoints in ``auth/web/openapi.json`` and each capability's endpoints in
its own ``auth/<capability>/openapi.json`` (``paths`` and
``components.schemas``), merged here. It stays hand-written because the
contract comes first (``SPEC.md`` fixes names and replies before any code)
and because the replies are plain dicts, not typed models a generator could
read; ``tests/test_openapi.py`` keeps it true to the url_map and to real
replies, and schemathesis fuzzes the server against it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

DOCUMENT = Path(__file__).with_name("openapi.json")
PACKAGE = DOCUMENT.parent.parent

bp = Blueprint("openapi", __name__)


def fragments() -> list[Path]:
    """Each capability's own part of the document, in a stable order."""
    return sorted(p for p in PACKAGE.glob("*/openapi.json") if p != DOCUMENT)


@cache
def document() -> dict[str, Any]:
    """The merged document, read once per process."""
    base = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return merge(base, {str(p): json.loads(p.read_text(encoding="utf-8")) for p in fragments()})


def merge(base: dict[str, Any], parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``base`` with each part's paths and schemas added; a name defined twice is an error."""
    paths = base.setdefault("paths", {})
    schemas = base.setdefault("components", {}).setdefault("schemas", {})
    for name, part in parts.items():
        for target, source in (
            (paths, part.get("paths", {})),
            (schemas, part.get("components", {}).get("schemas", {})),
        ):
            clash = set(target) & set(source)
            if clash:
                raise ValueError(f"{name} defines again: {sorted(clash)}")
            target.update(source)
    return base


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
