"""Fixtures shared by the core record's tests."""

import pytest


@pytest.fixture
def signed_in(client, owner):
    """The test client, signed in as the incident's owner (files that need another
    person override this fixture with their own)."""
    client.force_login(owner)
    return client
