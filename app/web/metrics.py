"""``GET /metrics``: Prometheus text format, for the operator's scraper only.

Off (404) unless configured: ``METRICS_TOKEN`` (the scraper sends ``Authorization: Bearer
<token>``) and/or ``METRICS_ALLOW`` (comma-separated addresses or networks, e.g.
``10.0.0.0/8,127.0.0.1``: the scraper's address, read through ``TRUSTED_PROXY_HOPS``). With
both set, both must match. A refused scrape is a 403 and says nothing about the metrics.
With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn with several workers), the answer
aggregates every worker's files (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

bp = Blueprint("metrics", __name__)


def _allowed_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(x.strip(), strict=False) for x in value.split(",") if x.strip()]


def _permitted(token: str, allow: str) -> bool:
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return False
    if allow:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        if not any(address in network for network in _allowed_networks(allow)):
            return False
    return True


@bp.get("/metrics")
def metrics() -> Response:
    token, allow = os.environ.get("METRICS_TOKEN", ""), os.environ.get("METRICS_ALLOW", "")
    if not token and not allow:
        abort(404)
    if not _permitted(token, allow):
        abort(403)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
