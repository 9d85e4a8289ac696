"""Forms parse and validate input; they never write (services do)."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Team, User
from accounts.people_fields import PeopleField, PersonField, name_and_email
from accounts.single_line import SingleLineField, single_line_fields
from lib.markdown import SECTION_MAX_CHARS, TEXT_MAX_CHARS
from postmortems.blameless.models import BlamelessDismissal
from postmortems.models.actions import ActionItem
from postmortems.models.catalog import Service
from postmortems.models.comments import comment_targets
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem, TimelineEvent

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def limit_length(field: forms.Field, limit: int) -> None:
    """A Markdown text's limit (lib/markdown.py) on a model form's text field:
    model TextFields have none, and rendering must stay affordable for every viewer."""
    cast(forms.CharField, field).max_length = limit  # a model TextField's form field
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


def https_urls(field: models.Field, **kwargs) -> forms.Field | None:
    """Links typed without a scheme ("grafana.example.com/d/1") mean https; plain text
    fields are single lines (accounts/single_line.py). Every ModelForm here uses it."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return single_line_fields(field, **kwargs)


if TYPE_CHECKING:
    _FormBase = forms.BaseForm  # what the mixin is combined with
else:
    _FormBase = object


class RevisionMixin(_FormBase):
    """Carries the revision the user started editing from (see services.edits)."""

    def rebase(self, revision: int) -> None:
        """After a conflict: the next save deliberately replaces the newer version."""
        data = cast(QueryDict, self.data).copy()  # bound to request.POST
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
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.all()
        cast(PersonField, self.fields["owner"]).person_label = name_and_email
        if not self.is_bound:
            self.initial.setdefault("revision", self.instance.revision)
            if self.instance.pk is None:
                self.initial.setdefault("owner", user.pk)
                first_team = user.teams.order_by("name").first()
                if first_team:
                    self.initial.setdefault("team", first_team.pk)
                self.initial.setdefault("started_at", timezone.localtime().replace(second=0))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
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
        kwargs["auto_id"] = f"id_{section}_%s"
        super().__init__(*args, **kwargs)


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
    authors = PeopleField(required=False, help_text="The people writing this review.")
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
    """A comment on one part of `postmortem`: any section of its own layout (a team
    template's custom sections too), the timeline or the action items."""

    section = forms.ChoiceField(
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "This review has no section “%(value)s”."},
    )
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    # Which page a plain (no JavaScript) form returns to.
    back = forms.ChoiceField(
        choices=[("read", "read"), ("edit", "edit")], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, postmortem: Postmortem, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = list(comment_targets(postmortem).items())
        cast(forms.ChoiceField, self.fields["section"]).choices = choices


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


VERIFICATION_PLAN_MAX_CHARS = 2_000


def verification_fields(form: forms.BaseForm) -> None:
    """How we will know it worked, in every form that sets it: optional until chosen
    (a committed item without one is flagged), the plan one short text."""
    cast(forms.ChoiceField, form.fields["verification"]).choices = [
        ("", "Not chosen yet"),
        *ActionItem.Verification.choices,
    ]
    plan = form.fields["verification_plan"]
    limit_length(plan, VERIFICATION_PLAN_MAX_CHARS)
    plan.help_text = (
        "Which test, alert, metric or drill shows the fix works; for “no check possible”, why."
    )


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
            "verification",
            "verification_plan",
            "description",
        ]
        widgets = {
            "due_date": DATE_INPUT,
            "description": forms.Textarea(attrs={"rows": 2}),
            "wont_do_reason": forms.TextInput(),
            "verification_plan": forms.Textarea(attrs={"rows": 2}),
        }
        # A text column, typed on one line.
        field_classes = {"owner": PersonField, "wont_do_reason": SingleLineField}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["description"], TEXT_MAX_CHARS)
        verification_fields(self)
        # Optional, like owner and due date: an item saved without one is flagged.
        cast(forms.ChoiceField, self.fields["type"]).choices = [
            ("", "Not chosen yet"),
            *ActionItem.Type.choices,
        ]
        if not self.is_bound:
            self.initial.setdefault("revision", self.instance.revision)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("status") == ActionItem.Status.WONT_DO and not data.get("wont_do_reason"):
            self.add_error("wont_do_reason", "Say why this action item won't be done.")
        return data


class IdeaForm(RevisionMixin, forms.ModelForm):
    """An idea: a title, and notes if there are any."""

    class Meta:
        model = ActionItem
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"title": "Idea", "description": "Notes"}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_length(self.fields["description"], TEXT_MAX_CHARS)


SECTION_CHOICES = [(name, label) for name, label, _help in Postmortem.SECTIONS]


class HistoryFilterForm(forms.Form):
    """The history page's query string: one section, and two of its revisions to compare."""

    section = forms.ChoiceField(choices=[("", "All sections"), *SECTION_CHOICES], required=False)
    old = forms.IntegerField(min_value=1, required=False, label="Compare revision")
    new = forms.IntegerField(min_value=1, required=False, label="with revision")

    def __init__(self, *args, sections: dict[str, str] | None = None, **kwargs) -> None:
        """`sections`: key -> label of the review's own layout (section_labels)."""
        super().__init__(*args, **kwargs)
        if sections is not None:
            field = self.fields["section"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "All sections"), *sections.items()]


class RestoreForm(forms.Form):
    # The fingerprint of the section text the history page showed as current.
    base = forms.CharField(max_length=64)
