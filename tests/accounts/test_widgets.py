"""FlatSelect renders the markup of Django's own Select, in one string join."""

import pytest
from django import forms

from accounts.widgets import FlatSelect


class ZoneForm(forms.Form):
    zone = forms.ChoiceField(choices=[("UTC", "UTC"), ("A&B", "<A & B>"), ("x", "'x'")])
    zones = forms.MultipleChoiceField(choices=[("UTC", "UTC"), ("A&B", "<A & B>")])


def _without_layout(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


@pytest.mark.parametrize("name", ["zone", "zones"])
@pytest.mark.parametrize("data", [None, {"zone": "A&B", "zones": ["A&B", "UTC"]}])
def test_flat_select_gives_the_markup_of_djangos_own_select(name, data):
    stock = ZoneForm(data=data)
    flat = ZoneForm(data=data)
    zone, zones = ZoneForm.base_fields["zone"], ZoneForm.base_fields["zones"]
    assert isinstance(zone, forms.ChoiceField)
    assert isinstance(zones, forms.ChoiceField)
    flat.fields["zone"].widget = FlatSelect(choices=zone.choices)
    flat.fields["zones"].widget = FlatSelect(choices=zones.choices, multiple=True)
    assert str(flat[name]) == _without_layout(str(stock[name]))
