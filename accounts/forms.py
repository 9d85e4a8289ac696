from django import forms

from accounts.models import User
from accounts.single_line import single_line_fields
from accounts.widgets import FlatSelect


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "time_zone", "digest_hour", "receive_digests"]
        help_texts = {"time_zone": "Every time in the app is shown in this zone."}
        widgets = {"time_zone": FlatSelect}  # some 600 zones
        formfield_callback = single_line_fields
