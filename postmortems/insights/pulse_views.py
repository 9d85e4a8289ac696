"""The one-question pulse survey sent to the people who took part in a review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from postmortems.insights.forms import PulseForm
from postmortems.insights.pulse_survey import pulse_answer
from postmortems.insights.pulse_trend import MIN_ANSWERS, pulse_invited
from postmortems.permissions import get_postmortem_for_user


@require_http_methods(["GET", "POST"])
def pulse_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number)
    invitation = pulse_invited(postmortem=postmortem, user=request.user)
    form = PulseForm(request.POST or None)
    if request.method == "POST" and invitation and not invitation.answered and form.is_valid():
        try:
            pulse_answer(
                postmortem=postmortem,
                by=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:  # answered in another tab a moment ago
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Thank you. Your answer was stored anonymously.")
        return redirect("pm-postmortem-detail", number=number)
    context = {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "invitation": invitation,
        "form": form,
        "min_answers": MIN_ANSWERS,
    }
    status = 400 if request.method == "POST" and invitation and not invitation.answered else 200
    return TemplateResponse(request, "postmortems/pulse.html", context, status=status)
