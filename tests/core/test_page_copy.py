"""Words on the pages read as written once: no label said twice."""

import datetime as dt
import re

from django.urls import reverse
from django.utils.html import strip_tags

from postmortems.models import Postmortem


def _text(response) -> str:
    return re.sub(r"\s+", " ", strip_tags(response.content.decode()))


def test_a_published_review_says_published_once(client, owner, postmortem):
    published = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status="published", published_at=published, updated_at=published
    )
    client.force_login(owner)
    number = postmortem.incident.number

    for page in ["pm-postmortem-detail", "pm-incident-detail"]:
        text = _text(client.get(reverse(page, args=[number])))
        assert "Published Dec 6, 2026" in text, page
        assert not re.search(r"published published", text, re.IGNORECASE), page


def test_a_review_taken_back_to_draft_says_when_it_was_first_published(client, owner, postmortem):
    Postmortem.objects.filter(pk=postmortem.pk).update(
        status="draft", published_at=dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
    )
    client.force_login(owner)

    text = _text(client.get(reverse("pm-postmortem-detail", args=[postmortem.incident.number])))

    assert "Draft first published Dec 6, 2026" in text
