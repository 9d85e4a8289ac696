"""Writes of the blameless checker: dismissing a finding."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from postmortems.blameless.findings import CHECKED_SECTIONS
from postmortems.blameless.models import BlamelessDismissal
from postmortems.models.review_templates import is_custom_key
from postmortems.models.reviews import Postmortem


def blameless_dismissal_create(
    *, postmortem: Postmortem, section: str, category: str, excerpt: str, reason: str, by: User
) -> BlamelessDismissal:
    """Remember that `excerpt` is fine in `section`; dismissing it twice keeps the first."""
    if section not in CHECKED_SECTIONS and not is_custom_key(section):
        raise ValueError(f"Unknown section {section!r}")
    dismissal = BlamelessDismissal(
        postmortem=postmortem,
        section=section,
        category=category,
        excerpt=excerpt,
        reason=reason.strip(),
        dismissed_by=by,
        dismissed_at=timezone.now(),
    )
    dismissal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            dismissal.save()
    except IntegrityError:
        # Someone dismissed the same excerpt a moment ago: theirs stands.
        dismissal = BlamelessDismissal.objects.get(
            postmortem=postmortem, section=section, category=category, excerpt=excerpt
        )
    return dismissal
