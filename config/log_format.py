"""Log formats: JSON lines for production, readable text for development.

LOG_FORMAT (json by default with DEBUG off, text with DEBUG on) picks one in
config/settings.py. Both carry the request id (lib/request_ids.py).
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from lib.request_ids import current_request_id

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}
_JSON_SCALARS = (str, int, float, bool, type(None))


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or "-") on every record a handler emits."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id()
        if request_id is None:
            # Django logs 4xx/5xx responses after the middleware has returned, but it
            # passes the request along; the middleware left the id on it.
            request_id = getattr(getattr(record, "request", None), "request_id", None)
        record.request_id = request_id or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the
    scalar `extra=` fields (e.g. the access log's status and duration_ms) and, when
    there is one, the formatted exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
        }
        for key, value in vars(record).items():
            # Objects such as Django's `request` are left out: their repr may carry
            # a query string, and they are not data.
            if key not in _STANDARD and isinstance(value, _JSON_SCALARS):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
