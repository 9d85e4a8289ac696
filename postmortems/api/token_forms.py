"""The form that creates a personal API token."""

from django import forms

from postmortems.api.models import ApiToken
from postmortems.forms import https_urls


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        widgets = {"scope": forms.RadioSelect}
        formfield_callback = https_urls
