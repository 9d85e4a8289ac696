"""Reading Slack exports as Slack writes them (chat_exports/README.md says from where)."""

import datetime as dt
import io
import json

import pytest

from postmortems.chat_import import slack_export
from postmortems.chat_import.reader import parse_transcript, slack_time
from postmortems.chat_import.slack_export import (
    ChannelChoice,
    ExportError,
    carried_json,
    read_export_files,
    read_export_zip,
)
from tests.core.chat_import.slack_exports import workspace_files, workspace_zip, zip_of

UTC = dt.UTC


def parse(export):
    return parse_transcript(
        carried_json(export), start_date=dt.date(2026, 11, 2), zone=UTC, max_bytes=2_000_000
    )


def read(data, channel=""):
    return read_export_zip(upload=io.BytesIO(data), channel=channel)


def test_a_workspace_zip_with_several_channels_asks_which_one():
    with pytest.raises(ChannelChoice) as choice:
        read(workspace_zip())
    assert choice.value.channels == [("general", 1), ("inc-checkout", 2)]
    assert "holds 2 channels: choose one" in str(choice.value)


def test_the_chosen_channel_is_read_with_names_from_users_json():
    export = read(workspace_zip(), channel="inc-checkout")
    assert export.channel == "inc-checkout"
    assert export.users["U024BE7LH"] == "Alice Adams"  # real_name
    assert export.users["U061F7AUR"] == "Carol ☕"  # no real name: the display name
    assert export.channels == {"C01INC0042": "inc-checkout", "C01GENERAL": "general"}
    assert export.notes == []
    result = parse(export)
    assert result.skipped == 4  # two joins, a topic change, a leave
    assert result.problems == []
    assert [(m.author, m.in_thread) for m in result.messages] == [
        ("PagerDuty", False),
        ("Alice Adams", False),
        ("Bob Brown", True),
        ("Bob Brown", False),
        ("Carol ☕", False),
        ("Carol ☕", False),
        ("Deploy Bot", False),
        ("Alice Adams", True),
        ("Dana Dubois", False),
        ("Bob Brown", False),  # the next day's file
    ]
    reply = result.messages[2]
    assert reply.markdown() == (
        "**Bob Brown** (thread reply to Alice Adams): looking :eyes: — the deploy "
        "touched `payments-client`"
    )
    assert result.messages[1].text == (
        "**Paged**: checkout 5xx > 5%, started after "
        "[run 4241](https://deploy.example.com/runs/4241). @Bob Brown can you look? @here"
    )


def test_a_single_channel_needs_no_choice_and_a_zipped_top_folder_is_found():
    files = workspace_files(channels=("inc-checkout",))
    export = read(zip_of({f"acme Slack export/{name}": data for name, data in files.items()}))
    assert export.channel == "inc-checkout"
    assert len(export.messages) == 14


def test_an_unknown_channel_offers_the_choice_again():
    with pytest.raises(ChannelChoice):
        read(workspace_zip(channels=("inc-checkout",)), channel="random")


def test_times_are_exact_to_the_microsecond_and_utc():
    assert slack_time("1793613662.123456") == dt.datetime(2026, 11, 2, 10, 1, 2, 123456, tzinfo=UTC)
    assert slack_time("1793613662.000001").microsecond == 1
    assert slack_time("1793613662").microsecond == 0
    for bad in ("", "abc", "1.2.3", "-5.0", None, 17.5):
        with pytest.raises(ValueError):  # noqa: PT011 (the caller reports any of them alike)
            slack_time(bad)


def test_without_users_json_ids_show_and_nothing_is_lost():
    export = read(workspace_zip(users=False), channel="inc-checkout")
    assert "users.json is missing" in export.notes[0]
    result = parse(export)
    assert len(result.messages) == 10
    authors = [m.author for m in result.messages]
    assert "Alice Adams" in authors  # her messages carry a user_profile
    assert "U0G9QF9C6" in authors  # Bob's do not: his id
    assert "users.json is missing" in result.notes[0]


