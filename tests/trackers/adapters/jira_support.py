"""A fake Jira at the HTTP layer (the adapter's transport), the recorded fixtures, and
Jira Cloud's published OpenAPI schemas to check what the adapter sends."""

import json
import urllib.parse
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator

from postmortems.trackers.adapters.base import Connection
from postmortems.trackers.adapters.jira_http import HttpRequest, HttpResponse

FIXTURES = Path(__file__).parent / "fixtures" / "jira"
CLOUD = Connection(
    kind="jira_cloud",
    base_url="https://acme.atlassian.net",
    project="OPS",
    token="api-token",
    options={"email": "sync@acme.example"},
)
DATA_CENTER = Connection(
    kind="jira_dc", base_url="https://jira.acme.example/jira/", project="OPS", token="pat"
)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture(name: str) -> dict:
    return json.loads(fixture_bytes(name))


@cache
def openapi() -> dict:
    return fixture("cloud-openapi-v3-subset.json")


def documented_example(path: str, method: str, status: str = "200") -> dict:
    """The example answer Atlassian's OpenAPI description gives for an operation."""
    content = openapi()["paths"][path][method]["responses"][status]["content"]
    return json.loads(content["application/json"]["example"])


def schema_errors(schema_name: str, instance: object) -> list[str]:
    """Problems of `instance` against a component schema of the OpenAPI description."""
    schema = {"allOf": [{"$ref": f"#/components/schemas/{schema_name}"}]}
    validator = Draft4Validator({**schema, "components": openapi()["components"]})
    return [error.message for error in validator.iter_errors(instance)]


def answer(status: int, body: object = None, headers: dict | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    return HttpResponse(status, raw, headers or {})


class FakeJira:
    """Answers requests in order, from a list of (method, path, answer); records them."""

    def __init__(self, *script: tuple[str, str, HttpResponse]) -> None:
        self.script = list(script)
        self.requests: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        assert self.script, f"unexpected request {request.method} {request.url}"
        method, path, response = self.script.pop(0)
        url = urllib.parse.urlsplit(request.url)
        assert (request.method, url.path) == (method, path), request.url
        return response

    def json(self, index: int) -> dict:
        body = self.requests[index].body
        assert body is not None
        return json.loads(body)

    def query(self, index: int) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.requests[index].url).query))

    def done(self) -> bool:
        return not self.script
