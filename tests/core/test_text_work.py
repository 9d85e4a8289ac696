"""What user text costs to render, check and compare grows with its length, not its square.

Nothing here reads a clock: each test counts the Python lines a call runs
(tests/work_counts.py) for an input and for the same input ten times longer. Linear work
grows about 10 times; before these bounds, `[` x 20,000 took 75 s to preview and the
blameless check of 100,000 backticks ran past two minutes.
"""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from lib import markdown
from lib.diffs import diff_lines
from lib.markdown import SECTION_MAX_CHARS, TEXT_MAX_CHARS, render_markdown
from postmortems.blameless.checker import check
from postmortems.blameless.findings import findings_of
from postmortems.chat_import.reader import parse_transcript
from tests.factories import TimelineEventFactory
from tests.work_counts import growth, lines_run

# Ten times the input may cost up to twice ten times the work; the square would be 100.
LINEAR = 20

PATHOLOGICAL_MARKDOWN = [
    "[",  # every "[" looked for its "]" to the end of the paragraph: 75 s for 20,000
    "![",
    "[a](",  # every "(" looked for its ")" to the end
    "[a]((x)",
    "[[]",
    "\n-",  # the block parser re-read the rest of the block for every line
    "\n#",
    "\n> ",
    "*a* ",
    "`a` ",
]


@pytest.mark.parametrize("unit", PATHOLOGICAL_MARKDOWN)
def test_markdown_work_grows_linearly_with_pathological_input(unit):
    assert growth(markdown._render, unit, base=1_000 // len(unit)) < LINEAR


def test_a_long_text_is_rendered_once_and_then_served_from_the_cache():
    cache.clear()
    text = "[" * 5_000
    first = lines_run(render_markdown, text)
    again = lines_run(render_markdown, text)
    assert render_markdown(text) == markdown._render(text)
    assert again * 100 < first


def test_the_blameless_findings_of_a_long_text_are_checked_once_and_then_cached():
    cache.clear()
    text = "Bob should have checked the config. " + "`" * 20_000
    first = lines_run(findings_of, text)
    again = lines_run(findings_of, text)
    assert findings_of(text) == check(text)
    assert [f.category for f in findings_of(text)] == ["counterfactual"]
    assert again * 100 < first


def test_one_costly_event_is_rendered_once_for_every_viewer(
    client, owner, teammate, postmortem, monkeypatch
):
    cache.clear()
    TimelineEventFactory(postmortem=postmortem, text="[" * 10_000)
    rendered = []
    real = markdown._render
    monkeypatch.setattr(markdown, "_render", lambda text: rendered.append(text) or real(text))
    url = reverse("pm-postmortem-detail", args=[postmortem.incident.number])
    for viewer in (owner, teammate, owner):
        client.force_login(viewer)
        assert client.get(url).status_code == 200
    assert [text for text in rendered if len(text) >= 10_000] == ["[" * 10_000]


def test_chunked_rendering_matches_whole_rendering_of_an_ordinary_long_document():
    paragraph = "The pool filled up; see [the graph][graph] and `pgbouncer`.\n\n"
    fence = "```\n" + "line\n\n" * 60 + "```\n\n"
    listed = "".join(f"- item {n}\n\n" for n in range(15))
    text = paragraph * 40 + fence + listed + "## After\n\n" + paragraph * 40
    text += "[graph]: https://grafana.example.com/d/1\n"
    assert len(markdown._chunks(text)) > 3
    whole = markdown.clean_html(markdown._converter().convert(text))
    assert markdown._render(text) == whole


@pytest.mark.parametrize(
    "unit", ["`", "~", "](", ".", "human error ", "should have checked ", "Bob blamed Alice "]
)
def test_blameless_check_work_grows_linearly(unit):
    assert growth(check, unit, base=1_000 // len(unit)) < LINEAR


def test_comparing_two_long_versions_grows_linearly():
    def compare(lines: int) -> int:
        return lines_run(diff_lines, "x\n" * lines, "x\ny\n" * lines)

    compare(50)
    assert compare(5_000) / compare(500) < LINEAR


def test_comparing_two_long_lines_grows_linearly():
    def compare(words: int) -> int:
        return lines_run(diff_lines, "a " * words, "a b " * words)

    compare(50)
    assert compare(5_000) / compare(500) < LINEAR


# ---- Limits that match what rendering can afford -------------------------------------------


def test_a_section_longer_than_the_limit_is_refused_with_the_limit_named(client, owner, postmortem):
    before = postmortem.summary
    client.force_login(owner)
    response = client.post(
        reverse("pm-section-save", args=[postmortem.incident.number, "summary"]),
        {"text": "a" * (SECTION_MAX_CHARS + 1), "base": ""},
    )
    assert f"at most {SECTION_MAX_CHARS} characters" in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.summary == before


def test_a_preview_longer_than_the_limit_is_not_rendered(client, owner):
    client.force_login(owner)
    response = client.post(reverse("pm-markdown-preview"), {"text": "[" * (SECTION_MAX_CHARS + 1)})
    assert response.status_code == 400
    assert "too long to preview" in response.content.decode()


def test_an_event_longer_than_the_limit_is_refused_by_the_form(client, owner, postmortem):
    client.force_login(owner)
    response = client.post(
        reverse("pm-event-add", args=[postmortem.incident.number]),
        {
            "new-event-occurred_at": "2026-11-02T09:10",
            "new-event-kind": "action",
            "new-event-text": "a" * (TEXT_MAX_CHARS + 1),
        },
        HTTP_HX_REQUEST="true",
    )
    assert f"at most {TEXT_MAX_CHARS} characters" in response.content.decode()
    assert not postmortem.timeline_events.exists()


def test_a_chat_message_longer_than_an_event_may_be_is_a_problem_not_an_event():
    result = parse_transcript(
        json.dumps([{"ts": "1793610000.0", "user": "U1", "text": "x" * (TEXT_MAX_CHARS + 1)}]),
        start_date=dt.date(2026, 11, 2),
        zone=dt.UTC,
    )
    assert result.messages == []
    assert [p.reason for p in result.problems] == [
        f"longer than {TEXT_MAX_CHARS:,} characters: split it"
    ]


def test_the_api_refuses_texts_past_the_limits_with_json_errors(owner, postmortem):
    from postmortems.services.postmortems import text_fingerprint
    from tests.api.conftest import ApiClient, token_for

    api = ApiClient(token_for(owner))
    base = f"/api/v1/incidents/{postmortem.incident.number}/postmortem"
    section = api.put(
        f"{base}/sections/impact",
        {"text": "a" * (SECTION_MAX_CHARS + 1), "base": text_fingerprint(postmortem.impact)},
    )
    assert section.status_code == 422
    assert list(section.json()["errors"]) == ["text"]
    event = api.post(
        f"{base}/timeline",
        {"occurred_at": "2026-11-02T09:05:00Z", "text": "a" * (TEXT_MAX_CHARS + 1)},
    )
    assert event.status_code == 422
    assert list(event.json()["errors"]) == ["text"]
