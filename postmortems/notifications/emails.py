"""Composes every email the app sends: subject, plain text and HTML, absolute links.

Each kind has three templates in postmortems/notifications/templates/emails/:
<kind>-subject.txt, <kind>-body.txt and <kind>-body.html. Emails are rendered in the
recipient's time zone when the outbox row is created, so the row holds exactly what
is sent.
"""

import hashlib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tokens import unsubscribe_token
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.notifications.models import OutboundMessage

# Digests can be switched off; reminders about missing postmortems cannot.
UNSUBSCRIBABLE = {OutboundMessage.Kind.ACTION_DIGEST, OutboundMessage.Kind.LEAD_DIGEST}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def compose(
    *,
    kind: OutboundMessage.Kind,
    recipient: User,
    dedup_key: str,
    reason: str,
    context: dict[str, Any],
    incident: Incident | None = None,
    postmortem: Postmortem | None = None,
) -> OutboundMessage:
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
    return OutboundMessage(
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


def compose_for_address(
    *, kind: OutboundMessage.Kind, to_address: str, dedup_key: str, context: dict[str, Any]
) -> OutboundMessage:
    """An unsaved outbox row for an address that may belong to no user (settings.ADMINS)."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{kind}-subject.txt", context)
    return OutboundMessage(
        dedup_key=dedup_key,
        kind=kind,
        to_address=to_address,
        subject=" ".join(subject.split())[:300],
        body_text=render_to_string(f"emails/{kind}-body.txt", context),
        body_html=render_to_string(f"emails/{kind}-body.html", context),
    )


def message_id(dedup_key: str) -> str:
    """The same for every attempt at one logical message, so that the rare second copy
    (notifications/outbox.py says when) is recognisable, and mergeable, as the same message.
    128 bits of the hash, like a UUID, keep the header on one line (a folded one is
    valid but trips naive parsers)."""
    digest = hashlib.sha256(dedup_key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def build_message(email: OutboundMessage) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
        headers={
            **email.headers,
            "X-Postmortems-Kind": email.kind,
            "Message-ID": message_id(email.dedup_key),
        },
    )
    message.attach_alternative(email.body_html, "text/html")
    return message
