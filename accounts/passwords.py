"""LOCAL_PASSWORDS=false: passwords are the identity provider's business. The site's
password pages (change, reset) answer with an explanation instead; sign-in refuses
passwords in accounts/views.py and accounts/backends.py."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import TemplateResponse


def passwords_off_response(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "registration/passwords_off.html", status=403)


def local_passwords_only(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not settings.LOCAL_PASSWORDS:
            return passwords_off_response(request)
        return view(request, *args, **kwargs)

    return wrapper
