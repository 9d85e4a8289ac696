"""Fixtures shared with tests/api: a client that speaks JSON with a persona's token."""

from tests.api.conftest import api_as  # noqa: F401 - re-exported as a fixture here
