"""Request ids: one id per web request, on every log line it causes, here and in Celery.

1. The web middleware (config/middleware.py) takes a sane incoming `X-Request-ID`
   or makes one, and binds it to a context variable for the request.
2. Every log record gets it from that variable (config.log_format.RequestIdFilter).
3. A task published while the id is bound carries it in a message header
   (`before_task_publish`), so the worker binds the same id while it runs that task
   (`task_prerun` / `task_postrun`). A task that arrives without one (sent by beat)
   gets a fresh id, so its own lines still belong together; tasks it enqueues inherit
   that id in turn.
"""

import re
import uuid
from contextvars import ContextVar, Token
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "request_id"
_SANE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(request_id: str | None) -> Token:
    return _request_id.set(request_id)


def unbind_request_id(token: Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """The id a proxy sent, if it is safe to log and echo; None otherwise (a made-up
    one is used instead, so a client cannot inject text into the logs)."""
    return value if value and _SANE.fullmatch(value) else None


@before_task_publish.connect
def _add_request_id_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


def _task_request_id(task: Any) -> str | None:
    # Celery gathers a message's custom headers (and task.apply(headers=...)) here.
    value = (getattr(task.request, "headers", None) or {}).get(HEADER)
    return sane_request_id(value) if isinstance(value, str) else None


@task_prerun.connect
def _bind_task_request_id(task: Any = None, **kwargs: Any) -> None:
    if task is not None:
        # Kept on the task's own request context, so a task run inside another
        # (task.apply in a task) restores the outer id when it ends.
        task.request.request_id_token = bind_request_id(_task_request_id(task) or new_request_id())


@task_postrun.connect
def _unbind_task_request_id(task: Any = None, **kwargs: Any) -> None:
    token = getattr(getattr(task, "request", None), "request_id_token", None)
    if token is not None:
        unbind_request_id(token)
        task.request.request_id_token = None
