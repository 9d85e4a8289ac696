"""What the load test's simulated people do (locust; run by bench/load.py and bench/faults.py).

`Person` signs in through the real sign-in form, then, with a pause of WAIT seconds
between steps, reads (postmortem pages, the archive, incident lists), searches the
archive, looks at the dashboard, and edits: it opens the editor of one of the
postmortems it was given and saves a section, a timeline event or an action item,
each through the form the page served (CSRF token included) the way htmx posts it.
Every request is named for the page, not the URL, so the report has one row per page.

`HealthzCapacity` and `PostmortemPageCapacity` ask as fast as they can for /healthz
(a trivial view) or one postmortem page: bench/load.py runs them one after the other
to compare what the server completes per second.

Environment: BENCH_LOAD_PLAN, the plan bench/load_plan.py wrote (people, passwords,
postmortems); BENCH_REQUEST_LOG, optional, a file that gets one JSON line per request
(time, page, status, Retry-After, which error page), for the fault drills.
"""

import itertools
import json
import os
import random
import re
import time
import uuid

from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

from bench.html_forms import find_form

# Seconds between one person's steps; BENCH_LOAD_WAIT="LOW,HIGH" changes them.
WAIT = tuple(float(n) for n in os.environ.get("BENCH_LOAD_WAIT", "1,3").split(","))
HTMX = {"HX-Request": "true"}
SECTIONS = ("summary", "impact", "contributing_factors", "lessons")
_PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115
_next_person = itertools.count()


def _person() -> dict:
    """Each simulated person signs in as a different plan entry (round robin)."""
    people = _PLAN["people"]
    return people[next(_next_person) % len(people)]


