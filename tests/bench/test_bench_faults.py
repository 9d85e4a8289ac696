"""The fault drills' own parts (bench/faults.py, bench/smtp_faults.py): their settings,
the SMTP server's faults on demand, and counting email at the server. The drills
themselves start a whole stack and are run by hand (bench/README.md)."""

import smtplib
import threading
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from bench.faults import DRILL_SETTINGS, check_drill_settings
from bench.smtp_faults import FaultyRecorder, count_mail
from tests.smtp_capture import free_port


def test_the_drills_claim_timeout_outlives_the_smtp_timeout():
    check_drill_settings(DRILL_SETTINGS)
    with pytest.raises(ValueError, match="EMAIL_TIMEOUT"):
        check_drill_settings({"OUTBOX_SENDING_TIMEOUT_SECONDS": "10", "EMAIL_TIMEOUT": "20"})


def _message(to: str, subject: str, message_id: str) -> dict:
    text = f"To: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n\r\nHello\r\n"
    return {"to": [to], "data": text.encode()}


def test_counting_tells_repeats_with_one_message_id_from_duplicates_and_losses():
    messages = [
        _message("a@example.com", "INC-1 needs its postmortem: Drill 1: x 000", "<1@pm>"),
        _message("a@example.com", "INC-1 needs its postmortem: Drill 1: x 000", "<1@pm>"),
        _message("a@example.com", "INC-2 needs its postmortem: Drill 1: x 001", "<2@pm>"),
        _message("a@example.com", "INC-2 needs its postmortem: Drill 1: x 001", "<3@pm>"),
        _message("b@example.com", "INC-3 needs its postmortem: Drill 1: x 002", "<4@pm>"),
    ]
    expected = [("a@example.com", f"Drill 1: x {n:03d}") for n in range(3)]
    count = count_mail(messages, expected)
    assert (count.expected, count.arrived, count.repeats, count.duplicates) == (3, 2, 1, 1)
    assert count.missing == ["Drill 1: x 002"]  # to someone else: not the expected email
    assert not count.exact
    assert str(count) == "3 / 2 / 1 (+1 same Message-ID)"


@pytest.fixture
def faulty_smtp():
    recorder = FaultyRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


def _send(port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "pm@example.com", to, subject
    message.set_content("Hello")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


def test_the_drills_smtp_server_refuses_for_a_while_then_accepts(faulty_smtp):
    recorder, port = faulty_smtp
    recorder.temporary_until = float("inf")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(port, "a@example.com", "First")
    assert refused.value.smtp_code == 451
    recorder.temporary_until = 0
    _send(port, "a@example.com", "First")
    assert [r["code"] for r in recorder.refused] == [451]
    assert len(recorder.messages) == 1


def test_the_drills_smtp_server_refuses_one_address_for_good(faulty_smtp):
    recorder, port = faulty_smtp
    recorder.permanent_for = {"gone@example.com"}
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(port, "gone@example.com", "Bounce")
    assert refused.value.smtp_code == 550
    _send(port, "here@example.com", "Fine")
    assert [m["to"] for m in recorder.messages] == [["here@example.com"]]


def test_the_drills_smtp_server_signals_when_it_has_a_message_and_holds_the_reply(faulty_smtp):
    recorder, port = faulty_smtp
    recorder.hold_after_accept = "Drill 7: accepted"
    _send(port, "a@example.com", "Something else")  # not held
    sender = threading.Thread(target=_send, args=(port, "a@example.com", "Drill 7: accepted 000"))
    sender.start()
    assert recorder.accepted.wait(timeout=10)
    assert len(recorder.messages) == 2  # recorded before the reply
    assert sender.is_alive()  # the client still waits for "250"
    recorder.release_accepted.set()
    sender.join(timeout=10)
    assert not sender.is_alive()
