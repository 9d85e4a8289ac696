"""Screenshots of the main pages at desktop and phone width, on the demo data.

    .venv/bin/python -m bench.screenshots OUT_DIR [--chromium /usr/bin/chromium]

Builds a throwaway SQLite database (a temporary folder, removed afterwards), loads the
demo data (`seed_demo`, as `make run` does), serves the app with `runserver`, signs in
as the demo lead of Platform and saves a full-page PNG of each page at 1280x900 and at
390x844 into OUT_DIR (`<page>-1280.png`, `<page>-390.png`). It prints, for each page at
390 px, the page's width (document.documentElement.scrollWidth): anything over 390 means
the page scrolls sideways on a phone. The same lines go to OUT_DIR/widths.txt.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(1280, 900), (390, 844)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="true",
        SECRET_KEY="screenshots-only-not-a-secret",
        DJANGO_SETTINGS_MODULE="config.settings",
        # No mail, no broker needed: the pages only read.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def _pages() -> list[tuple[str, str]]:
    """(name, path) of each page, found in the demo data just loaded."""
    from django.db.models import Count, Q
    from django.urls import reverse

    from accounts.models import Team, User
    from postmortems.demo.seed import LEAD_EMAIL
    from postmortems.models.reviews import Postmortem

    lead = User.objects.get(email=LEAD_EMAIL)
    team = Team.objects.filter(memberships__user=lead).order_by("name").first()
    assert team is not None
    largest = (
        Postmortem.objects.annotate(
            size=Count("timeline_events", distinct=True) + Count("action_items", distinct=True)
        )
        .filter(~Q(incident__restricted=True))
        .order_by("-size", "pk")
        .select_related("incident")
        .first()
    )
    assert largest is not None
    number = largest.incident.number
    rotation = team.rotations.order_by("pk").first()
    pages = [
        ("incident-list", reverse("pm-incident-list")),
        ("incident-new", reverse("pm-incident-create")),
        ("incident-detail", reverse("pm-incident-detail", args=[number])),
        ("review-editor", reverse("pm-postmortem-edit", args=[number])),
        ("review-read", reverse("pm-postmortem-detail", args=[number])),
        ("dashboard", reverse("pm-dashboard")),
        ("archive-search", reverse("pm-archive") + "?q=database+connection"),
        ("my-work", reverse("pm-my-work")),
        ("oncall-team", reverse("pm-oncall-team", args=[team.slug])),
        ("oncall-load", reverse("pm-oncall-load", args=[team.slug])),
        ("alerting-list", reverse("pm-alerting-list", args=[team.slug])),
        ("team-alerts", reverse("pm-team-alerts", args=[team.slug])),
    ]
    if rotation is not None:
        pages.append(
            ("oncall-rotation", reverse("pm-oncall-rotation", args=[team.slug, rotation.code]))
        )
    return pages


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit {server.returncode}).")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("The server did not answer within a minute.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    workdir = Path(tempfile.mkdtemp(prefix="pm-screenshots-"))
    env = _environment(workdir / "demo.sqlite3")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    pages = _pages()

    from postmortems.demo.seed import DEMO_PASSWORD, LEAD_EMAIL

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    widths: list[str] = []
    try:
        _wait_until_up(base, server)
        from playwright.sync_api import sync_playwright

        from tests.browser_support import CHROMIUM_ARGS

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(base_url=base)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_label("Email address").fill(LEAD_EMAIL)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/incidents/")
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                for name, path in pages:
                    page.goto(path)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(args.out / f"{name}-{width}.png"), full_page=True)
                    if width == 390:
                        scroll = page.evaluate("document.documentElement.scrollWidth")
                        line = f"{name:18} {scroll:5} px  {path}"
                        widths.append(line)
                        print(line)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    (args.out / "widths.txt").write_text(
        "Page width at 390 px (document.documentElement.scrollWidth):\n" + "\n".join(widths) + "\n"
    )


if __name__ == "__main__":
    main()
