"""Who may manage an API token: its owner only."""

from uuid import UUID

from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from postmortems.api.models import ApiToken


def get_api_token_for_user(request: AuthenticatedHttpRequest, code: UUID) -> ApiToken:
    """People manage their own tokens only; anyone else's token does not exist (404),
    not even for admins, who revoke access by deactivating the person."""
    try:
        return ApiToken.objects.get(user=request.user, code=code)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
