"""Forms of the alerting pages: an integration's settings."""

import re

from django import forms
from django.forms.fields import InvalidJSONInput, JSONString

from accounts.models import Team
from lib.json_input import JsonInputError, JsonSyntaxError, loads_untrusted
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import Rotation
from postmortems.forms import https_urls
from postmortems.models.incidents import Severity


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
            "rotation",
            "signing_secret",
        ]
        formfield_callback = https_urls

    def __init__(self, *args, team: Team | None = None, **kwargs) -> None:
        """`team` limits the rotations offered to its own; the admin form, which picks
        the team on the same form, offers all and checks the pair in clean()."""
        super().__init__(*args, **kwargs)
        if team is not None:
            rotation = self.fields["rotation"]
            assert isinstance(rotation, forms.ModelChoiceField)
            rotation.queryset = Rotation.objects.filter(team=team).order_by("name")
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
        super().clean()
        data = self.cleaned_data
        rotation, team = data.get("rotation"), data.get("team")
        team_id = team.pk if team is not None else self.instance.team_id
        if rotation is not None and team_id is not None and rotation.team_id != team_id:
            self.add_error("rotation", "Pick one of the team's own rotations.")
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
