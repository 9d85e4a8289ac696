"""Forms parse and validate input; they never write (services do)."""

import re

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.fields import InvalidJSONInput, JSONString
from django.utils import timezone

from accounts.models import Team, User
from accounts.people_fields import PeopleField, PersonField, name_and_email
from accounts.single_line import SingleLineField, single_line_fields
from lib.json_input import JsonInputError, JsonSyntaxError, loads_untrusted
from lib.markdown import SECTION_MAX_CHARS, TEXT_MAX_CHARS
from postmortems.alerting.models import AlertIntegration
from postmortems.api.models import ApiToken
from postmortems.blameless.models import BlamelessDismissal
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service
from postmortems.models.comments import COMMENT_TARGETS
from postmortems.models.incidents import Incident, Severity
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.notifications.channel_models import TeamWebhook

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def limit_length(field: forms.Field, limit: int) -> None:
    """A Markdown text's limit (lib/markdown.py) on a model form's text field:
    model TextFields have none, and rendering must stay affordable for every viewer."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


def https_urls(field: models.Field, **kwargs) -> forms.Field | None:
    """Links typed without a scheme ("grafana.example.com/d/1") mean https; plain text
    fields are single lines (accounts/single_line.py). Every ModelForm here uses it."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return single_line_fields(field, **kwargs)


class RevisionMixin:
    """Carries the revision the user started editing from (see services.edits)."""

    def rebase(self, revision: int) -> None:
        """After a conflict: the next save deliberately replaces the newer version."""
        data = self.data.copy()
        data[self.add_prefix("revision")] = str(revision)
        self.data = data


class IncidentForm(RevisionMixin, forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "severity",
            "status",
            "team",
            "owner",
            "services",
            "description",
            "started_at",
            "detected_at",
            "mitigated_at",
            "resolved_at",
            "restricted",
            "postmortem_not_needed",
            "postmortem_not_needed_reason",
        ]
        widgets = {
            "started_at": DATETIME_INPUT,
            "detected_at": DATETIME_INPUT,
            "mitigated_at": DATETIME_INPUT,
            "resolved_at": DATETIME_INPUT,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"owner": PersonField}
        formfield_callback = https_urls
        help_texts = {
            "started_at": "In your time zone. When the impact began, as best you know.",
            "resolved_at": "Resolving starts the 24-hour clock for the postmortem.",
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["description"], TEXT_MAX_CHARS)
        self.fields["team"].queryset = Team.objects.all()
        self.fields["owner"].person_label = name_and_email
        if not self.is_bound:
            self.initial.setdefault("revision", self.instance.revision)
            if self.instance.pk is None:
                self.initial.setdefault("owner", user.pk)
                first_team = user.teams.order_by("name").first()
                if first_team:
                    self.initial.setdefault("team", first_team.pk)
                self.initial.setdefault("started_at", timezone.localtime().replace(second=0))

    def clean(self) -> dict:
        data = super().clean()
        started = data.get("started_at")
        for name in ("detected_at", "mitigated_at", "resolved_at"):
            moment = data.get(name)
            if started and moment and moment < started:
                self.add_error(name, "This cannot be before the incident started.")
        if data.get("status") == Incident.Status.RESOLVED and not data.get("resolved_at"):
            self.add_error("resolved_at", "Say when the incident was resolved.")
        if data.get("postmortem_not_needed") and not data.get("postmortem_not_needed_reason"):
            self.add_error(
                "postmortem_not_needed_reason", "Say why this incident needs no postmortem."
            )
        return data


class SectionForm(forms.Form):
    """One Markdown section. Each section is its own <form>, so field names stay plain
    ("text") and the live preview posts the same field; ids carry the section name."""

    text = forms.CharField(
        required=False, max_length=SECTION_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8})
    )
    base = forms.CharField(widget=forms.HiddenInput, required=False)
    # Names this open form (one per page load), so its own autosaves never count as
    # someone else's change (services/revisions.py).
    editor = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args, section: str, **kwargs) -> None:
        super().__init__(*args, auto_id=f"id_{section}_%s", **kwargs)


class PreviewForm(forms.Form):
    text = forms.CharField(required=False, max_length=SECTION_MAX_CHARS)


class BlamelessDismissForm(forms.Form):
    """Dismiss one flagged excerpt. `text` is the section as typed (maybe unsaved), so
    the findings shown afterwards match what is in the editor."""

    category = forms.ChoiceField(choices=BlamelessDismissal.Category.choices)
    excerpt = forms.CharField(max_length=300, strip=False)  # matched as typed
    reason = SingleLineField(max_length=200)
    text = forms.CharField(required=False, max_length=SECTION_MAX_CHARS, strip=False)


