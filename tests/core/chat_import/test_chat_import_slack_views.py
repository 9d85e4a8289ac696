"""The chat import page with a real Slack export: upload, pick the channel, preview
(new / already imported / skipped), import, and import again without duplicates."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from postmortems.chat_import.slack_export import MAX_UPLOAD_BYTES
from postmortems.models import TimelineEvent
from tests.core.chat_import.slack_exports import day_file, workspace_files, workspace_zip, zip_of
from tests.factories import TimelineEventFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, postmortem):
    return reverse(name, args=[postmortem.incident.number])


def _zip(data: bytes, name: str = "Acme Slack export Nov 2 2026.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def _upload(client, postmortem, files, channel="", **headers):
    data = {"transcript": "", "files": files, "channel": channel}
    return client.post(_url("pm-timeline-import", postmortem), data, **headers)


def _import_all_new(client, postmortem, preview, **headers):
    """Submit the preview as shown: every new message ticked, kinds as guessed."""
    selection = preview.context["selection"]
    data = {"transcript": selection.initial["transcript"]}
    for number, (message, _, _, already) in enumerate(selection.rows()):
        data[f"kind-{number}"] = message.kind
        if not already:
            data[f"pick-{number}"] = "on"
    return client.post(_url("pm-timeline-import-add", postmortem), data, **headers)


def test_uploading_a_workspace_zip_asks_for_the_channel_then_previews_it(signed_in, postmortem):
    response = _upload(signed_in, postmortem, _zip(workspace_zip()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "This export holds 2 channels: choose one and upload it again." in html
    assert '<option value="inc-checkout">#inc-checkout (2 days)</option>' in html

    response = _upload(signed_in, postmortem, _zip(workspace_zip()), channel="inc-checkout")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: 10 messages" in html
    assert "<strong>10 new</strong>,\n      0 already imported,\n      4 skipped" in html
    assert "Alice Adams" in html
    assert "thread reply to Alice Adams" in html
    authors = {m.author for m in response.context["selection"].messages}
    assert authors == {
        "PagerDuty",
        "Alice Adams",
        "Bob Brown",
        "Carol ☕",
        "Deploy Bot",
        "Dana Dubois",
    }
    assert "@Bob Brown can you look? @here" in html  # mentions became names too
    assert TimelineEvent.objects.count() == 0  # a preview saves nothing


def test_an_uploaded_export_becomes_events_with_names_and_rendered_markup(
    signed_in, owner, postmortem
):
    preview = _upload(signed_in, postmortem, _zip(workspace_zip()), channel="inc-checkout")
    response = _import_all_new(signed_in, postmortem, preview)
    assert response.status_code == 302
    events = list(postmortem.timeline_events.order_by("occurred_at"))
    assert len(events) == 10
    assert events[1].import_key == "slack:1793613662.123456:U024BE7LH"
    assert events[1].occurred_at.microsecond == 123456  # kept exactly
    assert {e.created_by for e in events} == {owner}

    page = signed_in.get(_url("pm-postmortem-detail", postmortem)).content.decode()
    assert "<strong>Alice Adams</strong>: <strong>Paged</strong>: checkout 5xx &gt; 5%" in page
    assert (
        '<a href="https://deploy.example.com/runs/4241" rel="noopener noreferrer">run 4241</a>'
        in page
    )
    assert "<pre><code>panic: *not bold* &lt;not a link&gt; at checkout.go:42" in page
    assert (
        "<blockquote>\n<p>schema unchanged since 4240<br>\nrollback is safe</p>\n</blockquote>"
        in page
    )
    assert "<strong>PagerDuty</strong>: Incident triggered" in page
    assert "<strong>Rollback finished</strong> for run 4242 by @Carol ☕" in page
    assert "📎 Error rate, last hour" in page
    assert "merci à tous 🎉" in page
    assert "(thread reply to Alice Adams)" in page


def test_importing_the_same_export_twice_adds_nothing_the_second_time(signed_in, postmortem):
    upload = workspace_zip(channels=("inc-checkout",))
    _import_all_new(signed_in, postmortem, _upload(signed_in, postmortem, _zip(upload)))
    assert postmortem.timeline_events.count() == 10

    preview = _upload(signed_in, postmortem, _zip(upload))
    html = preview.content.decode()
    assert "<strong>0 new</strong>,\n      10 already imported" in html
    assert html.count("already imported</span>") == 10
    assert "Nothing new: every message is already in the timeline." in html

    # Even a form that ticks them all again (a second tab, a replay) adds nothing.
    selection = preview.context["selection"]
    data = {"transcript": selection.initial["transcript"]}
    for number, message in enumerate(selection.messages):
        data |= {f"pick-{number}": "on", f"kind-{number}": message.kind}
    response = signed_in.post(_url("pm-timeline-import-add", postmortem), data, follow=True)
    assert "0 timeline events imported. 10 were already in the timeline." in (
        response.content.decode()
    )
    assert postmortem.timeline_events.count() == 10


def test_a_later_export_with_more_days_adds_only_the_new_messages(signed_in, postmortem):
    files = workspace_files(channels=("inc-checkout",))
    first_day = {k: v for k, v in files.items() if not k.endswith("2026-11-03.json")}
    _import_all_new(signed_in, postmortem, _upload(signed_in, postmortem, _zip(zip_of(first_day))))
    assert postmortem.timeline_events.count() == 9

    preview = _upload(signed_in, postmortem, _zip(zip_of(files)))
    assert "<strong>1 new</strong>,\n      9 already imported" in preview.content.decode()
    _import_all_new(signed_in, postmortem, preview)
    assert postmortem.timeline_events.count() == 10


def test_day_files_and_users_json_uploaded_as_several_files_are_recognised_as_the_same(
    signed_in, postmortem
):
    _import_all_new(
        signed_in,
        postmortem,
        _upload(signed_in, postmortem, _zip(workspace_zip(channels=("inc-checkout",)))),
    )
    files = workspace_files(channels=("inc-checkout",))
    uploads = [
        SimpleUploadedFile(name.rsplit("/", 1)[-1], data, content_type="application/json")
        for name, data in files.items()
        if name != "channels.json"
    ]
    preview = _upload(signed_in, postmortem, uploads)
    assert "<strong>0 new</strong>,\n      10 already imported" in preview.content.decode()


def test_pasted_slack_json_is_recognised_as_the_same_messages(signed_in, postmortem):
    day = workspace_files(channels=("inc-checkout",))["inc-checkout/2026-11-03.json"]
    data = {"transcript": day.decode()}
    preview = signed_in.post(_url("pm-timeline-import", postmortem), data)
    _import_all_new(signed_in, postmortem, preview)
    preview = _upload(signed_in, postmortem, _zip(workspace_zip(channels=("inc-checkout",))))
    assert "<strong>9 new</strong>,\n      1 already imported" in preview.content.decode()


def test_pasting_the_same_plain_transcript_twice_adds_it_once(signed_in, postmortem):
    transcript = "[10:42] alice: restarted the primary\n[10:43] alice: ok\n[10:43] alice: ok\n"
    for _ in range(2):
        preview = signed_in.post(_url("pm-timeline-import", postmortem), {"transcript": transcript})
        if preview.context["selection"].new_count:
            _import_all_new(signed_in, postmortem, preview)
    # The repeated line is a message of its own, and stays so.
    assert postmortem.timeline_events.count() == 3
    assert "<strong>0 new</strong>" in preview.content.decode()


BAD_UPLOADS = {  # (name, content): each request gets fresh upload objects
    "not a zip": ([("export.zip", b"this is not a zip")], "not a ZIP archive"),
    "a text file": ([("notes.txt", b"hello")], "is not a ZIP archive or a Slack"),
    "path traversal": (
        [
            (
                "export.zip",
                zip_of(workspace_files(channels=("inc-checkout",)) | {"../../etc/x.json": b"[]"}),
            )
        ],
        "The archive holds a path outside itself (../../etc/x.json).",
    ),
    "a zip bomb": (
        [("export.zip", zip_of({"inc/2026-11-02.json": b"\0" * 10_000_001}))],
        "at most 10 MB per file",
    ),
    "no channel folder": ([("export.zip", zip_of({"users.json": b"[]"}))], "No channel found"),
    "broken day file": (
        [("export.zip", zip_of({"inc/2026-11-02.json": b"[{"}))],
        "2026-11-02.json is not valid JSON",
    ),
    "day files among other files": (
        [("2026-11-02.json", b"[]"), ("users.json", b"[]"), ("photo.png", b"\x89PNG")],
        "Not a Slack export file: photo.png",
    ),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_a_bad_upload_answers_a_clear_message_and_loses_nothing(signed_in, postmortem, case):
    kept = TimelineEventFactory(postmortem=postmortem)
    uploads, message = BAD_UPLOADS[case]

    def files():
        return [SimpleUploadedFile(name, data) for name, data in uploads]

    response = _upload(signed_in, postmortem, files())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(postmortem.timeline_events.all()) == [kept]
    response = _upload(signed_in, postmortem, files(), **HTMX)  # htmx swaps 2xx only
    assert response.status_code == 200
    assert message in response.content.decode()


def test_an_upload_over_the_size_limit_is_refused(signed_in, postmortem, monkeypatch):
    monkeypatch.setattr("postmortems.chat_import.slack_export.MAX_UPLOAD_BYTES", 1_000)
    response = _upload(signed_in, postmortem, _zip(workspace_zip()))
    assert response.status_code == 400
    assert "The upload is larger than 0 MB" in response.content.decode()
    assert MAX_UPLOAD_BYTES == 25_000_000


def test_without_users_json_the_preview_warns_and_shows_ids(signed_in, postmortem):
    data = workspace_zip(users=False, channels=("inc-checkout",))
    response = _upload(signed_in, postmortem, _zip(data))
    html = response.content.decode()
    assert "users.json is missing: people show as Slack ids" in html
    assert "U0G9QF9C6" in html
    assert "Preview: 10 messages" in html


def test_pasting_and_uploading_at_once_is_refused(signed_in, postmortem):
    data = {"transcript": "[10:42] alice: hi", "files": _zip(workspace_zip())}
    response = signed_in.post(_url("pm-timeline-import", postmortem), data)
    assert response.status_code == 400
    assert "not both" in response.content.decode()


def test_an_import_of_200_messages_takes_no_more_queries_per_message(
    signed_in, postmortem, django_assert_num_queries
):
    """Session, user, postmortem (permission), known keys (for the preview rows), the
    lock, known keys again under it, the bulk insert, and the search index rebuild.
    SQLite takes at most 999 parameters a statement, so its insert comes in batches of
    90 rows: two more statements for 200 rows, not 200 (before: 3 queries per event)."""

    def import_day(count, start, queries):
        files = {"users.json": b"[]", "inc/2026-11-02.json": day_file(count, start=start)}
        preview = _upload(signed_in, postmortem, _zip(zip_of(files)))
        assert preview.context["selection"].new_count == count
        with django_assert_num_queries(queries[connection.vendor]):
            response = _import_all_new(signed_in, postmortem, preview)
        assert response.status_code == 302

    import_day(2, 1793613600, queries={"sqlite": 14, "postgresql": 13})
    import_day(200, 1793620000, queries={"sqlite": 16, "postgresql": 13})
    assert postmortem.timeline_events.count() == 202
