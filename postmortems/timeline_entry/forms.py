import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from lib.markdown import TEXT_MAX_CHARS
from postmortems.forms import DATETIME_INPUT
from postmortems.models.reviews import TimelineEvent
from postmortems.timeline_entry.lines import ReadLines, read_lines
from postmortems.timeline_entry.quick import split_kind

PREFIX = "entry"


class TimelineEntryForm(forms.Form):
    """The editor's quick entry: one line (`10:42 restarted the primary`), or many pasted
    at once, each becoming an event. The full fields are optional extras: a time typed
    in "When" makes the line plain text; a kind chosen is the default for lines that
    name none; a source link goes with a single event."""

    entry = forms.CharField(
        label="New event",
        required=False,
        max_length=TEXT_MAX_CHARS,
        strip=False,
        help_text="A time and what happened: “10:42 restarted the primary”, “+5m detect: "
        "alert fired” (a kind, or its first letter, before a colon), “Nov 18 23:50 ...”. "
        "Enter adds it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "true"}),
    )
    lines = forms.CharField(
        label="Several lines, one event each",
        required=False,
        strip=False,
        help_text="Quick lines or chat lines (“[10:42] alice: text”), pasted as they are.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=DATETIME_INPUT,
        help_text="Instead of a time in the line.",
    )
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "From the line (or Action)"), *TimelineEvent.Kind.choices],
    )
    source_url = forms.URLField(
        label="Source link", required=False, assume_scheme="https", max_length=500
    )

    def __init__(self, *args, previous: dt.datetime, zone: ZoneInfo, **kwargs) -> None:
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)
        self.previous, self.zone = previous, zone
        self.read = ReadLines()
        self.events: list[dict] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        typed = "\n".join(
            text for text in (data.get("lines", ""), data.get("entry", "")) if text.strip()
        )
        field = "lines" if data.get("lines", "").strip() else "entry"
        if not typed.strip():
            self.add_error(
                "entry", "Type a time and what happened, e.g. “10:42 restarted the primary”."
            )
            return data
        kind, source_url = data.get("kind") or "", data.get("source_url") or ""
        if data.get("occurred_at"):
            if len(typed.strip().splitlines()) > 1:
                self.add_error(field, "With a time in “When”, add one event at a time.")
                return data
            line_kind, text = split_kind(typed.strip())
            events = [(data["occurred_at"], line_kind, text)]
        else:
            self.read = read_lines(typed, previous=self.previous, zone=self.zone)
            if not self.read.entries:
                problems = self.read.problems
                if len(problems) == 1 and problems[0].text.strip() == typed.strip():
                    self.add_error(field, problems[0].reason)
                else:
                    self.add_error(field, "No line could be read; see each line's reason.")
                return data
            events = [(e.occurred_at, e.kind, e.text) for e in self.read.entries]
        if source_url and len(events) > 1:
            self.add_error("source_url", "A source link goes with one event at a time.")
            return data
        self.events = [
            {
                "occurred_at": occurred_at,
                "kind": line_kind or kind or TimelineEvent.Kind.ACTION,
                "text": text,
                "source_url": source_url,
            }
            for occurred_at, line_kind, text in events
        ]
        return data

    def lines_left(self) -> "TimelineEntryForm":
        """The form for the next entry: empty, or holding the lines that were not added."""
        left = self.read.failed_text()
        return TimelineEntryForm(
            previous=self.previous,
            zone=self.zone,
            initial={"lines": left} if left else None,
        )