class PostmortemDetailsForm(forms.Form):
    authors = PeopleField(
        required=False, attrs={"size": 6}, help_text="The people writing this review."
    )
    tags = SingleLineField(
        required=False,
        max_length=500,
        help_text="Comma separated, e.g. dns, capacity, config-change.",
    )

    def clean_tags(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["tags"].split(",")]
        return list(dict.fromkeys(name for name in names if name))[:20]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Postmortem.Status.choices)
    # Set by the "publish anyway" button of the open-comments confirmation.
    confirm = forms.BooleanField(required=False)


class ReviewCommentForm(forms.Form):
    section = forms.ChoiceField(choices=COMMENT_TARGETS, widget=forms.HiddenInput)
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    # Which page a plain (no JavaScript) form returns to.
    back = forms.ChoiceField(
        choices=[("read", "read"), ("edit", "edit")], required=False, widget=forms.HiddenInput
    )


class PulseForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Did this review feel blameless and safe to contribute to?",
        choices=[
            (1, "1 · Not at all"),
            (2, "2"),
            (3, "3"),
            (4, "4"),
            (5, "5 · Completely"),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Shown to team leads only among at least 3 answers, "
        "never with your name or this review.",
    )


class TimelineEventForm(RevisionMixin, forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = TimelineEvent
        fields = ["occurred_at", "kind", "text", "source_url"]
        widgets = {
            "occurred_at": DATETIME_INPUT,
            "text": forms.Textarea(attrs={"rows": 2}),
        }
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["text"], TEXT_MAX_CHARS)
        if not self.is_bound:
            self.initial.setdefault("revision", self.instance.revision)


class ActionItemForm(RevisionMixin, forms.ModelForm):
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = ActionItem
        fields = [
            "title",
            "owner",
            "due_date",
            "priority",
            "type",
            "status",
            "wont_do_reason",
            "tracker_url",
            "description",
        ]
        widgets = {
            "due_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 2}),
            "wont_do_reason": forms.TextInput(),
        }
        # A text column, typed on one line.
        field_classes = {"owner": PersonField, "wont_do_reason": SingleLineField}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["description"], TEXT_MAX_CHARS)
        # Optional, like owner and due date: an item saved without one is flagged.
        self.fields["type"].choices = [("", "Not chosen yet"), *ActionItem.Type.choices]
        if not self.is_bound:
            self.initial.setdefault("revision", self.instance.revision)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("status") == ActionItem.Status.WONT_DO and not data.get("wont_do_reason"):
            self.add_error("wont_do_reason", "Say why this action item won't be done.")
        return data


SECTION_CHOICES = [(name, label) for name, label, _help in Postmortem.SECTIONS]


class HistoryFilterForm(forms.Form):
    """The history page's query string: one section, and two of its revisions to compare."""

    section = forms.ChoiceField(choices=[("", "All sections"), *SECTION_CHOICES], required=False)
    old = forms.IntegerField(min_value=1, required=False, label="Compare revision")
    new = forms.IntegerField(min_value=1, required=False, label="with revision")


class RestoreForm(forms.Form):
    # The fingerprint of the section text the history page showed as current.
    base = forms.CharField(max_length=64)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(one, initial) for one in data]
        return [super().clean(data, initial)] if data else []


class ChatImportForm(forms.Form):
    """Step 1 of the chat import: a pasted transcript, or an uploaded Slack export."""

    transcript = forms.CharField(
        label="Chat transcript",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="A Slack export (JSON) or lines such as “[10:42] alice: restarted the "
        "primary”. At most 500 KB and 2,000 messages.",
    )
    files = MultipleFileField(
        label="Or upload a Slack export",
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".zip,.json,application/zip,application/json"}),
        help_text="The workspace export ZIP as Slack sends it, or one channel's day files "
        "(YYYY-MM-DD.json) together with users.json.",
    )
    channel = forms.CharField(
        label="Channel",
        required=False,
        max_length=200,
        help_text="Which channel to import, when the ZIP holds several.",
    )

    def offer_channels(self, channels: list[tuple[str, int]]) -> None:
        """After an upload with several channels: the channel becomes a list to pick from."""
        choices = [
            (name, f"#{name} ({days} day{'s' if days != 1 else ''})") for name, days in channels
        ]
        self.fields["channel"].widget = forms.Select(choices=choices)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("files") and not (data.get("transcript") or "").strip():
            raise forms.ValidationError("Paste a transcript or upload a Slack export.")
        if data.get("files") and (data.get("transcript") or "").strip():
            raise forms.ValidationError("Paste a transcript or upload an export, not both.")
        return data


