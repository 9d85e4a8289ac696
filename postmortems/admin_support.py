"""What the admin pages of every part share: base classes for lists filtered by what the
viewer may see, and forms of the change pages that carry what the page was opened from, so a
save through the services (postmortems/admin.py) is refused instead of overwriting
what someone saved meanwhile, as on the app's own pages (services/edits.py)."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from accounts.single_line import SingleLineAdmin
from postmortems.models.reviews import Postmortem
from postmortems.permissions import (
    about_visible_filter,
)
from postmortems.services.action_changes import ensure_owner_sees_incident
from postmortems.services.postmortems import (
    text_fingerprint,
)

CONFLICT = (
    "Someone else saved this {what} after you opened this page. Reload the page to see "
    "their version; nothing was saved."
)


class RevisionCheckedForm(forms.ModelForm):
    """A row with a `revision`: the page posts the revision it showed, the service's
    conditional UPDATE saves only at that revision (the check here gives the clear
    message first; the service's is the one that holds under concurrent writers)."""

    expected_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expected_revision"].initial = self.instance.revision

    @cached_property
    def changed_data(self) -> list[str]:
        # The revision is bookkeeping: an untouched row of an inline is not "changed"
        # because someone else saved it meanwhile.
        return [name for name in super().changed_data if name != "expected_revision"]

    def expected(self) -> int:
        value = self.cleaned_data.get("expected_revision")
        return self.instance.revision if value is None else value

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if self.instance.pk and self.changed_data and self.expected() != self.instance.revision:
            raise ValidationError(CONFLICT.format(what=self._meta.model._meta.verbose_name))
        return data


class ActionItemAdminForm(RevisionCheckedForm):
    """The owner rule as action_item_update applies it, so that the form shows the
    problem (the service checks again, under the lock). The completion time is the
    service's to set (completed_at is not on the form)."""

    def clean(self) -> dict:
        data = super().clean()
        item = self.instance
        if item.postmortem_id and "owner" in self.changed_data:
            item.owner = data.get("owner")
            try:
                ensure_owner_sees_incident(item)
            except ValidationError as error:
                self.add_error(None, error)
        return data


class PostmortemAdminForm(forms.ModelForm):
    """Each section carries the fingerprint of the text the page showed: the service
    (postmortem_update_section) refuses a section someone changed since."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The sections as stored now (the form writes into the instance later).
        self.stored = {name: getattr(self.instance, name) for name in Postmortem.SECTION_NAMES}
        for name, text in self.stored.items():
            self.fields[f"{name}_base"].initial = text_fingerprint(text)

    @cached_property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if not name.endswith("_base")]

    def base_fingerprint(self, section: str) -> str:
        """What the page started from; a post without it (a script) from what is stored."""
        posted = self.cleaned_data.get(f"{section}_base")
        return posted or text_fingerprint(self.stored[section])

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        for name, text in self.stored.items():
            if name in self.changed_data and text_fingerprint(text) != self.base_fingerprint(name):
                self.add_error(name, CONFLICT.format(what="section"))
        return data


# Declared (not only added per instance), so that the admin renders them.
for _section in Postmortem.SECTION_NAMES:
    _base = forms.CharField(widget=forms.HiddenInput, required=False)
    PostmortemAdminForm.base_fields[f"{_section}_base"] = _base
    PostmortemAdminForm.declared_fields[f"{_section}_base"] = _base


# Links typed without a scheme mean https, as in the app's own forms.
HTTPS_URLS: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


class VisibleRowsAdmin(SingleLineAdmin, admin.ModelAdmin):
    """Staff who are not superusers get, in the admin too, only rows about incidents
    they may see (permissions.about_visible_filter): a restricted incident is not
    listed, counted, searched or opened here either. `incident_paths` name the paths
    from the model to the incident(s) a row is about."""

    incident_paths: tuple[str, ...] = ()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(about_visible_filter(request.user, *self.incident_paths))
