"""Ideas on the editor: keep one with a title, and commit one in a single step.

The ideas list sits in the editor's action item section (postmortem_edit.html,
partial `ideas`). "Keep idea" is the editor's inline add (views/inline.py). "Commit"
opens the idea's commit form in its row (htmx) or on a page of its own (without
JavaScript); a commit answers with the whole action item section, where the item now
stands among the commitments, or with the form and what was missing.
"""

from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from accounts.people_fields import PersonField
from postmortems.forms import DATE_INPUT, IdeaForm, RevisionMixin, https_urls, verification_fields
from postmortems.models.actions import ActionItem
from postmortems.permissions import get_action_item_for_user
from postmortems.services.actions import idea_create
from postmortems.services.commitments import action_item_commit
from postmortems.services.edits import EditConflict
from postmortems.views.editor import ACTIONS_TEMPLATE
from postmortems.views.inline import InlineList, bind, list_response
from postmortems.views.lists import ACTIONS

COMMIT_PAGE = "postmortems/action_item_commit.html"
CONFLICT_MESSAGE = (
    "Someone else changed this idea after the form was opened, so it was not committed. "
    "Check the idea as it is now, then commit again: what you typed is kept."
)


class CommitForm(RevisionMixin, forms.ModelForm):
    """What an idea needs to become a commitment. Every field may be left empty here:
    the service says what is missing (services/commitments.py), in one place."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    class Meta:
        model = ActionItem
        fields = ["owner", "due_date", "type", "priority", "verification", "verification_plan"]
        widgets = {"due_date": DATE_INPUT, "verification_plan": forms.Textarea(attrs={"rows": 2})}
        field_classes = {"owner": PersonField}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        verification_fields(self)
        kinds = [("", "Choose a type"), *ActionItem.Type.choices]
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = kinds
        if not self.is_bound:
            self.initial.setdefault("revision", self.instance.revision)

    def _post_clean(self) -> None:
        """The model's own validation runs in the service, with the commitment's rules."""


# "Keep idea": the editor's inline add. An idea is then edited, deleted and shown
# as the action item it is (its row, edit form and Cancel are the action list's).
IDEAS = InlineList(
    name="ideas",
    var="item",
    new_form_key="idea_form",
    new_prefix="new-idea",
    template=ACTIONS_TEMPLATE,
    form_class=IdeaForm,
    get_for_user=ACTIONS.get_for_user,
    create=idea_create,
    update=ACTIONS.update,
    delete=ACTIONS.delete,
)
idea_add_view = bind(IDEAS)["add"]


def _context(item: ActionItem, form: CommitForm) -> dict:
    postmortem = item.postmortem
    return {"item": item, "form": form, "postmortem": postmortem, "incident": postmortem.incident}


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def action_item_commit_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True)
    if request.method == "GET":
        if not item.is_idea:  # committed meanwhile, by someone else or in another tab
            return redirect(reverse("pm-postmortem-edit", args=[number]) + f"#item-{item.code}")
        form = CommitForm(instance=item, prefix=str(code))
    else:
        form = CommitForm(request.POST, instance=item, prefix=str(code))
        if form.is_valid():
            data = form.cleaned_data
            try:
                action_item_commit(
                    item=item,
                    by=request.user,
                    owner=data["owner"],
                    due_date=data["due_date"],
                    type=data["type"],
                    priority=data["priority"],
                    verification=data["verification"],
                    verification_plan=data["verification_plan"],
                    expected_revision=data["revision"],
                )
            except EditConflict as conflict:
                form.add_error(None, CONFLICT_MESSAGE)
                form.rebase(conflict.current.revision)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if request.htmx:
                    return list_response(request, ACTIONS, item.postmortem)
                return redirect(reverse("pm-postmortem-edit", args=[number]) + f"#item-{item.code}")
    context = _context(item, form)
    if request.htmx:
        return TemplateResponse(request, f"{ACTIONS_TEMPLATE}#idea-commit", context)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, COMMIT_PAGE, context, status=status)
