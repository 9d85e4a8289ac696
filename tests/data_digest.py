"""A fingerprint of loaded data files, for golden tests of the text the app ships."""

import hashlib
import json
from typing import Any


def _canonical(value: Any) -> Any:
    """JSON-able and exact: tuples stay apart from lists, and each value keeps its type
    (5 and 5.0 differ); dict keys are sorted, as key order in a file is not data."""
    if isinstance(value, tuple):
        return {"tuple": [_canonical(v) for v in value]}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {"dict": sorted([key, _canonical(v)] for key, v in value.items())}
    return [type(value).__name__, value]


def data_digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(_canonical(value), ensure_ascii=False).encode()).hexdigest()
