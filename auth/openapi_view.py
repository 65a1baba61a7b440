"""The API's OpenAPI 3.1 document, served at ``GET /openapi.json``.

The document is the hand-written ``auth/openapi.json``; ``tests/test_openapi.py``
keeps it true to the url_map and to real replies.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

DOCUMENT = Path(__file__).with_name("openapi.json")

bp = Blueprint("openapi", __name__)


@cache
def document() -> dict[str, Any]:
    """The parsed document, read once per process."""
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
