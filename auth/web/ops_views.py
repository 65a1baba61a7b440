"""Operator endpoints: readiness and the Prometheus metrics."""

from __future__ import annotations

import hmac
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from auth.core.errors import Unauthorized
from auth.core.metrics import MULTIPROCESS
from auth.core.state import auth_state
from auth.ops.readiness import database_problems, redis_problems
from auth.ops.settings import OpsSettings

bp = Blueprint("ops", __name__)
READY_RETRY_AFTER = 5


@bp.get("/readyz")
def readyz() -> Response:
    migrations = Path(current_app.extensions["migrate"].directory)
    missing = database_problems(migrations) + redis_problems(auth_state().settings.redis_url)
    if missing:
        response = jsonify(
            success=False, message="Not ready: " + "; ".join(missing) + ".", error="not_ready", missing=missing
        )
        response.status_code = 503
        response.headers["Retry-After"] = str(READY_RETRY_AFTER)
        return response
    return jsonify(success=True, database="ok", redis="ok" if auth_state().settings.redis_url else "not configured")


@bp.get("/metrics")
def metrics() -> Response:
    token = ops_settings().metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Unauthorized("The metrics need Authorization: Bearer <METRICS_TOKEN>.")
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def ops_settings() -> OpsSettings:
    return current_app.extensions["ops"]


def _registry() -> CollectorRegistry:
    """Every worker's values added up under gunicorn; this process's alone otherwise."""
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
