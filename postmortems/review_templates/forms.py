"""Forms of the review template pages: they parse; services/review_templates.py writes."""

from django import forms

from postmortems.models.incidents import Severity
from postmortems.models.review_templates import ReviewTemplate, ReviewTemplateSection
from postmortems.models.reviews import Postmortem
from postmortems.readiness.checks import check_choices


class ReviewTemplateForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="When to use this template, for the people who start a review.",
    )
    severities = forms.MultipleChoiceField(
        choices=Severity.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Default for these severities",
        help_text="New reviews of the team's incidents of these severities start with it.",
    )
    is_team_default = forms.BooleanField(
        required=False,
        label="Default for the team's other severities",
        help_text="Used when no template names the incident's severity.",
    )
    checks = forms.MultipleChoiceField(
        choices=check_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Readiness checks that apply",
        help_text="Checks about a section apply only if the template has that section. "
        "Which of them block publishing still follows the severity's policy.",
    )

    @classmethod
    def for_template(cls, template: ReviewTemplate) -> "ReviewTemplateForm":
        return cls(
            initial={
                "name": template.name,
                "description": template.description,
                "severities": template.severities,
                "is_team_default": template.is_team_default,
                "checks": template.checks,
            }
        )


class NewTemplateForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="For example “Near miss” or “Short SEV4”.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="When to use it."
    )


class SectionAddForm(forms.Form):
    key = forms.ChoiceField(
        label="Section",
        choices=[
            ("", "A new section of your own"),
            *((key, f"Built-in: {label}") for key, label, _q in Postmortem.SECTIONS),
        ],
        required=False,
    )
    label = forms.CharField(
        max_length=80, required=False, help_text="Its heading (a built-in section keeps its own)."
    )
    question = forms.CharField(
        max_length=300,
        required=False,
        label="Guiding question",
        help_text="What the writer should answer here.",
    )

    def __init__(self, *args, template: ReviewTemplate | None = None, **kwargs) -> None:
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)
        if template is not None:
            present = {s.key for s in template.sections.all()}
            field = self.fields["key"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [
                ("", "A new section of your own"),
                *(
                    (key, f"Built-in: {label}")
                    for key, label, _q in Postmortem.SECTIONS
                    if key not in present
                ),
            ]


class SectionForm(forms.Form):
    label = forms.CharField(max_length=80)
    question = forms.CharField(max_length=300, required=False, label="Guiding question")
    action = forms.ChoiceField(choices=[(a, a) for a in ("save", "up", "down", "remove")])

    @classmethod
    def for_section(cls, section: ReviewTemplateSection) -> "SectionForm":
        return cls(
            initial={"label": section.label, "question": section.question},
            prefix=f"s-{section.key}",
        )
