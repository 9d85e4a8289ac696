"""The OpenAPI schema and the docs page: public, and served entirely from this site."""

import re

from django.urls import reverse


def test_the_schema_is_served_without_signing_in(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"] == {
        "ApiTokenAuth": {"type": "http", "scheme": "bearer"}
    }
    assert "/api/v1/incidents/{number}/postmortem/sections/{section}" in schema["paths"]
    patch = schema["paths"]["/api/v1/incidents/{number}"]["patch"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(patch["responses"])


def test_the_docs_page_loads_its_scripts_and_styles_from_this_site(client, db):
    response = client.get(reverse("pm-api:openapi-view"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith(".js") for asset in assets)
    assert any(asset.endswith(".css") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        # Hashed names from collectstatic, served by WhiteNoise as in production.
        static = client.get(asset)
        static.close()  # a file response: closed, or its file stays open
        assert static.status_code == 200, asset
    assert "cdn" not in html.lower()
    assert "/api/v1/openapi.json" in html


def test_the_api_root_sends_nobody_to_the_sign_in_page(client, db):
    response = client.get("/api/v1/incidents")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
