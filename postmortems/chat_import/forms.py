"""The chat import's two steps: the transcript or export, then the messages to keep."""

from collections.abc import Collection

from django import forms

from postmortems.models.reviews import TimelineEvent


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
    # A field named like BaseForm.files, which it does not shadow: the form's metaclass
    # moves declared fields into base_fields.
    files = MultipleFileField(  # type: ignore[assignment]
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
        super().clean()
        data = self.cleaned_data
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

    def __init__(
        self, *args, messages: list, already: Collection[str] = frozenset(), **kwargs
    ) -> None:
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
        super().clean()
        data = self.cleaned_data
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
