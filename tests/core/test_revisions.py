"""Section history: revisions on save, baselines, autosave coalescing, restore, diffs."""

import datetime as dt

import pytest
import time_machine
from django.template.loader import render_to_string

from lib.diffs import diff_lines
from postmortems.archive.search import SearchParams, search_postmortems
from postmortems.models import SectionRevision
from postmortems.services.postmortems import (
    SectionConflict,
    postmortem_set_status,
    postmortem_update_section,
    section_revision_restore,
    text_fingerprint,
)
from postmortems.templatetags.postmortem_tags import diff_table
from tests.factories import BASE_TIME, complete_postmortem

pytestmark = pytest.mark.django_db
AUTOSAVE = SectionRevision.Kind.AUTOSAVE


def _save(postmortem, text, by, *, section="summary", kind=SectionRevision.Kind.SAVE, **extra):
    current = getattr(postmortem, section)
    return postmortem_update_section(
        postmortem=postmortem,
        section=section,
        text=text,
        base_fingerprint=extra.pop("base", text_fingerprint(current)),
        by=by,
        kind=kind,
        **extra,
    )


def _history(postmortem, section="summary"):
    rows = SectionRevision.objects.filter(postmortem=postmortem, section=section)
    return [(r.number, r.kind, r.author_id, r.text) for r in rows.order_by("number")]


def test_the_first_save_records_the_old_text_as_a_baseline_then_the_new_one(postmortem, owner):
    old = postmortem.summary
    with time_machine.travel(BASE_TIME, tick=False):
        revision = _save(postmortem, "Pool size halved by a config change.", owner)
    assert revision.number == 2
    assert revision.saved_at == BASE_TIME
    assert _history(postmortem) == [
        (1, "baseline", None, old),
        (2, "save", owner.pk, "Pool size halved by a config change."),
    ]


def test_every_explicit_save_records_a_revision_even_within_a_minute(postmortem, owner):
    with time_machine.travel(BASE_TIME, tick=False):
        _save(postmortem, "One.", owner, section="lessons")
        _save(postmortem, "Two.", owner, section="lessons")
        _save(postmortem, "Two.", owner, section="lessons")
    assert [n for n, *_ in _history(postmortem, "lessons")] == [1, 2, 3]


def test_autosaves_by_one_person_within_five_minutes_become_one_revision(postmortem, owner):
    with time_machine.travel(BASE_TIME, tick=False) as clock:
        _save(postmortem, "Th", owner, section="lessons", kind=AUTOSAVE)
        clock.shift(dt.timedelta(minutes=2))
        _save(postmortem, "The pool", owner, section="lessons", kind=AUTOSAVE)
        clock.shift(dt.timedelta(minutes=2, seconds=59))
        revision = _save(postmortem, "The pool needs", owner, section="lessons", kind=AUTOSAVE)
        assert _history(postmortem, "lessons") == [(1, "autosave", owner.pk, "The pool needs")]
        assert (revision.created_at, revision.saved_at) == (
            BASE_TIME,
            BASE_TIME + dt.timedelta(minutes=4, seconds=59),
        )

        # Five minutes after the burst began, the next autosave starts a new revision.
        clock.shift(dt.timedelta(seconds=1))
        _save(postmortem, "The pool needs alerts", owner, section="lessons", kind=AUTOSAVE)
        assert [n for n, *_ in _history(postmortem, "lessons")] == [1, 2]


def test_an_explicit_save_or_someone_else_ends_an_autosave_burst(postmortem, owner, teammate):
    with time_machine.travel(BASE_TIME, tick=False):
        _save(postmortem, "A", owner, section="lessons", kind=AUTOSAVE)
        _save(postmortem, "AB", owner, section="lessons")  # explicit: always a revision
        _save(postmortem, "ABC", owner, section="lessons", kind=AUTOSAVE)
        _save(postmortem, "ABCD", teammate, section="lessons", kind=AUTOSAVE)
        _save(postmortem, "ABCDE", owner, section="lessons", kind=AUTOSAVE)
        _save(postmortem, "ABCDE", owner, section="lessons", kind=AUTOSAVE)  # no change
    assert _history(postmortem, "lessons") == [
        (1, "autosave", owner.pk, "A"),
        (2, "save", owner.pk, "AB"),
        (3, "autosave", owner.pk, "ABC"),
        (4, "autosave", teammate.pk, "ABCD"),
        (5, "autosave", owner.pk, "ABCDE"),
    ]


