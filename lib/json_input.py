"""Reading JSON from the network: the API's bodies and the alert receivers' payloads.

`json.loads` alone turns hostile bodies into server errors or into values no column
stores: it guesses UTF-16 and UTF-32 from the first bytes, recurses once per nesting
level (50,000 brackets raise RecursionError), reads NaN, Infinity and 1e400 as floats
that no date or number survives, raises ValueError on an integer of more than 4,300
digits (Python's limit on int()), and decodes "\\u0000" to a NUL that PostgreSQL
refuses and "\\ud800" to half a UTF-16 pair that no database stores.
`loads_untrusted` refuses all of these with JsonInputError, which its callers answer
with a 4xx.
"""

import json
import math
from typing import Any

# Deeper than any payload the API or a vendor sends (Alertmanager's is 4 levels).
MAX_DEPTH = 32
# Far longer than any number the API or a vendor sends (Opsgenie's nanoseconds: 19
# digits), far shorter than the 4,300 digits past which int() raises ValueError.
MAX_INT_DIGITS = 1000


class JsonInputError(ValueError):
    pass


class JsonSyntaxError(JsonInputError):
    """Not JSON at all, as opposed to JSON with a value refused above."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError("Numbers must be finite.")
    return value


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise JsonInputError(f"Integers may have at most {MAX_INT_DIGITS} digits.")
    return int(text)


def _constant(name: str) -> None:
    raise JsonInputError(f"{name} is not JSON.")


def _check(value: Any) -> None:
    """Walks the decoded value without recursion: depth, and NUL in any text."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JsonInputError("Text may not contain NUL characters.")
            try:
                item.encode()
            except UnicodeEncodeError:  # "\ud800": half a UTF-16 pair
                raise JsonInputError("Text may not contain lone surrogates.") from None
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise JsonInputError(f"The JSON is nested deeper than {MAX_DEPTH} levels.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def loads_untrusted(body: bytes | str) -> Any:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonInputError("The body must be JSON in UTF-8.") from None
    try:
        value = json.loads(body, parse_float=_finite, parse_int=_integer, parse_constant=_constant)
    except RecursionError:
        raise JsonInputError(f"The JSON is nested deeper than {MAX_DEPTH} levels.") from None
    except json.JSONDecodeError as error:
        raise JsonSyntaxError(f"The body is not valid JSON: {error}.") from None
    _check(value)
    return value
