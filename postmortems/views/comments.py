"""Review comments: post and resolve, inline with htmx or as plain forms."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.forms import ReviewCommentForm
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_comment_for_user, get_postmortem_for_user
from postmortems.services.comments import review_comment_add, review_comment_resolve
from postmortems.views.comment_threads import comment_threads

THREAD = "postmortems/includes/comment_thread.html"
BACK = {"read": "pm-postmortem-detail", "edit": "pm-postmortem-edit"}


def _back_url(request: AuthenticatedHttpRequest, number: int) -> str:
    return reverse(BACK.get(request.POST.get("back", ""), "pm-postmortem-detail"), args=[number])


def _back(request: AuthenticatedHttpRequest, number: int, section: str) -> HttpResponse:
    return redirect(_back_url(request, number) + f"#comments-{section}")


def _thread(
    request: AuthenticatedHttpRequest,
    postmortem: Postmortem,
    section: str,
    form: ReviewCommentForm | None = None,
) -> TemplateResponse:
    back = request.POST.get("back", "")
    back = back if back in BACK else "read"
    thread = comment_threads(postmortem, can_edit=postmortem.can_edit, back=back, section=section)[
        section
    ]
    return TemplateResponse(request, THREAD, {"thread": thread, "comment_form": form})


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def comment_add_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """A comment on any part of the review's own layout, custom sections too."""
    postmortem = get_postmortem_for_user(request, number)
    form = ReviewCommentForm(request.POST, postmortem=postmortem)
    if not form.is_valid():
        if request.htmx and form.cleaned_data.get("section"):
            return _thread(request, postmortem, form.cleaned_data["section"], form)
        if "section" in form.errors:  # a part this review does not have (any more)
            messages.error(request, " ".join(str(e) for e in form.errors["section"]))
            if request.htmx:  # there is no thread to show the message in: reload
                return HttpResponseClientRedirect(_back_url(request, number))
        else:
            messages.error(request, "Write a comment (at most 5,000 characters) on one section.")
        return _back(request, number, request.POST.get("section", ""))
    section = form.cleaned_data["section"]
    try:
        review_comment_add(
            postmortem=postmortem, section=section, text=form.cleaned_data["text"], by=request.user
        )
    except ValidationError as error:
        if request.htmx:
            form.add_error(None, error.messages)
            return _thread(request, postmortem, section, form)
        messages.error(request, " ".join(error.messages))
        return _back(request, number, section)
    if request.htmx:
        return _thread(request, postmortem, section)
    messages.success(request, "Comment posted.")
    return _back(request, number, section)


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def comment_resolve_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    comment = get_comment_for_user(request, number, code, write=True)
    review_comment_resolve(comment=comment, by=request.user)
    if request.htmx:
        return _thread(request, comment.postmortem, comment.section)
    messages.success(request, "Comment resolved.")
    return _back(request, number, comment.section)
