"""Post recorded vendor payloads to a receiver, as the vendors (or curl) would."""

import copy
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from django.test import Client
from django.urls import reverse

from postmortems.alerting.integrations import alert_integration_create
from postmortems.models import AlertIntegration

PAYLOADS = Path(__file__).parent / "payloads"
PD_SECRET = "ChangeMe-pagerduty-signing-secret"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def alertmanager(name: str = "alertmanager_firing", **alert_changes) -> dict:
    """The recorded Alertmanager payload with the alert's fields changed."""
    data = copy.deepcopy(payload(name))
    data["alerts"][0].update(alert_changes)
    return data


@dataclass
class Hook:
    integration: AlertIntegration
    token: str = ""
    secret: str = ""

    @property
    def url(self) -> str:
        return reverse("pm-alert-receiver", args=[self.integration.code])

    def headers(self, body: bytes) -> dict:
        if self.secret:
            signature = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            return {"X-PagerDuty-Signature": f"v1={signature}"}
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(self, client: Client, body: dict | str | bytes, **headers):
        if isinstance(body, str):
            body = payload(body)
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(
            self.url,
            data=raw,
            content_type="application/json",
            headers={**self.headers(raw), **headers},
            REMOTE_ADDR="192.0.2.10",
        )


def make_hook(team, kind: str = "alertmanager", **fields) -> Hook:
    if kind == "pagerduty":
        fields.setdefault("signing_secret", PD_SECRET)
    integration, token = alert_integration_create(
        team=team, by=None, kind=kind, name=fields.pop("name", f"{kind} receiver"), **fields
    )
    return Hook(integration, token=token, secret=integration.signing_secret)