class ChatImportSelectionForm(forms.Form):
    """Step 2: which parsed messages become events, and as what kind. The transcript
    travels along and is parsed again, so the fields are `pick-<n>` and `kind-<n>`
    for the n-th parsed message."""

    transcript = forms.CharField(strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, messages: list, already: set[str] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.messages = messages
        self.already = [bool(message.key) and message.key in already for message in messages]
        for number, message in enumerate(messages):
            self.fields[f"pick-{number}"] = forms.BooleanField(
                label="Import", required=False, initial=not self.already[number]
            )
            self.fields[f"kind-{number}"] = forms.ChoiceField(
                label="Kind", choices=TimelineEvent.Kind.choices, initial=message.kind
            )

    def rows(self) -> list[tuple]:
        """(message, its checkbox, its kind select, already imported?) for the preview."""
        return [
            (message, self[f"pick-{number}"], self[f"kind-{number}"], self.already[number])
            for number, message in enumerate(self.messages)
        ]

    @property
    def already_count(self) -> int:
        return sum(self.already)

    @property
    def new_count(self) -> int:
        return len(self.messages) - self.already_count

    def clean(self) -> dict:
        data = super().clean()
        if self.messages and not any(
            data.get(f"pick-{number}") for number in range(len(self.messages))
        ):
            raise forms.ValidationError("Tick at least one message to import.")
        return data

    def selected(self) -> list[dict]:
        """Event fields of the ticked messages, in time order."""
        return [
            {
                "occurred_at": message.occurred_at,
                "kind": self.cleaned_data[f"kind-{number}"],
                "text": message.markdown(),
                "import_key": message.key or None,
            }
            for number, message in enumerate(self.messages)
            if self.cleaned_data.get(f"pick-{number}")
        ]


class TeamWebhookForm(forms.ModelForm):
    class Meta:
        model = TeamWebhook
        fields = ["url", "notify_missing", "notify_published", "notify_digest"]
        widgets = {"url": forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        formfield_callback = https_urls


class UntrustedJSONField(forms.JSONField):
    """forms.JSONField reading through lib/json_input.py. Django's own uses
    json.loads, and catches only its syntax errors: 50,000 brackets (RecursionError)
    or a 5,000-digit number (ValueError) failed the page, both when cleaning and when
    showing the input again, and "\\u0000" reached PostgreSQL, which stores no NUL."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        try:
            converted = loads_untrusted(value)
        except JsonSyntaxError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        except JsonInputError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return loads_untrusted(data)
        except JsonInputError:
            return InvalidJSONInput(data)


class AlertIntegrationForm(forms.ModelForm):
    """Create or edit an alerting integration. The PagerDuty signing secret is
    write-only: the field is never filled in, and left blank it keeps the stored one."""

    severity_map = UntrustedJSONField(
        label="Severity mapping",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=AlertIntegration._meta.get_field("severity_map").help_text
        + " Left empty, the defaults for the tool are used.",
    )
    signing_secret = forms.CharField(
        label="PagerDuty signing secret",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="PagerDuty only, shown by PagerDuty when you add the webhook. Never shown "
        "here again; leave blank to keep the current one.",
    )
    service_labels = forms.CharField(
        label="Service labels",
        required=False,
        max_length=500,
        help_text="Alertmanager and Grafana: label names, separated by commas, e.g. "
        '"service, job". The first label an alert has names its service, matched to the '
        "service catalog by name or slug; names not in the catalog are left out. Left empty, "
        "alerts set no service. PagerDuty and Opsgenie name their service themselves.",
    )

    class Meta:
        model = AlertIntegration
        fields = [
            "name",
            "kind",
            "enabled",
            "default_severity",
            "open_from",
            "refire_window",
            "severity_map",
            "service_labels",
            "owner_from_assignee",
            "signing_secret",
        ]
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["service_labels"] = ", ".join(self.instance.service_labels or [])
        if self.instance.pk:
            # The kind decides how deliveries are read and authenticated: fixed once made.
            self.fields["kind"].disabled = True
            self.initial["signing_secret"] = ""

    def clean_service_labels(self) -> list[str]:
        labels = [part.strip() for part in self.cleaned_data["service_labels"].split(",")]
        labels = [label for label in labels if label]
        if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", label) for label in labels):
            raise forms.ValidationError(
                "Write label names (letters, digits, _) separated by commas, e.g. service, job."
            )
        return list(dict.fromkeys(labels))

    def clean_severity_map(self) -> dict:
        mapping = self.cleaned_data["severity_map"] or {}
        if not isinstance(mapping, dict) or not all(
            isinstance(key, str) and value in Severity.values for key, value in mapping.items()
        ):
            raise forms.ValidationError(
                'Write a JSON object of values to severities, e.g. {"critical": "SEV1"}.'
            )
        return mapping

    def clean(self) -> dict:
        data = super().clean()
        secret = data.get("signing_secret", "")
        if not secret and self.instance.pk:
            data["signing_secret"] = self.instance.signing_secret  # blank keeps it
        elif (
            not secret
            and data.get("kind") == AlertIntegration.Kind.PAGERDUTY
            and not self.instance.pk
        ):
            self.add_error("signing_secret", "PagerDuty integrations need the signing secret.")
        return data


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        widgets = {"scope": forms.RadioSelect}
        formfield_callback = https_urls
