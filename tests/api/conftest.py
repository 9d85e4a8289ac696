"""Tokens for the personas, and a client that sends them."""

import json

import pytest
from django.test import Client

from postmortems.api.tokens import api_token_create
from postmortems.models import ApiToken


class ApiClient:
    """Django's test client speaking JSON with a bearer token (or none)."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def _send(self, method: str, path: str, body=None, **params):
        if body is None:
            return getattr(self.client, method)(path, params or None, headers=self.headers)
        return getattr(self.client, method)(
            path,
            json.dumps(body, default=str),
            content_type="application/json",
            headers=self.headers,
        )

    def get(self, path: str, **params):
        return self._send("get", path, **params)

    def post(self, path: str, body=None):
        return self._send("post", path, {} if body is None else body)

    def patch(self, path: str, body=None):
        return self._send("patch", path, {} if body is None else body)

    def put(self, path: str, body=None):
        return self._send("put", path, {} if body is None else body)


def token_for(user, scope: str = ApiToken.Scope.READ_WRITE) -> str:
    return api_token_create(user=user, name="test", scope=scope)[1]


@pytest.fixture
def api_as(request):
    """api_as("owner"), api_as("outsider", scope="read"), api_as(None) for anonymous."""

    def make(persona: str | None, scope: str = ApiToken.Scope.READ_WRITE) -> ApiClient:
        if persona is None:
            return ApiClient(None)
        return ApiClient(token_for(request.getfixturevalue(persona), scope))

    return make
