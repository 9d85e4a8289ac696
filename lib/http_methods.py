"""POST-only views that a person can still reach with a GET.

A form that works without JavaScript renders its answer at the address it posted to
(a preview, a language check, a failed add). Reloading that page, or coming back to it,
sends a GET to a POST-only address. Django's `require_POST` answers that with an empty
405; these views send the person back to the page the form was on instead.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect


def require_POST_or_back(back: str) -> Callable:
    """POST runs the view; GET and HEAD redirect to the URL named `back`.

    `back` takes the incident `number` from the view's arguments when it has one,
    so a review's POST-only addresses lead back to that review's page. Whether the
    person may see that page is for that page to decide: the redirect names only what
    the requested address already said.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                number = kwargs.get("number")
                return redirect(back, number) if number is not None else redirect(back)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
