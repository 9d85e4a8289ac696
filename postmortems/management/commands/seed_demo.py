from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from django.utils import timezone

from postmortems.demo.seed import LEAD_EMAIL, login_lines, seed_demo


class Command(BaseCommand):
    help = (
        "Load demo teams, people, incidents and postmortems (about four months, ending now), "
        "on-call rotations and eight weeks of alerts. "
        "Runs once: does nothing if the demo lead already exists."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = seed_demo(now=timezone.now())
        except IntegrityError as error:
            raise CommandError(
                "The database already holds rows the demo would create (a team, user, service "
                f"or tag with the same name). Seed an empty database. ({error})"
            ) from error
        if summary is None:
            self.stdout.write(
                f"Demo data is already loaded ({LEAD_EMAIL} exists); nothing created."
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Created demo data: {summary}."))
        self.stdout.write("Sign in with:")
        for line in login_lines():
            self.stdout.write(f"  {line}")
