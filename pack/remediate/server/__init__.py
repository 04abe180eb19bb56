"""``remediate serve``: Alertmanager's webhook receiver, a worker pool and a JSON API.

POST /api/v1/alerts ─► queue.AlertQueue (SQLite, durable before the 2xx)
                           │
             worker.Workers (threads) ─► Engine.investigate
GET  /api/v1/incidents[/{id}], POST /api/v1/inquiries/{id}/respond ─► Engine
"""

from remediate.server.app import create_app, serve

__all__ = ["create_app", "serve"]
