"""A real SMTP server on localhost (aiosmtpd) that records what it accepts."""

import asyncio
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    port: int  # set by the fixture that starts the server

    def __init__(self, refuse_first: int = 0) -> None:
        self.refuse_first = refuse_first
        # What the first `refuse_first` DATA commands are answered: a temporary
        # failure by default, a permanent one (5xx) when a test sets it.
        self.refusal = "451 4.3.0 Try again later"
        # Seconds the answer to QUIT is held after a message was accepted (a server
        # that hangs once it has said yes).
        self.hang_quit_seconds = 0.0
        self.attempts = 0
        self.messages: list[dict] = []
        self.arrived = threading.Event()
        # hold_first: the first DATA waits (never accepted) until `release` is set,
        # so a test can kill the sending worker mid-delivery.
        self.hold_first = False
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd names it
        self.attempts += 1
        if self.hold_first and self.attempts == 1:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Sender went away"
        if self.attempts <= self.refuse_first:
            return self.refusal
        self.messages.append(
            {"from": envelope.mail_from, "to": envelope.rcpt_tos, "data": envelope.content}
        )
        self.arrived.set()
        return "250 Message accepted"

    async def handle_QUIT(self, server, session, envelope):  # aiosmtpd names it
        if self.hang_quit_seconds:
            await asyncio.sleep(self.hang_quit_seconds)
        return "221 Bye"


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    recorder.port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=recorder.port)
    controller.start()
    yield recorder
    controller.stop()


@pytest.fixture
def smtp_backend(settings, smtp_server):
    """Django sends through the real SMTP backend to the capture server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_server
