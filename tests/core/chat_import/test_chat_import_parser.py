"""Reading chat transcripts: plain lines and Slack exports, zones, midnight, garbage."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

from postmortems.chat_import.reader import MAX_BYTES, MAX_EVENTS, guess_kind, parse_transcript

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
DAY = dt.date(2026, 11, 2)


def parse(text, zone=UTC, day=DAY):
    return parse_transcript(text, start_date=day, zone=zone)


def test_plain_lines_in_three_styles_are_read_with_author_and_text():
    result = parse(
        "[10:42] alice: restarted the primary\n"
        "10:43 bob: error rate is dropping\n"
        "[2026-11-02 10:44:05] carol: all clear\n"
    )
    assert [(m.occurred_at, m.author, m.text) for m in result.messages] == [
        (dt.datetime(2026, 11, 2, 10, 42, tzinfo=UTC), "alice", "restarted the primary"),
        (dt.datetime(2026, 11, 2, 10, 43, tzinfo=UTC), "bob", "error rate is dropping"),
        (dt.datetime(2026, 11, 2, 10, 44, 5, tzinfo=UTC), "carol", "all clear"),
    ]
    assert result.problems == []


def test_times_without_a_date_are_read_in_the_given_zone():
    result = parse("[10:42] alice: restarted the primary", zone=BERLIN)
    (message,) = result.messages
    # 10:42 in Berlin in November (CET, UTC+1) is 09:42 UTC.
    assert message.occurred_at.astimezone(UTC) == dt.datetime(2026, 11, 2, 9, 42, tzinfo=UTC)


def test_a_time_earlier_than_the_one_before_rolls_over_to_the_next_day():
    result = parse("23:58 alice: still failing\n00:03 bob: failover done\n00:01 carol: odd\n")
    assert [m.occurred_at for m in result.messages] == [
        dt.datetime(2026, 11, 2, 23, 58, tzinfo=UTC),
        dt.datetime(2026, 11, 3, 0, 3, tzinfo=UTC),
        dt.datetime(2026, 11, 4, 0, 1, tzinfo=UTC),
    ]


def test_a_dated_line_sets_the_day_for_the_lines_after_it():
    result = parse("[2026-11-05 09:00] alice: start\n[09:30] bob: later that day\n")
    assert result.messages[1].occurred_at == dt.datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def test_twelve_hour_times_are_understood_and_names_starting_with_am_are_kept():
    result = parse("10:42 PM alice: late\n10:50 pm Amy: later\n11:00 Amy: no am or pm here")
    assert [m.occurred_at.hour for m in result.messages] == [22, 22, 11]
    assert [m.author for m in result.messages] == ["alice", "Amy", "Amy"]
    assert result.messages[2].occurred_at.day == 3  # 11:00 after 22:50 is the next morning


def test_lines_without_a_time_continue_the_message_above():
    result = parse(
        "[10:42] alice: restarted the primary\n"
        "with `pg_ctl restart`\n"
        "\n"
        "  and watched the replicas\n"
        "[10:45] bob: ok\n"
    )
    assert result.messages[0].text == (
        "restarted the primary\nwith `pg_ctl restart`\n\n  and watched the replicas"
    )
    assert result.messages[1].text == "ok"
    assert result.problems == []


def test_garbage_lines_are_reported_with_their_number_and_parsing_goes_on():
    result = parse(
        "Chat log exported by someone\n"
        "[10:42] alice: restarted the primary\n"
        "[25:99] bob: impossible time\n"
        "[2026-13-45 10:00] carol: impossible date\n"
        "10:50 no colon after the name here\n"
        "[10:55] dave: fine\n"
    )
    assert [m.author for m in result.messages] == ["alice", "dave"]
    assert [p.line for p in result.problems] == [1, 3, 4, 5]
    assert "before the first message" in result.problems[0].reason


def test_binary_junk_does_not_crash_the_parser():
    result = parse("\x00\x01[\x02:\n{not json\n]]][[[\n12:\n")
    assert result.messages == []
    assert len(result.problems) >= 1
    assert result.error == ""


def _slack(ts, text, **extra):
    return {"type": "message", "ts": ts, "text": text, **extra}


def test_a_slack_export_skips_notices_and_keeps_thread_replies_in_time_order():
    alice = {"user": "U1", "user_profile": {"real_name": "Alice Adams"}}
    export = [
        _slack(
            "1793615000.000100", "<@U1> has joined the channel", subtype="channel_join", **alice
        ),
        _slack("1793615040.000200", "Paged: checkout 5xx &gt; 5%", **alice),
        _slack(
            "1793615100.000300",
            "rolled back <https://deploy.example.com/42|deploy 42>, cc <@U1>",
            username="deploybot",
            subtype="bot_message",
            thread_ts="1793615040.000200",
        ),
        _slack("1793615070.000250", "looking", user="U2"),
    ]
    result = parse(json.dumps(export), zone=BERLIN)
    assert result.skipped == 1
    assert [(m.author, m.text, m.in_thread) for m in result.messages] == [
        ("Alice Adams", "Paged: checkout 5xx > 5%", False),
        ("U2", "looking", False),
        (
            "deploybot",
            "rolled back [deploy 42](https://deploy.example.com/42), cc @Alice Adams",
            True,
        ),
    ]
    # Slack times are instants: the zone does not move them.
    assert result.messages[0].occurred_at == dt.datetime.fromtimestamp(1793615040.0002, tz=UTC)
    assert [m.kind for m in result.messages] == ["detection", "action", "mitigation"]


def test_slack_messages_without_a_valid_ts_are_reported():
    export = {"messages": [_slack("yesterday", "hello", user="U1"), "just a string"]}
    result = parse(json.dumps(export))
    assert result.messages == []
    assert [(p.line, p.reason) for p in result.problems] == [
        (1, "no valid `ts`"),
        (2, "not a message"),
    ]


def test_kinds_are_guessed_from_keywords():
    assert guess_kind("PagerDuty alert fired") == "detection"
    assert guess_kind("I noticed the queue growing") == "detection"
    assert guess_kind("Rolled back to v41") == "mitigation"
    assert guess_kind("failover to eu-west done") == "mitigation"
    assert guess_kind("mitigated by shedding load") == "mitigation"
    assert guess_kind("Alert resolved, all clear") == "resolution"
    assert guess_kind("latency recovered") == "resolution"
    assert guess_kind("restarted the primary") == "action"


def test_markdown_keeps_the_author_in_bold_and_escapes_markup_in_names():
    result = parse("[10:42] al_ice*: restarted the *primary*")
    assert result.messages[0].markdown() == "**al\\_ice\\***: restarted the *primary*"


def test_a_paste_over_the_size_limit_is_refused_with_a_clear_error():
    result = parse("[10:42] alice: x\n" * (MAX_BYTES // 16 + 1))
    assert result.messages == []
    assert "at most 500 KB" in result.error


def test_more_messages_than_the_limit_are_refused():
    lines = "".join(f"[2026-11-02 10:{n % 60:02d}] a: {n}\n" for n in range(MAX_EVENTS + 1))
    result = parse(lines)
    assert "2,001 messages" in result.error
    assert "at most 2,000" in result.error


def test_a_slack_message_starting_with_a_code_block_gets_it_on_a_line_of_its_own():
    export = [
        _slack("1793615040.000200", "```SELECT 1;```", user="U1", thread_ts="1793615000.000100"),
        _slack("1793615000.000100", "This message was deleted.", subtype="tombstone"),
    ]
    result = parse(json.dumps({"users": {"U1": "Alice Adams"}, "messages": export}))
    assert result.skipped == 1
    (message,) = result.messages
    assert message.markdown() == "**Alice Adams** (thread reply):\n\n```\nSELECT 1;\n```"


def test_pasted_lines_get_a_key_per_line_and_a_repeated_line_a_numbered_one():
    result = parse("[10:42] alice: ok\n[10:42] alice: ok\n[10:43] bob: ok\n")
    keys = [m.key for m in result.messages]
    assert keys[0].endswith(":1")
    assert keys[1] == keys[0][:-1] + "2"
    assert len(set(keys)) == 3
    assert parse("[10:42] alice: ok\n").messages[0].key == keys[0]
