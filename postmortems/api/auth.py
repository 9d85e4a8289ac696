"""API authentication: personal tokens only, sent as `Authorization: Bearer <token>`.

Sessions do not authenticate API calls. Browsers never send a bearer token on their
own, so no API call can be forged from another site and the API needs no CSRF token.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from postmortems.api.models import ApiToken
from postmortems.api.selectors import api_token_for_secret
from postmortems.api.tokens import api_token_touch

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
READ_ONLY = "This token may only read. Create a read and write token on your profile page."


class ApiTokenAuth(HttpBearer):
    """Finds the token; unknown, revoked or of a deactivated person: None (401).

    A read-only token asking to change something is refused here (403), before any
    handler runs, so a new write endpoint cannot forget the check. The token's person
    becomes `request.user`, which postmortems/permissions.py judges as on the pages.
    """

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        # Authenticated already in this request (postmortems/api/idempotency.py does
        # it before the operation runs): the same answer, without a second lookup.
        remembered = getattr(request, "_api_token", None)
        if remembered is not None and remembered[0] == token:
            return remembered[1]
        api_token = api_token_for_secret(token)
        if api_token is None:
            return None
        if request.method not in SAFE_METHODS and not api_token.can_write:
            raise PermissionDenied(READ_ONLY)
        api_token_touch(token=api_token, now=timezone.now())
        request.user = api_token.user
        # Dates in filters ("published from") mean the person's own days, as on the pages.
        timezone.activate(api_token.user.zone)
        # Not an HttpRequest attribute: this module's own mark on the request.
        request._api_token = (token, api_token)  # type: ignore[attr-defined]
        return api_token
