"""Forms of the on-call pages: a rotation, its members, overrides and swaps, its feed, an
uploaded schedule, and the team's policy. Times are typed in the reader's time zone."""

from collections.abc import Sequence

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone

from accounts.models import Team, User
from accounts.people_fields import PersonField
from postmortems.alerting.oncall.models import (
    Channel,
    OnCallPolicy,
    Role,
    Rotation,
    ScheduleFeed,
    Shift,
)
from postmortems.forms import DATETIME_INPUT, https_urls
from postmortems.models.incidents import Severity


class RotationForm(forms.ModelForm):
    class Meta:
        model = Rotation
        fields = [
            "name",
            "source",
            "time_zone",
            "handoff_weekday",
            "handoff_hour",
            "starts_on",
            "has_secondary",
        ]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"})}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handoff_hour"].validators.append(MaxValueValidator(23))
        self.fields["handoff_hour"].widget.attrs.update(min=0, max=23)


def team_people(team: Team):
    return User.objects.filter(memberships__team=team, is_active=True).order_by(
        "display_name", "pk"
    )


def pick_from_team(field: forms.Field, team: Team, *, exclude: Sequence[int] = ()) -> None:
    """The picker offers, searches and accepts the team's active people only."""
    assert isinstance(field, PersonField)
    field.queryset = team_people(team).exclude(pk__in=exclude)
    field.widget.search_params = {"team": team.slug}


class MemberAddForm(forms.Form):
    user = PersonField(label="Add a person")

    def __init__(self, *args, team: Team, exclude: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        pick_from_team(self.fields["user"], team, exclude=exclude)


class MemberMoveForm(forms.Form):
    """One button of the members list: move a person up or down, or take them out."""

    user = forms.IntegerField()
    action = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down"), ("remove", "Remove")])


class OverrideForm(forms.Form):
    user = PersonField(label="Who takes over")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PRIMARY)
    starts_at = forms.DateTimeField(label="From", widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label="Until", widget=DATETIME_INPUT)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, team: Team, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        pick_from_team(self.fields["user"], team)

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "An override must end after it starts.")
        return data


class ShiftChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Shift) -> str:
        start = timezone.localtime(obj.starts_at)
        return f"{start:%a %d %b %H:%M} {obj.get_role_display()}: {obj.user or obj.person}"


class SwapForm(forms.Form):
    """Two people exchange two shifts (two overrides, one each way)."""

    first = ShiftChoiceField(queryset=Shift.objects.none(), label="This shift")
    second = ShiftChoiceField(queryset=Shift.objects.none(), label="for this one")
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, shifts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = shifts

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", "Pick two different shifts.")
        return data


class FeedUrlField(forms.URLField):
    """PagerDuty offers the feed as webcal://, which is https:// for a calendar app; the
    feed is fetched over https only."""

    def to_python(self, value):
        value = (value or "").strip()
        if value.lower().startswith("webcal://"):
            value = "https://" + value[len("webcal://") :]
        return super().to_python(value)

    def validate(self, value) -> None:
        super().validate(value)
        if value and not value.startswith("https://"):
            raise forms.ValidationError("Use the feed's https:// (or webcal://) address.")


class FeedForm(forms.ModelForm):
    url = FeedUrlField(
        label="iCalendar URL",
        max_length=1000,
        assume_scheme="https",
        help_text="PagerDuty: the schedule's Export, then the webcal or https link. "
        "Opsgenie: the schedule's calendar export link.",
    )

    class Meta:
        model = ScheduleFeed
        fields = ["url", "enabled"]
        formfield_callback = https_urls


class UploadForm(forms.Form):
    file = forms.FileField(
        label="An .ics file",
        help_text="A schedule exported from PagerDuty or Opsgenie as an iCalendar file.",
    )


class PolicyForm(forms.ModelForm):
    """The team's policy; `severity_channels` is edited as one select per severity."""

    work_weekdays = forms.TypedMultipleChoiceField(
        label="Working days",
        choices=Rotation.Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OnCallPolicy
        fields = [
            "time_zone",
            "workday_start",
            "workday_end",
            "work_weekdays",
            "night_start",
            "night_end",
            "max_pages_per_shift",
            "late_after_minutes",
        ]
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        channels = self.instance.severity_channels or {}
        for severity in Severity.values:
            self.fields[f"channel_{severity}"] = forms.ChoiceField(
                label=f"{severity} reaches people by",
                choices=Channel.choices,
                initial=channels.get(severity, Channel.NONE),
            )

    def channel_fields(self) -> list:
        return [self[f"channel_{severity}"] for severity in Severity.values]

    def clean(self) -> dict:
        data = super().clean() or {}
        self.instance.severity_channels = {
            severity: data.get(f"channel_{severity}", Channel.NONE) for severity in Severity.values
        }
        return data