class SignedIn(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.person = _person()
        self.rng = random.Random(self.person["user_id"])
        form = self.client.get("/accounts/login/", name="sign in form")
        fields = find_form(form.text or "", "") or {}
        fields.update(username=self.person["email"], password=_PLAN["password"])
        with self.client.post(
            "/accounts/login/", data=fields, name="sign in", catch_response=True
        ) as response:
            if "/accounts/login/" in response.url:
                response.failure("sign-in refused")
        _signed_in(self.environment)

    def page(self, url: str, *, name: str, **kwargs):
        """GET a page; landing on the sign-in page counts as a failure (signed out)."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            if "/accounts/login/" in (response.url or ""):
                response.failure("answered with the sign-in page")
        return response


_signed_in_count = itertools.count(1)


def _signed_in(environment) -> None:
    """Once everyone has signed in, the statistics start again from zero: the report
    is about the steady load, not about 50 password hashes at once (PBKDF2 is slow
    on purpose). The sign-ins are printed on their own before that."""
    if next(_signed_in_count) == environment.runner.target_user_count:
        for entry in environment.stats.entries.values():
            if entry.name in {"sign in", "sign in form"}:
                print(
                    f"{entry.name}: {entry.num_requests} requests, "
                    f"p50 {entry.get_response_time_percentile(0.5):.0f} ms, "
                    f"max {entry.max_response_time:.0f} ms, {entry.num_failures} failed"
                )
        environment.stats.reset_all()


class Steps(SignedIn):
    """What a person does; `Person` picks steps at random, `EveryStepOnce` takes each once."""

    abstract = True

    def postmortem_page(self) -> None:
        number = self.rng.choice(_PLAN["read"])
        self.page(f"/incidents/INC-{number}/postmortem/", name="postmortem page")

    def archive(self) -> None:
        self.page("/archive/", name="archive")

    def incident_list(self) -> None:
        query = self.rng.choice(
            ["", "?status=resolved", "?severity=SEV2", "?has_postmortem=no", "?page=2"]
        )
        self.page(f"/incidents/{query}", name="incident list")

    def search(self) -> None:
        params = self.rng.choice(_PLAN["searches"])
        self.page("/archive/", params=params, name="search")

    def dashboard(self) -> None:
        self.page("/dashboard/", name="dashboard")

    def edit(self, kind: str | None = None) -> None:
        """Open the editor of one of this person's postmortems; save one thing in it."""
        if not self.person["edit"]:
            return
        number = self.rng.choice(self.person["edit"])
        base = f"/incidents/INC-{number}/postmortem/"
        page = self.page(f"{base}edit/", name="editor page")
        if page.status_code != 200:
            return
        kind = kind or self.rng.choice(["section", "section", "timeline", "actions"])
        if kind == "section":
            self._save_section(page.text, base)
        else:
            self._save_row(page.text, base, kind)

    def _save_section(self, html: str, base: str) -> None:
        section = self.rng.choice(SECTIONS)
        action = f"{base}sections/{section}/"
        # The document shows each section as it reads: open it as its form first, as
        # a click on it does.
        opened = self.client.get(f"{action}form/", headers=HTMX, name="section form")
        fields = find_form(opened.text or "", action) if opened.status_code == 200 else None
        if fields is None:
            return
        fields["text"] = _edited(fields.get("text", ""))
        self.client.post(action, data=fields, headers=HTMX, name="save section")

    def _save_row(self, html: str, base: str, kind: str) -> None:
        """Open one timeline event or action item's inline form, change its text, save."""
        codes = sorted(set(re.findall(rf'{re.escape(base)}{kind}/([0-9a-f-]{{36}})/"', html)))
        if not codes:
            return
        url = f"{base}{kind}/{self.rng.choice(codes)}/"
        label = "timeline event" if kind == "timeline" else "action item"
        form = self.page(url, headers=HTMX, name=f"{label} form")
        fields = find_form(form.text, url) if form.status_code == 200 else None
        if fields is None:
            return
        name = next(k for k in fields if k.endswith("-text" if kind == "timeline" else "-title"))
        fields[name] = _edited(fields[name], limit=150)
        self.client.post(url, data=fields, headers=HTMX, name=f"save {label}")


def _edited(text: str, limit: int = 4000) -> str:
    """The text with its last edit replaced by a new one (so it does not grow forever)."""
    kept = text.split(" [edit ")[0][: limit - 30]
    return f"{kept} [edit {uuid.uuid4().hex[:8]}]"


class Person(Steps):
    wait_time = between(*WAIT)
    tasks = {  # type: ignore[assignment]  # locust takes {task: weight} as well as a list
        Steps.postmortem_page: 6,
        Steps.archive: 2,
        Steps.incident_list: 3,
        Steps.search: 3,
        Steps.dashboard: 1,
        Steps.edit: 3,
    }


class EveryStepOnce(Steps):
    """Takes every step once, each kind of edit included, then stops (the CI check)."""

    wait_time = constant(0)

    @task
    def every_step(self) -> None:
        self.postmortem_page()
        self.archive()
        self.incident_list()
        self.search()
        self.dashboard()
        for kind in ("section", "timeline", "actions"):
            self.edit(kind)
        raise StopUser()


class HealthzCapacity(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz")


class PostmortemPageCapacity(SignedIn):
    wait_time = constant(0)

    @task
    def postmortem_page(self) -> None:
        number = _PLAN["read"][0]
        self.page(f"/incidents/INC-{number}/postmortem/", name="postmortem page (capacity)")


_log_path = os.environ.get("BENCH_REQUEST_LOG")
_log = open(_log_path, "a", buffering=1) if _log_path else None  # noqa: SIM115


@events.request.add_listener
def _log_request(request_type, name, response_time, response, exception, **kwargs) -> None:
    if _log is None:
        return
    status = getattr(response, "status_code", 0) or 0
    headers = getattr(response, "headers", None) or {}
    body = (getattr(response, "text", "") or "") if status >= 500 else ""
    trouble = re.search(r'data-trouble="([a-z-]+)"', body)
    entry = {
        "t": round(time.time(), 3),  # when the answer came
        "name": name,
        "method": request_type,
        "status": status,
        "ms": round(response_time or 0, 1),
        "retry_after": headers.get("Retry-After"),
        "trouble": trouble.group(1) if trouble else "",  # the 503 page's kind
        "traceback": "Traceback" in body,
        "error": "" if status else f"{type(exception).__name__}: {exception}"[:200],
    }
    _log.write(json.dumps(entry) + "\n")
