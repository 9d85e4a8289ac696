"""Composes every email the app sends: subject, plain text and HTML, absolute links.

Each kind has three templates in templates/emails/: <kind>-subject.txt,
<kind>-body.txt and <kind>-body.html. Emails are rendered in the recipient's time
zone when the outbox row is created, so the row holds exactly what is sent.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tokens import unsubscribe_token
from postmortems.models import Incident, OutboundEmail, Postmortem

# Digests can be switched off; reminders about missing postmortems cannot.
UNSUBSCRIBABLE = {OutboundEmail.Kind.ACTION_DIGEST, OutboundEmail.Kind.LEAD_DIGEST}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def compose(
    *,
    kind: OutboundEmail.Kind,
    recipient: User,
    dedup_key: str,
    reason: str,
    context: dict[str, Any],
    incident: Incident | None = None,
    postmortem: Postmortem | None = None,
) -> OutboundEmail:
    """An unsaved outbox row for one message to one person."""
    context = {"recipient": recipient, "reason": reason, "site_url": settings.SITE_URL, **context}
    headers = {}
    if kind in UNSUBSCRIBABLE:
        url = absolute_url(reverse("accounts-unsubscribe", args=[unsubscribe_token(recipient)]))
        context["unsubscribe_url"] = url
        # RFC 8058 one-click unsubscribe: mail clients POST to the URL.
        headers = {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    with timezone.override(recipient.zone):
        subject = render_to_string(f"emails/{kind}-subject.txt", context)
        body_text = render_to_string(f"emails/{kind}-body.txt", context)
        body_html = render_to_string(f"emails/{kind}-body.html", context)
    return OutboundEmail(
        dedup_key=dedup_key,
        kind=kind,
        recipient=recipient,
        to_address=recipient.email,
        subject=" ".join(subject.split())[:300],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        incident=incident,
        postmortem=postmortem,
    )


def build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        headers={**email.headers, "X-Postmortems-Kind": email.kind},
    )
    message.attach_alternative(email.body_html, "text/html")
    return message
