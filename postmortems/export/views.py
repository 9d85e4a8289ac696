"""Downloads of a postmortem as Markdown: the full text, or an anonymised copy."""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from postmortems.export.review_markdown import anonymiser_for, postmortem_markdown
from postmortems.permissions import get_postmortem_for_user


def _download(markdown: str, filename: str) -> HttpResponse:
    response = HttpResponse(markdown, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def postmortem_markdown_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number)
    markdown = postmortem_markdown(postmortem, tz=timezone.get_current_timezone())
    return _download(markdown, f"INC-{number}-postmortem.md")


@require_GET
def postmortem_anonymised_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number)
    markdown = postmortem_markdown(
        postmortem, tz=timezone.get_current_timezone(), anonymiser=anonymiser_for(postmortem)
    )
    return _download(markdown, f"INC-{number}-postmortem-anonymised.md")
