"""The two inline lists of the editor."""

from postmortems.forms import ActionItemForm, TimelineEventForm
from postmortems.permissions import get_action_item_for_user, get_timeline_event_for_user
from postmortems.services.actions import action_item_create, action_item_delete, action_item_update
from postmortems.services.timeline import (
    timeline_event_create,
    timeline_event_delete,
    timeline_event_update,
)
from postmortems.views.editor import ACTIONS_TEMPLATE, TIMELINE_TEMPLATE
from postmortems.views.inline import InlineList, bind

TIMELINE = InlineList(
    name="timeline",
    var="event",
    new_form_key="event_form",
    new_prefix="new-event",
    template=TIMELINE_TEMPLATE,
    form_class=TimelineEventForm,
    get_for_user=get_timeline_event_for_user,
    create=timeline_event_create,
    update=lambda event, by, expected_revision: timeline_event_update(
        event=event, expected_revision=expected_revision
    ),
    delete=lambda event, by: timeline_event_delete(event=event, by=by),
)

ACTIONS = InlineList(
    name="actions",
    var="item",
    new_form_key="item_form",
    new_prefix="new-item",
    template=ACTIONS_TEMPLATE,
    form_class=ActionItemForm,
    get_for_user=get_action_item_for_user,
    create=action_item_create,
    update=lambda item, by, expected_revision: action_item_update(
        item=item, by=by, expected_revision=expected_revision
    ),
    delete=lambda item, by: action_item_delete(item=item, by=by),
)

timeline_views = bind(TIMELINE)
action_views = bind(ACTIONS)
