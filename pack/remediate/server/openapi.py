"""The OpenAPI 3.1 document of the JSON API (``GET /openapi.json``), written by hand.

Small enough to read whole; tests/test_server_api.py runs Schemathesis against a live server
with it, so a route that answers other than documented fails there.
"""

from __future__ import annotations

from typing import Any

from remediate.models import IncidentStatus, InquiryStatus

_ERROR = {
    "description": "Refused, with the reason",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            }
        }
    },
}
_UNAUTHENTICATED = {**_ERROR, "description": "No valid bearer token"}
_OBJECT = {"type": "object"}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_TEXT = {"type": "string", "pattern": "\\S"}
_ALERTMANAGER = {
    "type": "object",
    "description": "Alertmanager webhook body, version 4 (each alert needs an alertname label)",
    "required": ["alerts"],
    "properties": {
        "version": {"type": "string", "enum": ["4"]},
        "groupKey": {"type": "string"},
        "truncatedAlerts": {"type": "integer", "minimum": 0},
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "alerts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["labels"],
                "properties": {
                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                    "labels": {
                        "type": "object",
                        "required": ["alertname"],
                        "properties": {"alertname": _TEXT},
                        "additionalProperties": {"type": "string"},
                    },
                    "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                    "startsAt": {"type": "string", "format": "date-time"},
                    "endsAt": {"type": "string", "format": "date-time"},
                    "fingerprint": {"type": "string"},
                },
            },
        },
    },
}
_PLAIN = {
    "type": "object",
    "description": "A plain alert: the host and what failed",
    "required": ["server_id", "error_msg"],
    "properties": {
        "server_id": _TEXT,
        "error_msg": _TEXT,
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "description": {"type": "string"},
    },
}
_ALERT_BODY = {"oneOf": [_ALERTMANAGER, _PLAIN, {"type": "array", "minItems": 1, "items": _PLAIN}]}
_LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50},
}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path_id(what: str) -> dict[str, Any]:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"The {what}'s id",
        "schema": {"type": "string"},
    }


def document() -> dict[str, Any]:
    accepted = {
        "type": "object",
        "required": ["id", "duplicate_of", "alerts", "rejected", "truncated"],
        "properties": {
            "id": {"type": "integer"},
            "duplicate_of": {"type": ["integer", "null"]},
            "alerts": {"type": "integer"},
            "rejected": {"type": "array", "items": {"type": "string"}},
            "truncated": {"type": "integer"},
        },
    }
    incident_statuses = [s.value for s in IncidentStatus]
    inquiry_statuses = [s.value for s in InquiryStatus]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "remediate serve",
            "version": "1",
            "description": "Alert intake (Alertmanager webhook), incidents and inquiries.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/alerts": {
                "post": {
                    "summary": "Queue an Alertmanager v4 payload or plain alert(s) durably",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ALERT_BODY}},
                    },
                    "responses": {
                        "202": _json("Stored; it will be investigated", accepted),
                        "200": _json("A re-delivery, recorded as a duplicate", accepted),
                        "401": _UNAUTHENTICATED,
                        "413": {**_ERROR, "description": "The body exceeds server.max_body"},
                        "422": {**_ERROR, "description": "Not an alert payload"},
                        "503": {**_ERROR, "description": "Storage failed; retry"},
                    },
                }
            },
            "/api/v1/queue": {
                "get": {
                    "summary": "Alert bodies in the queue by status",
                    "responses": {
                        "200": _json(
                            "Counts",
                            {"type": "object", "additionalProperties": {"type": "integer"}},
                        ),
                        "401": _UNAUTHENTICATED,
                    },
                }
            },
            "/api/v1/incidents": {
                "get": {
                    "summary": "Recent incidents, newest first (or those in one status)",
                    "parameters": [
                        _LIMIT,
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": incident_statuses},
                        },
                    ],
                    "responses": {
                        "200": _json("Incidents", {"type": "array", "items": _OBJECT}),
                        "400": _ERROR,
                        "401": _UNAUTHENTICATED,
                    },
                }
            },
            "/api/v1/incidents/{id}": {
                "get": {
                    "summary": "One incident with its timeline, inquiries, runs and deliveries",
                    "parameters": [_path_id("incident")],
                    "responses": {
                        "200": _json(
                            "The incident",
                            {
                                "type": "object",
                                "required": ["id", "status", "timeline", "truncated_alerts"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "status": {"type": "string", "enum": incident_statuses},
                                    "timeline": {"type": "array"},
                                    "deliveries": {"type": "array"},
                                    "truncated_alerts": {"type": "integer"},
                                },
                            },
                        ),
                        "401": _UNAUTHENTICATED,
                        "404": _ERROR,
                    },
                }
            },
            "/api/v1/inquiries": {
                "get": {
                    "summary": "Inquiries, newest first (or those in one status)",
                    "parameters": [
                        _LIMIT,
                        {
                            "name": "status",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": inquiry_statuses},
                        },
                    ],
                    "responses": {
                        "200": _json("Inquiries", {"type": "array", "items": _OBJECT}),
                        "400": _ERROR,
                        "401": _UNAUTHENTICATED,
                    },
                }
            },
            "/api/v1/inquiries/{id}": {
                "get": {
                    "summary": "One inquiry",
                    "parameters": [_path_id("inquiry")],
                    "responses": {
                        "200": _json("The inquiry", _OBJECT),
                        "401": _UNAUTHENTICATED,
                        "404": _ERROR,
                    },
                }
            },
            "/api/v1/inquiries/{id}/respond": {
                "post": {
                    "summary": "Approve or reject; the token's user is the responder",
                    "parameters": [_path_id("inquiry")],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["approved"],
                                    "properties": {
                                        "approved": {"type": "boolean"},
                                        "comment": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json("The answer was recorded (and what followed)", _OBJECT),
                        "202": {**_ERROR, "description": "Recorded; more approvers needed"},
                        "400": _ERROR,
                        "401": _UNAUTHENTICATED,
                        "403": {**_ERROR, "description": "This user may not answer it"},
                        "404": _ERROR,
                        "409": {**_ERROR, "description": "Answered, expired or changed"},
                        "422": _ERROR,
                        "503": _ERROR,
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness and queue backlog",
                    "security": [],
                    "responses": {"200": _json("Alive", _OBJECT), "503": _ERROR},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "Text exposition format",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
    }
