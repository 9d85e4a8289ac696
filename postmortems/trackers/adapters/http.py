"""Plain HTTP with JSON for adapters that speak a tracker's documented REST API.

One function sends every request (`send`); tests replace it with a recorded or fake
transport (tests/trackers/transport.py), so no test reaches a tracker. Answers are
sorted into the two errors of base.py: network errors, timeouts, 429 and 5xx are
TrackerUnavailable (retried by the outbox); any other non-2xx is TrackerError.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from postmortems.trackers.adapters.base import TrackerError, TrackerUnavailable

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as error:
            raise TrackerUnavailable(f"The tracker answered with no JSON ({error}).") from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would resend the token elsewhere: an answer of its own."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def urllib_send(method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
    """One real HTTP exchange. Answers of every status come back as a Response;
    only the network failing raises (TrackerUnavailable)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            return Response(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers or {}), error.read() or b"")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise TrackerUnavailable(f"Could not reach {url.split('?')[0]}: {error}") from None


# Replaced in tests; the only place a request leaves the process.
send: Callable[[str, str, dict[str, str], bytes | None], Response] = urllib_send


def request_json(
    method: str, url: str, *, headers: dict[str, str], payload: Any = None
) -> Response:
    body = None if payload is None else json.dumps(payload).encode()
    headers = {"User-Agent": f"Postmortems ({settings.SITE_URL})", **headers}
    if body is not None:
        headers["Content-Type"] = "application/json"
    response = send(method, url, headers, body)
    if 200 <= response.status < 300:
        return response
    detail = _error_text(response)
    where = f"{method} {url.split('?')[0]}"
    if response.status == 429 or response.status >= 500 or _rate_limited(response):
        raise TrackerUnavailable(f"{where}: HTTP {response.status} {detail}".strip())
    raise TrackerError(f"{where}: HTTP {response.status} {detail}".strip())


def _rate_limited(response: Response) -> bool:
    """GitHub's primary rate limit answers 403 with no requests left."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    return response.status == 403 and headers.get("x-ratelimit-remaining") == "0"


def _error_text(response: Response) -> str:
    try:
        data = json.loads(response.body or b"null")
    except ValueError:
        return response.body[:200].decode(errors="replace")
    if isinstance(data, dict):
        return str(data.get("message") or data.get("errorMessages") or data.get("error") or "")[
            :300
        ]
    return ""
