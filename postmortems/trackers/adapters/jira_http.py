"""Jira's REST API over HTTP: one JSON request, a timeout, and Jira's answer turned into
a value, a `TrackerError` (permanent) or a `TrackerUnavailable` (the outbox retries).

Plain HTTP with the standard library rather than a client package: the adapter uses five
documented endpoints, and this way every request has a timeout, nothing retries or
sleeps behind the outbox's back, and a redirect (a base URL pointing at a login page)
is an error instead of a POST silently turned into a GET elsewhere.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from postmortems.trackers.adapters.base import TrackerError, TrackerUnavailable

TIMEOUT_SECONDS = 10
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # a page of 100 issues with their fields is ~1 MB
USER_AGENT = "Postmortems issue sync"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


# What sends a request: urllib below in production, a recorded exchange in tests.
Transport = Callable[[HttpRequest], HttpResponse]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def urllib_transport(request: HttpRequest) -> HttpResponse:
    """Send one request; an HTTP error status is an answer, a network failure raises."""
    prepared = urllib.request.Request(
        request.url, data=request.body, method=request.method, headers=request.headers
    )
    try:
        with _opener.open(prepared, timeout=TIMEOUT_SECONDS) as answer:
            return HttpResponse(
                answer.status, _read(answer), {k.lower(): v for k, v in answer.headers.items()}
            )
    except urllib.error.HTTPError as error:
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        return HttpResponse(error.code, _read(error), headers)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise TrackerUnavailable(f"Jira could not be reached: {_reason(error)}") from error


def _read(answer) -> bytes:
    body = answer.read(MAX_ANSWER_BYTES + 1)
    if len(body) > MAX_ANSWER_BYTES:
        raise TrackerError(f"Jira's answer is larger than {MAX_ANSWER_BYTES} bytes")
    return body


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason) or type(reason).__name__


def json_request(
    transport: Transport,
    method: str,
    url: str,
    *,
    authorization: str,
    payload: dict | None = None,
) -> dict:
    """Jira's JSON answer to one request ({} for 204 No Content)."""
    headers = {
        "Accept": "application/json",
        "Authorization": authorization,
        "User-Agent": USER_AGENT,
    }
    body = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(payload).encode()
    response = transport(HttpRequest(method, url, headers, body))
    raise_for_status(response)
    if not response.body.strip():
        return {}
    try:
        answer = json.loads(response.body)
    except ValueError as error:
        raise TrackerError("Jira answered with something that is not JSON") from error
    if not isinstance(answer, dict):
        raise TrackerError("Jira answered with JSON that is not an object")
    return answer


def raise_for_status(response: HttpResponse) -> None:
    status = response.status
    if 200 <= status < 300:
        return
    detail = error_text(response.body)
    if status == 429:
        wait = response.headers.get("retry-after", "").strip()
        after = f"; Jira asks to retry after {wait} s" if wait else ""
        raise TrackerUnavailable(f"Jira is rate limiting (HTTP 429){after}. {detail}".strip())
    # 409: a conflicting update of the same issue; the same request may pass next time.
    if status >= 500 or status == 409:
        raise TrackerUnavailable(f"Jira failed (HTTP {status}). {detail}".strip())
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        raise TrackerError(f"Jira redirected to {where} (HTTP {status}): check the base URL")
    meaning = {
        400: "refused the request",
        401: "refused the credentials",
        403: "denied access",
        404: "found no such project or issue (or the account may not see it)",
    }.get(status, "refused the request")
    raise TrackerError(f"Jira {meaning} (HTTP {status}). {detail}".strip())


def error_text(body: bytes) -> str:
    """Jira's errorMessages and errors (field: message), or the start of a non-JSON body."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return body[:200].decode(errors="replace").strip()
    if not isinstance(answer, dict):
        return ""
    messages = [str(m) for m in answer.get("errorMessages") or [] if m]
    errors = answer.get("errors") or {}
    if isinstance(errors, dict):
        messages += [f"{name}: {message}" for name, message in errors.items()]
    if not messages and answer.get("message"):  # the shape of some gateway answers
        messages.append(str(answer["message"]))
    return "; ".join(messages)
