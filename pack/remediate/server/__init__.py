"""``remediate serve``: Alertmanager's webhook receiver, a worker pool and a JSON API.

POST /api/v1/alerts ─► queue.AlertQueue (SQLite, durable before the 2xx)
                           │
             worker.Workers (threads, one investigation per host) ─► Engine.investigate
GET  /api/v1/incidents[/{id}], /api/v1/inquiries[/{id}],
POST /api/v1/inquiries/{id}/respond ─► Engine (the CLI's approval policy)
GET  /healthz, /metrics (metrics.py), /openapi.json (openapi.py)

Other server modules add routes through :data:`app.MOUNTS`; a status change of any incident
reaches :func:`remediate.store.on_transition` hooks inside its transaction.
"""

from remediate.server.app import Services, build_app, create_app, serve

__all__ = ["Services", "build_app", "create_app", "serve"]
