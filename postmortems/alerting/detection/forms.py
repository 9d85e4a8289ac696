"""Forms of the detection review: an answer, how the incident was found, marking it
reviewed, linking an alert. Each names the review's revision it was loaded at."""

from django import forms

from lib.markdown import TEXT_MAX_CHARS
from postmortems.alerting.detection.models import DetectionReview


def revision_field() -> forms.IntegerField:
    """The review's revision the form was loaded at (services.py: the conflict rule)."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0)


# The editor's answers share one form, which holds the CSRF token (alerting/detection/
# section.html): each answer's fields belong to it through their form= attribute, and its
# buttons post to their own answer's URL (formaction). The prefix keeps answers apart.
ANSWERS_FORM = "detection-answers"


class AnswerForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="Does it pass?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"form": ANSWERS_FORM}),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. the runbook was out of date", "form": ANSWERS_FORM}
        ),
    )
    revision = forms.IntegerField(
        widget=forms.HiddenInput(attrs={"form": ANSWERS_FORM}), min_value=0
    )


class FoundForm(forms.Form):
    found_by = forms.ChoiceField(
        label="How was the incident first found?",
        choices=[("", "Not said yet"), *DetectionReview.Found.choices],
        required=False,
    )
    suggested_alert = forms.CharField(
        label="Which alert would have caught it?",
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    revision = revision_field()


class MarkReviewedForm(forms.Form):
    revision = revision_field()


class LinkFiringForm(forms.Form):
    firing = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
