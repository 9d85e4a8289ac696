"""Best-of timings of the pages bench.dashboard and bench.search measure, on the data
already loaded: for comparing two trees side by side on a machine others share.

    python -m bench.best_of dashboard [--requests 40] [--pages lead,admin]
    python -m bench.best_of search [--requests 40]

Each page is requested --requests times after a warm-up, signed in as bench.dashboard
and bench.search sign in, and its CPU time (this process's) and wall time are given
as the minimum, the 10th percentile and the median. On a busy machine a median moves
with whatever else runs (2x between runs of the same code on 2 shared cores); the
minimum and the 10th percentile are what the code costs when it gets the CPU, and
they repeat within a few percent. Run it in each tree in turn, several times
(bench/README.md, "The code in parts, before and after"). It imports only what both
sides of the December 2026 reorganisation have, so it can be copied into an older tree.
"""

import argparse
import os
import time
from urllib.parse import urlencode

DASHBOARD_PAGES = ("trivial", "lead", "admin", "my work", "item list", "expanded")


def _dashboard_pages():
    from django.urls import reverse

    from accounts.models import Membership, User
    from bench.dashboard import trivial_user
    from postmortems.models import ActionItem

    lead = (
        Membership.objects.filter(role=Membership.Role.LEAD, user__is_superuser=False)
        .select_related("user", "team")
        .order_by("pk")
        .first()
    )
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    dashboard, items = reverse("pm-dashboard"), reverse("pm-dashboard-items")
    item = (
        ActionItem.objects.filter(team=lead.team, status__in=ActionItem.UNFINISHED)
        .select_related("postmortem__incident")
        .order_by("pk")
        .first()
    )
    change = reverse("pm-action-change", args=[item.postmortem.incident.number, item.code])
    return [
        ("trivial", trivial_user(), reverse("pm-my-work"), {}),
        ("lead", lead.user, f"{dashboard}?team={lead.team.slug}", {}),
        ("admin", admin, f"{dashboard}?team=all", {}),
        ("my work", lead.user, reverse("pm-my-work"), {}),
        ("item list", lead.user, f"{items}?team={lead.team.slug}&state=all", {}),
        ("expanded", lead.user, f"{change}?next={dashboard}", {"HTTP_HX_REQUEST": "true"}),
    ]


def _search_pages():
    from django.urls import reverse

    from bench.search import QUERIES, bench_user

    user = bench_user()
    return [
        (label, user, f"{reverse('pm-archive')}?{urlencode(params)}", {})
        for label, params in QUERIES
    ]


def measure(pages, *, requests: int, warmup: int = 5) -> list[str]:
    from django.test import Client

    lines = []
    for label, user, url, headers in pages:
        client = Client()
        client.force_login(user)
        for _ in range(warmup):
            client.get(url, secure=True, **headers)
        cpu, wall = [], []
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, secure=True, **headers)
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
        cpu.sort()
        wall.sort()
        at = {"min": 0, "p10": requests // 10, "p50": requests // 2}
        lines.append(
            f"{label}: "
            + " ".join(f"cpu {k} {cpu[i] * 1000:.1f}" for k, i in at.items())
            + "; "
            + " ".join(f"wall {k} {wall[i] * 1000:.1f}" for k, i in at.items())
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("dashboard", "search"))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pages", default="", help="dashboard: " + ", ".join(DASHBOARD_PAGES))
    args = parser.parse_args()
    os.environ["DEBUG"] = "false"
    from bench.django_setup import setup

    setup("postgres")
    pages = _dashboard_pages() if args.which == "dashboard" else _search_pages()
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [page for page in pages if page[0] in wanted]
    print(" | ".join(measure(pages, requests=args.requests)))


if __name__ == "__main__":
    main()
