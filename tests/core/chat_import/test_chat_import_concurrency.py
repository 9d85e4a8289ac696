"""Two people importing the same Slack export at the same moment, on PostgreSQL: real
threads, each with its own connection and client, started together by a barrier."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from postmortems.models import TimelineEvent
from tests.core.chat_import.slack_exports import workspace_zip
from tests.core.test_concurrent_writers import _browser
from tests.factories import MembershipFactory, PostmortemFactory
from tests.threads import run_together

WRITERS = 4


@pytest.mark.django_db(transaction=True)
def test_simultaneous_imports_of_one_export_add_each_message_once_and_answer_no_error(
    postgres, team, owner
):
    postmortem = PostmortemFactory(incident__team=team, incident__owner=owner)
    number = postmortem.incident.number
    export = workspace_zip(channels=("inc-checkout",))
    people = [owner] + [MembershipFactory(team=team).user for _ in range(WRITERS - 1)]
    answers: list[int] = []

    def importer(person):
        def write(barrier) -> None:
            client = _browser(person)
            upload = SimpleUploadedFile("export.zip", export, content_type="application/zip")
            preview = client.post(
                reverse("pm-timeline-import", args=[number]), {"files": upload, "channel": ""}
            )
            assert preview.status_code == 200
            selection = preview.context["selection"]
            data = {"transcript": selection.initial["transcript"]}
            for n, message in enumerate(selection.messages):
                data |= {f"pick-{n}": "on", f"kind-{n}": message.kind}
            barrier.wait(timeout=30)  # every preview done: all import at once
            response = client.post(reverse("pm-timeline-import-add", args=[number]), data)
            answers.append(response.status_code)

        return write

    crashed = run_together([importer(person) for person in people])
    assert crashed == []
    assert answers == [302] * WRITERS
    events = TimelineEvent.objects.filter(postmortem=postmortem)
    assert events.count() == 10
    assert events.values("import_key").distinct().count() == 10


@pytest.mark.django_db
def test_the_database_refuses_a_second_event_with_the_same_import_key(postmortem, owner):
    fields = {"occurred_at": postmortem.incident.started_at, "text": "x", "created_by": owner}
    TimelineEvent.objects.create(postmortem=postmortem, import_key="slack:1.0:U1", **fields)
    TimelineEvent.objects.create(postmortem=postmortem, **fields)  # typed events: no key
    TimelineEvent.objects.create(postmortem=postmortem, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimelineEvent.objects.create(postmortem=postmortem, import_key="slack:1.0:U1", **fields)
