"""OpenAPI links: where a create's answer leads (the incident it made, the review it
started). They tell a client which field of an answer a next request takes, and they
let schemathesis chain requests (tests/api/test_schemathesis.py)."""

from typing import Any

OPERATION = "postmortems_api_{}"  # ninja's operationId: module and function name
NUMBER = "$response.body#/number"
SAME_NUMBER = "$request.path.number"
INCIDENT = "$response.body#/incident"  # a postmortem names its incident's number
CODE = "$response.body#/code"


def created(links: dict[str, tuple[str, dict[str, str]]], **extra: Any) -> dict[str, Any]:
    """openapi_extra for a create: its 201 answer's links, and `extra` (the
    Idempotency-Key header, postmortems/api/idempotency.py)."""
    answer = extra.get("responses", {}).get(201, {})
    return {
        **extra,
        "responses": {
            201: {  # ninja keys responses by number
                **answer,
                "links": {
                    name: {"operationId": OPERATION.format(operation), "parameters": parameters}
                    for name, (operation, parameters) in links.items()
                },
            }
        },
    }