def test_day_files_uploaded_with_users_json_read_like_the_zip():
    files = workspace_files(channels=("inc-checkout",))
    uploaded = [(name.rsplit("/", 1)[-1], data) for name, data in files.items()]
    from_files = parse(read_export_files(files=uploaded))
    from_zip = parse(read(zip_of(files)))
    assert [(m.key, m.markdown()) for m in from_files.messages] == [
        (m.key, m.markdown()) for m in from_zip.messages
    ]


def test_other_files_among_day_files_are_refused_by_name():
    with pytest.raises(ExportError, match=r"Not a Slack export file: notes\.txt"):
        read_export_files(files=[("2026-11-02.json", b"[]"), ("notes.txt", b"hi")])


def test_a_file_that_is_not_a_zip_is_refused():
    with pytest.raises(ExportError, match="not a ZIP archive"):
        read(b"PK\x03\x04 not really")


@pytest.mark.parametrize(
    "name", ["../evil/2026-11-02.json", "/etc/2026-11-02.json", "a\\..\\b.json", "C:/x.json"]
)
def test_a_path_outside_the_archive_refuses_the_whole_archive(name):
    files = workspace_files(channels=("inc-checkout",)) | {name: b"[]"}
    with pytest.raises(ExportError, match="path outside itself"):
        read(zip_of(files))


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked():
    zeros = b"\0" * (slack_export.MAX_FILE_BYTES + 1)  # 10 MB that compress to ~10 KB
    data = zip_of({"users.json": b"[]", "inc/2026-11-02.json": zeros})
    assert len(data) < 100_000
    with pytest.raises(ExportError, match="at most 10 MB per file"):
        read(data)


def test_the_total_unpacked_size_and_member_count_are_bounded(monkeypatch):
    files = workspace_files(channels=("inc-checkout",))
    monkeypatch.setattr(slack_export, "MAX_TOTAL_BYTES", 1_000)
    with pytest.raises(ExportError, match="unpacks to more than"):
        read(zip_of(files))
    monkeypatch.setattr(slack_export, "MAX_TOTAL_BYTES", 10**9)
    monkeypatch.setattr(slack_export, "MAX_MEMBERS", 3)
    with pytest.raises(ExportError, match="more than 3 files"):
        read(zip_of(files))


def test_a_member_that_unpacks_to_more_than_it_declares_is_refused():
    data = bytearray(zip_of({"inc/2026-11-02.json": b"[" + b" " * 5_000 + b"]"}))
    # Lower the declared size (central directory) to 10 bytes: reading stops there.
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 24 : directory + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ExportError, match="is damaged or encrypted"):
        read(bytes(data))


def test_a_day_file_that_is_not_json_is_named_in_the_error():
    with pytest.raises(ExportError, match=r"2026-11-02\.json is not valid JSON"):
        read(zip_of({"inc/2026-11-02.json": b"{oops"}))


def test_a_zip_without_channel_folders_says_what_an_export_holds():
    with pytest.raises(ExportError, match="one folder per channel"):
        read(zip_of({"readme.txt": b"hello"}))


def test_the_carried_json_keeps_only_what_the_import_reads():
    export = read(workspace_zip(channels=("inc-checkout",)))
    carried = json.loads(carried_json(export))
    alice = carried["messages"][3]
    assert set(alice) == {"ts", "thread_ts", "user", "text", "user_profile"}
    assert alice["user_profile"] == {"real_name": "Alice Adams", "display_name": "alice"}


@pytest.mark.parametrize("users", [True, False])
def test_an_export_zipped_again_on_a_mac_is_found_beside_the_macosx_folder(users):
    files = workspace_files(users=users, channels=("inc-checkout",))
    files = {f"export/{name}": data for name, data in files.items()} | {
        "__MACOSX/export/._users.json": b"\0\1",
        "__MACOSX/export/inc-checkout/._2026-11-02.json": b"\0\1",
    }
    export = read(zip_of(files))
    assert export.channel == "inc-checkout"
    assert len(export.messages) == 14
    assert bool(export.users) is users
