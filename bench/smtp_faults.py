"""The fault drills' SMTP server, and how they count what reached it.

`FaultyRecorder` is the test suite's capture server (tests/smtp_capture.py) with
faults on demand: temporary refusals (451) until a moment, permanent refusals (550)
for chosen recipients, and a message accepted and recorded whose reply ("250") is
held until the drill has killed the sender, so the drill can strike right after the
mail server took the message.

`count_mail` counts at the server, never from the outbox's own rows: each email a
drill expects (a recipient and a title of its own in the subject) must arrive once.
An extra copy with the Message-ID of the first is a *repeat*: mail systems can
recognise it as the same message. An extra copy with a new Message-ID is a
*duplicate*: people get it twice.
"""

import asyncio
import email
import email.policy
import threading
import time
from dataclasses import dataclass, field

from tests.smtp_capture import Recorder


class FaultyRecorder(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.temporary_until = 0.0  # time.time() before which every message gets 451
        self.delay = 0.0  # seconds each message takes to accept: a slow server, a backlog
        self.permanent_for: set[str] = set()  # recipients whose messages get 550
        self.refused: list[dict] = []  # every refused attempt: to, code, subject
        # hold_after_accept: the next message whose subject holds this text is recorded
        # (the server has it), then `accepted` is set and the "250" reply waits until
        # `release_accepted` is set.
        self.hold_after_accept = ""
        self.accepted = threading.Event()
        self.release_accepted = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd names it
        if self.delay:
            await asyncio.sleep(self.delay)
        if time.time() < self.temporary_until:
            return self._refuse(envelope, "451 4.3.0 Try again later")
        if self.permanent_for.intersection(envelope.rcpt_tos):
            return self._refuse(envelope, "550 5.1.1 No such mailbox")
        if self.hold_after_accept and self.hold_after_accept in subject(envelope.content):
            self.hold_after_accept = ""
            self.attempts += 1
            self.messages.append(
                {"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content}
            )
            self.accepted.set()
            while not self.release_accepted.is_set():
                await asyncio.sleep(0.05)
            self.arrived.set()
            return "250 Message accepted"
        return await super().handle_DATA(server, session, envelope)

    def _refuse(self, envelope, reply: str) -> str:
        self.attempts += 1
        self.refused.append(
            {"to": envelope.rcpt_tos, "code": int(reply[:3]), "subject": subject(envelope.content)}
        )
        return reply


def subject(data: bytes) -> str:
    return str(email.message_from_bytes(data, policy=email.policy.default)["Subject"] or "")


def message_id(data: bytes) -> str:
    return str(email.message_from_bytes(data, policy=email.policy.default)["Message-ID"] or "")


@dataclass
class MailCount:
    expected: int = 0
    arrived: int = 0  # expected emails that arrived at least once
    repeats: int = 0  # extra copies with the same Message-ID
    duplicates: int = 0  # extra copies with a new Message-ID
    missing: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Every expected email arrived, and none twice in a way people would see."""
        return self.arrived == self.expected and self.duplicates == 0

    def __str__(self) -> str:
        repeats = f" (+{self.repeats} same Message-ID)" if self.repeats else ""
        return f"{self.expected} / {self.arrived} / {self.duplicates}{repeats}"


def count_mail(messages: list[dict], expected: list[tuple[str, str]]) -> MailCount:
    """`expected`: (recipient, title) of each email the drill caused. Each message's
    subject and Message-ID are read once (a drill counts hundreds, every second)."""
    parsed = [(m["to"], subject(m["data"]), message_id(m["data"])) for m in messages]
    count = MailCount(expected=len(expected))
    for to, title in expected:
        # Titles of one drill are distinct and none holds another.
        ids = [i for rcpt, subj, i in parsed if to in rcpt and title in subj]
        if not ids:
            count.missing.append(title)
            continue
        count.arrived += 1
        count.repeats += sum(1 for i in ids[1:] if i and i == ids[0])
        count.duplicates += sum(1 for i in ids[1:] if not i or i != ids[0])
    return count
