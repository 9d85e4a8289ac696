"""A team's tracker connection (the token write-only) and who is who in the tracker."""

from django import forms
from django.core.validators import URLValidator

from accounts.models import User
from postmortems.forms import https_urls
from postmortems.trackers.adapters import ADAPTERS
from postmortems.trackers.models import TrackerConnection

DEFAULT_BASE_URLS = {"github": "https://api.github.com", "linear": "https://api.linear.app"}


def available_kinds() -> list[tuple[str, str]]:
    """The kinds whose adapter is installed (every one listed in adapters.ADAPTERS)."""
    from importlib.util import find_spec

    return [
        (value, label)
        for value, label in TrackerConnection.Kind.choices
        if value in ADAPTERS and find_spec(ADAPTERS[value].rsplit(".", 1)[0]) is not None
    ]


class TrackerConnectionForm(forms.ModelForm):
    """Connect or edit. The token is write-only: never filled in, and left blank on an
    edit it keeps the stored one."""

    token = forms.CharField(
        label="API token",
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="GitHub: a fine-grained personal access token (or a GitHub App's) with "
        '"Issues: read and write" on the repository. Never shown here again; leave blank '
        "to keep the current one.",
    )

    class Meta:
        model = TrackerConnection
        fields = ["kind", "base_url", "project", "labels", "auto_create", "sync_enabled"]
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = available_kinds()
        self.fields["base_url"].validators = [URLValidator(schemes=["https", "http"])]
        if self.instance.pk:
            kind.disabled = True  # how deliveries are read depends on it
        else:
            self.initial.setdefault("base_url", DEFAULT_BASE_URLS["github"])

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        token = data.get("token", "")
        if token:
            self.instance.token = token
        elif not self.instance.pk:
            self.add_error("token", "The tracker needs a token to create and read issues.")
        return data


class TrackerPeopleForm(forms.Form):
    """One field per member of the team: their account in the tracker."""

    def __init__(self, *args, members: list[User], accounts: dict[int, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for user in members:
            self.fields[f"person_{user.pk}"] = forms.CharField(
                label=str(user),
                required=False,
                max_length=200,
                initial=accounts.get(user.pk, ""),
                help_text=user.email,
            )

    def accounts(self) -> dict[int, str]:
        return {user.pk: self.cleaned_data[f"person_{user.pk}"].strip() for user in self.members}

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        seen: dict[str, str] = {}
        for name, value in list(data.items()):
            value = (value or "").strip().lstrip("@")
            data[name] = value
            if value and value.lower() in seen:
                self.add_error(name, f"{value} is already {seen[value.lower()]}'s account.")
            elif value:
                seen[value.lower()] = str(self.fields[name].label or "")
        return data


class LinkIssueForm(forms.Form):
    reference = forms.CharField(
        label="Issue URL or key",
        max_length=500,
        help_text="e.g. https://github.com/acme/api/issues/12 or acme/api#12",
    )
