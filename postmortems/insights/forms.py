"""The pulse question's form."""

from django import forms


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
