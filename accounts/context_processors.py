from django.conf import settings
from django.http import HttpRequest


def sign_in_options(request: HttpRequest) -> dict:
    """Whether password sign-in (and so reset and change) exists on this site."""
    return {"local_passwords": settings.LOCAL_PASSWORDS}
