"""One order of row locks for every write to a postmortem, so writers queue, never deadlock.

A postmortem has copies of what is written under it: its search entry and
`search_text` (rebuilt from the review, its incident, events and items), each action
item's `team` (the incident's), the numbering and coalescing of section revisions.
Rebuilding a copy reads the rows and writes the result; two writers doing that at
once would each miss what the other wrote, or meet in the middle (a duplicate search
entry, a deadlock). So every transaction that writes a postmortem or anything under
it takes its locks in this order:

1. the incident row, when the write changes the incident (its own UPDATE, or an
   alert delivery's `select_for_update`);
2. the postmortem row, with `postmortem_lock`, before writing anything under it;
3. then its events, items, revisions and search entry.

Writers of one postmortem therefore run one after the other, and each one reads what
the one before it committed (READ COMMITTED: every statement after the lock sees
it). FOR NO KEY UPDATE is enough, and lets rows that merely reference the postmortem
(comments, audit entries) be added meanwhile. On SQLite the lock is a no-op: its
IMMEDIATE transactions already run one at a time (config/settings.py).
"""

from postmortems.models.reviews import Postmortem


def postmortem_lock(*, postmortem_id: int) -> Postmortem:
    """Lock the postmortem row until the transaction ends; return its state as now
    committed (status, publication time) and its incident's team, nothing wider."""
    return (
        Postmortem.objects.select_for_update(no_key=True, of=("self",))
        .select_related("incident")
        .only("status", "published_at", "incident_id", "incident__team_id")
        .get(pk=postmortem_id)
    )
