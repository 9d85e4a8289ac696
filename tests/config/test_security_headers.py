"""Security headers on every page, and templates that keep to the Content-Security-Policy."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'"
)


@pytest.mark.django_db
def test_a_signed_in_page_carries_the_security_headers(client, owner):
    client.force_login(owner)
    response = client.get(reverse("pm-incident-list"))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_sign_in_page_and_the_admin_carry_the_policy_too(client, admin_user):
    assert client.get(reverse("login"))["Content-Security-Policy"] == POLICY
    client.force_login(admin_user)
    assert client.get(reverse("admin:index"))["Content-Security-Policy"] == POLICY


@pytest.mark.django_db
def test_htmx_is_configured_to_need_neither_eval_nor_inline_styles(client, owner):
    client.force_login(owner)
    page = client.get(reverse("pm-incident-list")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert '"allowEval": false' in config
    assert '"includeIndicatorStyles": false' in config


def _page_templates() -> list[Path]:
    """Every template a browser renders (emails are read in mail clients, not here)."""
    # The shared folder, the apps' own (accounts, the core) and each part's.
    folders = [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("postmortems/*/templates")]
    return [
        p
        for folder in folders
        for p in folder.rglob("*.html")
        if "emails" not in p.relative_to(folder).parts
    ]


# Inline code and styles the policy would block: <script> without src, style="",
# <style> blocks, on*="" event handlers and htmx's hx-on (which needs eval).
FORBIDDEN = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\s(data-)?hx-on", re.I), "hx-on"),
    (re.compile(r"\shx-vals\s*=\s*['\"]\s*js:", re.I), "hx-vals with js:"),
]


def test_page_templates_hold_no_inline_scripts_styles_or_handlers():
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in _page_templates()
        for pattern, what in FORBIDDEN
        if pattern.search(path.read_text())
    ]
    assert _page_templates(), "no templates found"
    assert found == []


def test_the_check_above_would_notice_inline_code():
    samples = [
        "<script>alert(1)</script>",
        '<p style="color: red">',
        "<style>p {}</style>",
        '<a onclick="go()">',
        '<form hx-on::after-request="x()">',
    ]
    for sample in samples:
        assert any(pattern.search(sample) for pattern, _ in FORBIDDEN), sample
    assert not any(p.search('<script src="/static/x.js" defer></script>') for p, _ in FORBIDDEN)


def test_the_server_error_page_is_styled_from_the_stylesheet(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert re.search(r'<link rel="stylesheet" href="/static/css/app\.[0-9a-f]+\.css">', page)
