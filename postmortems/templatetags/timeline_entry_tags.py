from django import template

from postmortems.models.reviews import Postmortem
from postmortems.timeline_entry.forms import TimelineEntryForm
from postmortems.timeline_entry.selectors import entry_anchor

register = template.Library()


@register.simple_tag(takes_context=True)
def timeline_entry(context: template.Context, postmortem: Postmortem) -> dict:
    """The quick entry's state: its form (the one the view passed, else a fresh one) and
    the moment the next line is read after, in the writer's zone."""
    user = context["user"]
    anchor = entry_anchor(postmortem=postmortem, user=user).astimezone(user.zone)
    form = context.get("entry_form") or TimelineEntryForm(previous=anchor, zone=user.zone)
    return {"form": form, "after": anchor}