def test_restoring_an_old_revision_saves_it_as_a_new_revision_and_reindexes(
    postmortem, owner, teammate
):
    complete_postmortem(postmortem)  # only published reviews are searchable
    postmortem_set_status(postmortem=postmortem, status="published")
    _save(postmortem, "First words about **pelicans**.", owner, section="lessons")
    _save(postmortem, "Second words.", teammate, section="lessons")
    first = SectionRevision.objects.get(postmortem=postmortem, section="lessons", number=1)

    restored = section_revision_restore(
        revision=first, by=teammate, base_fingerprint=text_fingerprint("Second words.")
    )

    assert (restored.number, restored.kind, restored.restored_from) == (3, "restore", 1)
    postmortem.refresh_from_db()
    assert postmortem.lessons == "First words about **pelicans**."
    found = search_postmortems(user=owner, params=SearchParams(q="pelicans"))
    assert [pm.pk for pm in found.page.object_list] == [postmortem.pk]
    assert [n for n, *_ in _history(postmortem, "lessons")] == [1, 2, 3]


def test_a_restore_over_a_newer_text_is_refused_like_any_stale_save(postmortem, owner, teammate):
    _save(postmortem, "Old.", owner, section="lessons")
    seen = text_fingerprint("Old.")
    _save(postmortem, "Newer, by a teammate.", teammate, section="lessons")
    _save(postmortem, "Newest, by a teammate.", teammate, section="lessons")
    old = SectionRevision.objects.get(postmortem=postmortem, section="lessons", number=1)
    with pytest.raises(SectionConflict) as conflict:
        section_revision_restore(revision=old, by=owner, base_fingerprint=seen)
    assert conflict.value.current_text == "Newest, by a teammate."
    assert conflict.value.revision.number == 3
    postmortem.refresh_from_db()
    assert postmortem.lessons == "Newest, by a teammate."


def test_an_editor_is_not_in_conflict_with_its_own_autosave(postmortem, owner, teammate):
    # The autosave went through but its answer was lost: the editor still holds the old
    # base. Its next save is not a conflict; a teammate's stale save still is.
    opened = text_fingerprint(postmortem.lessons)
    _save(postmortem, "Draft", owner, section="lessons", kind=AUTOSAVE, editor="tab-1")
    _save(postmortem, "Draft, longer", owner, section="lessons", base=opened, editor="tab-1")
    postmortem.refresh_from_db()
    assert postmortem.lessons == "Draft, longer"
    with pytest.raises(SectionConflict):
        _save(postmortem, "Other tab", owner, section="lessons", base=opened, editor="tab-2")
    with pytest.raises(SectionConflict):
        _save(postmortem, "Mine", teammate, section="lessons", base=opened, editor="tab-1")


def test_a_diff_escapes_html_and_marks_changed_words():
    lines = diff_lines(
        "Pool size <b>32</b>\nsame\n",
        "Pool size <script>alert(1)</script>\nsame\nnew & line",
    )
    html = "".join(str(line.html) for line in lines)
    assert "<script>" not in html
    assert "<b>" not in html
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "<del>&lt;b&gt;32&lt;/b&gt;</del>" in html
    assert [line.kind for line in lines] == ["delete", "insert", "equal", "insert"]
    assert lines[-1].html == "<ins>new &amp; line</ins>"


def test_a_diff_leaves_out_long_unchanged_stretches():
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten")
    lines = diff_lines(old, new)
    assert [line.kind for line in lines][:2] == ["gap", "equal"]
    assert lines[0].html == "6 unchanged lines"
    assert lines[-1].html == "7 unchanged lines"
    assert diff_lines("same", "same") == []


def test_the_diff_table_renders_escaped_user_text():
    html = render_to_string(
        "postmortems/includes/diff.html", diff_table("a <i>b</i>", "a <img src=x onerror=1>")
    )
    assert "<img" not in html
    assert "&lt;img src=x onerror=1&gt;" in html
    assert 'class="diff__insert"' in html
