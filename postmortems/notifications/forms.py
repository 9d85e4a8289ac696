"""The team chat settings form."""

from django import forms

from postmortems.forms import https_urls
from postmortems.notifications.models import TeamWebhook


class TeamWebhookForm(forms.ModelForm):
    class Meta:
        model = TeamWebhook
        fields = ["url", "notify_missing", "notify_published", "notify_digest"]
        widgets = {"url": forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        formfield_callback = https_urls
