from django.core.management.base import BaseCommand
from django.utils import timezone

from postmortems.notifications.outbox import outbox_due, outbox_requeue_stuck, outbox_send
from postmortems.notifications.reminders import reminders_sweep


class Command(BaseCommand):
    help = (
        "Run the reminder sweep once and send what is due, synchronously (no worker or "
        "broker needed). Safe to run next to beat: every email still goes out once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        now = timezone.now()
        result = reminders_sweep(now=now, dry_run=dry_run)
        if dry_run:
            for email in result.emails:
                self.stdout.write(f"{email.kind:14} {email.destination:32} {email.subject}")
            self.stdout.write(f"{len(result.emails)} email(s) would be sent.")
            return
        outbox_requeue_stuck(now=now)
        outcomes: dict[str, int] = {}
        for email_id in outbox_due(now=now, limit=10_000):
            # Each claim is stamped with its own time, not `now`: a run that lasts
            # longer than the stuck-row timeout must not make its claims look stuck.
            outcome = outbox_send(email_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "none"
        self.stdout.write(
            f"{len(result.created_ids)} new email(s) queued; delivery attempts: {summary}."
        )
