"""A team's tracker connection (the token and a tracker-made webhook secret write-only)
and who is who in the tracker."""

from django import forms
from django.core.validators import URLValidator

from accounts.models import User
from postmortems.forms import https_urls
from postmortems.trackers.adapters import ADAPTERS
from postmortems.trackers.models import TrackerConnection

# Where each kind's API lives unless the team says otherwise; Jira has no default (the
# site URL is the team's own).
DEFAULT_BASE_URLS = {
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com",
    "linear": "https://api.linear.app",
}
DEFAULT_ISSUE_TYPE = "Task"
JIRA_KINDS = ("jira_cloud", "jira_dc")

# Who a person is in each tracker (the people mapping's hint).
PEOPLE_HINTS = {
    "github": "a GitHub login",
    "gitlab": "a GitLab username",
    "jira_cloud": "a Jira Cloud accountId",
    "jira_dc": "a Jira user name",
    "linear": "a Linear user's id or email address",
}

# Per kind: the help under the base URL, the project and the token fields.
HELP: dict[str, dict[str, str]] = {
    "github": {
        "base_url": "https://api.github.com (or https://HOST/api/v3 for GitHub Enterprise Server).",
        "project": '"owner/repository", e.g. acme/api.',
        "token": "A fine-grained personal access token (or a GitHub App's) with \"Issues: "
        'read and write" on the repository.',
    },
    "gitlab": {
        "base_url": "The instance: https://gitlab.com or your own, e.g. https://git.example.org.",
        "project": 'The project\'s full path, e.g. "my-group/my-project".',
        "token": "A personal, group or project access token with the api scope.",
    },
    "jira_cloud": {
        "base_url": "The site URL, e.g. https://acme.atlassian.net.",
        "project": 'The project key, e.g. "OPS".',
        "token": "An API token of the account below (id.atlassian.com → Security → API "
        "tokens); that account must be able to create and transition issues.",
    },
    "jira_dc": {
        "base_url": "The site URL, e.g. https://jira.example.org.",
        "project": 'The project key, e.g. "OPS".',
        "token": "A personal access token (your profile → Personal Access Tokens).",
    },
    "linear": {
        "base_url": "https://api.linear.app (Linear's API).",
        "project": 'The team\'s key, e.g. "ENG".',
        "token": "A personal API key (lin_api_…, Settings → Account → Security & access) "
        "or an OAuth access token, allowed to read and write issues.",
    },
}


def available_kinds() -> list[tuple[str, str]]:
    """The kinds whose adapter is installed (every one listed in adapters.ADAPTERS)."""
    from importlib.util import find_spec

    return [
        (value, label)
        for value, label in TrackerConnection.Kind.choices
        if value in ADAPTERS and find_spec(ADAPTERS[value].rsplit(".", 1)[0]) is not None
    ]


class TrackerConnectionForm(forms.ModelForm):
    """Connect or edit. The kind is chosen first (`kind=` in the page's query, without
    JavaScript), and the fields speak of that tracker. The token and a webhook secret
    the tracker made are write-only: never filled in, and left blank on an edit they
    keep the stored ones."""

    token = forms.CharField(
        label="API token",
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Account email",
        required=False,
        max_length=254,
        help_text="The Atlassian account the API token belongs to.",
    )
    issue_type = forms.CharField(
        label="Issue type",
        required=False,
        max_length=100,
        help_text=f'The type of the issues made, as the project names it ("{DEFAULT_ISSUE_TYPE}" '
        "when blank).",
    )
    tracker_secret = forms.CharField(
        label="Webhook secret from the tracker",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Only if the tracker made the secret (Linear's signing secret, a GitLab "
        'signing token "whsec_…"): it replaces the one generated here. Never shown again; '
        "leave blank to keep the current one.",
    )

    class Meta:
        model = TrackerConnection
        fields = ["kind", "base_url", "project", "labels", "auto_create", "sync_enabled"]
        formfield_callback = https_urls

    def __init__(self, *args, kind: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = available_kinds()
        self.fields["base_url"].validators = [URLValidator(schemes=["https", "http"])]
        self.fields["base_url"].required = False  # the kind's default when blank
        if self.instance.pk:
            field.disabled = True  # how deliveries are read depends on it
            kind = self.instance.kind
            options = self.instance.options or {}
            self.initial.setdefault("email", options.get("email", ""))
            self.initial.setdefault("issue_type", options.get("issue_type", ""))
        else:
            kind = self.data.get("kind") or kind
            kind = kind if kind in dict(field.choices) else "github"
            self.initial["kind"] = kind
            self.initial.setdefault("base_url", DEFAULT_BASE_URLS.get(kind, ""))
            if kind in JIRA_KINDS:
                self.initial.setdefault("issue_type", DEFAULT_ISSUE_TYPE)
        self.kind = kind
        for name, text in HELP.get(kind, {}).items():
            self.fields[name].help_text = text
        self.fields[
            "token"
        ].help_text += " Never shown here again; leave blank to keep the current one."
        if kind not in JIRA_KINDS:
            del self.fields["email"], self.fields["issue_type"]
        elif kind != "jira_cloud":
            del self.fields["email"]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        kind = self.kind
        if not data.get("base_url"):
            if kind in DEFAULT_BASE_URLS:
                data["base_url"] = self.instance.base_url = DEFAULT_BASE_URLS[kind]
            elif "base_url" not in self.errors:
                self.add_error("base_url", "Give the Jira site's URL.")
        options = dict(self.instance.options or {})
        if kind == "jira_cloud":
            if data.get("email"):
                options["email"] = data["email"]
            elif "email" not in self.errors:
                self.add_error("email", "Jira Cloud signs in with the token's account email.")
        if kind in JIRA_KINDS:
            options["issue_type"] = (data.get("issue_type") or "").strip() or DEFAULT_ISSUE_TYPE
        self.instance.options = options
        token = data.get("token", "")
        if token:
            self.instance.token = token
        elif not self.instance.pk:
            self.add_error("token", "The tracker needs a token to create and read issues.")
        if data.get("tracker_secret"):
            self.instance.webhook_secret = data["tracker_secret"]
        return data

    @property
    def kind_label(self) -> str:
        return dict(TrackerConnection.Kind.choices).get(self.kind, "")

    @property
    def secret_from_tracker(self) -> bool:
        return bool(self.is_bound and self.cleaned_data.get("tracker_secret"))


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
