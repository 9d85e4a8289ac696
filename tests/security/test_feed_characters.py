"""A character XML cannot carry, typed into a review, does not break the feed."""

import xml.etree.ElementTree as ET

from django.urls import reverse

from accounts.tokens import feed_token
from tests.factories import TeamFactory, review


def test_control_characters_in_a_review_leave_the_feed_readable(client, admin_user):
    postmortem = review(team=TeamFactory(), title="Pool\x0b drained")
    postmortem.summary = "Escaped &#14;entity and a raw \x01 one."
    postmortem.save()
    response = client.get(reverse("pm-archive-feed", args=[feed_token(admin_user, {})]))
    assert response.status_code == 200
    atom = "{http://www.w3.org/2005/Atom}"
    entry = ET.fromstring(response.content).find(f"{atom}entry")
    assert entry.find(f"{atom}title").text.endswith("Pool\ufffd drained")
    assert "Escaped \ufffdentity and a raw \ufffd one." in (entry.find(f"{atom}summary").text or "")
