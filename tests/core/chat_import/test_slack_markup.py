"""Slack's markup ("mrkdwn") as this product's Markdown, rendered and sanitised.

Examples follow https://api.slack.com/reference/surfaces/formatting (escaping of
& < >, <@U…> / <#C…|name> / <!here> references, *bold*, _italic_, ``` blocks, > quotes).
"""

from lib.markdown import render_markdown
from postmortems.chat_import.slack_markup import message_markdown, slack_markdown

USERS = {"U024BE7LH": "Alice Adams", "U0G9QF9C6": "Bob Brown"}
CHANNELS = {"C01GENERAL": "general"}


def md(text):
    return slack_markdown(text, users=USERS, channels=CHANNELS)


def test_mentions_become_names_from_users_json_and_unknown_ids_stay_visible():
    assert md("<@U024BE7LH> and <@U0G9QF9C6|bob> and <@U999>") == (
        "@Alice Adams and @Bob Brown and @U999"
    )


def test_channel_references_and_special_mentions_read_as_slack_shows_them():
    assert md("<#C01GENERAL> <#C0OTHER|ops> <!here> <!channel> <!subteam^S1|@oncall>") == (
        "\\#general \\#ops @here @channel @oncall"
    )
    assert md("<!date^1392734382^{date_short}|Feb 18, 2014>") == "Feb 18, 2014"


def test_links_become_markdown_links_and_entities_in_them_are_decoded():
    assert md("<https://x.example/a?b=1&amp;c=2|the *run*>") == (
        "[the \\*run\\*](https://x.example/a?b=1&c=2)"
    )
    assert md("<https://x.example/(a)>") == "[https://x.example/(a)](https://x.example/%28a%29)"
    assert md("<mailto:ops@example.com|mail ops>") == "[mail ops](mailto:ops@example.com)"


def test_a_link_with_another_scheme_is_shown_as_text_not_linked():
    html = render_markdown(md("<javascript:alert(1)|click>"))
    assert "href" not in html
    assert "click" in html


def test_bold_italic_and_entities_become_markdown_and_the_rest_is_escaped():
    assert md("*Paged*: 5xx &gt; 5% _now_, a_b_c and 2*3*4") == (
        "**Paged**: 5xx > 5% *now*, a\\_b\\_c and 2\\*3\\*4"
    )
    assert md("AT&amp;T &lt;b&gt;hi&lt;/b&gt;") == "AT&T &lt;b>hi&lt;/b>"
    html = render_markdown(md("&lt;script&gt;alert(1)&lt;/script&gt; *x*"))
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>x</strong>" in html


def test_strikethrough_stays_as_typed_since_this_markdown_has_none():
    assert md("~maybe~") == "~maybe~"


def test_a_code_block_is_kept_as_typed_without_any_markup_conversion():
    text = "Stack:\n```panic: *not bold* &lt;not a link&gt; <@U024BE7LH>\n  _x_ &amp;&amp; y```done"
    assert md(text) == (
        "Stack:\n\n```\npanic: *not bold* <not a link> <@U024BE7LH>\n  _x_ && y\n```\n\ndone"
    )
    html = render_markdown(md(text))
    assert "<pre><code>panic: *not bold* &lt;not a link&gt;" in html
    assert "<strong>" not in html


def test_inline_code_is_kept_as_typed():
    assert md("run `rm *.tmp &amp;&amp; ls` then *go*") == "run `rm *.tmp && ls` then **go**"


def test_a_link_slack_wrapped_inside_code_shows_as_the_url():
    assert md("```curl <https://x.example/health>```") == "```\ncurl https://x.example/health\n```"


def test_quotes_are_set_apart_so_the_next_line_is_not_pulled_into_them():
    text = "&gt; schema unchanged\n&gt; rollback is safe\nagreed"
    assert md(text) == "> schema unchanged\n> rollback is safe\n\nagreed"
    html = render_markdown(md(text))
    assert html.count("<blockquote>") == 1
    assert html.rstrip().endswith("<p>agreed</p>")


def test_a_triple_quote_quotes_the_rest_of_the_message():
    assert md("before\n&gt;&gt;&gt; one\ntwo") == "before\n\n> one\n> two"


def test_line_starts_that_markdown_would_read_as_structure_are_escaped():
    assert md("#general is noisy\n- not a list\n1. not a list") == (
        "\\#general is noisy\n\\- not a list\n1\\. not a list"
    )


def test_unicode_and_emoji_pass_through():
    assert md("All clear ✅ — merci à tous 🎉 :tada:") == "All clear ✅ — merci à tous 🎉 :tada:"


def test_a_bot_message_with_only_attachments_reads_them():
    message = {
        "subtype": "bot_message",
        "text": "",
        "attachments": [
            {
                "fallback": "Triggered #4711",
                "pretext": "Incident triggered",
                "title": "#4711: checkout &gt; 5%",
                "title_link": "https://acme.pagerduty.com/incidents/Q1",
                "text": "Assigned to <@U024BE7LH>",
                "fields": [{"title": "Urgency", "value": "high", "short": True}],
            },
            {"fallback": "only a fallback"},
            {"from_url": "https://x.example", "title": "a link preview"},
        ],
    }
    assert message_markdown(message, users=USERS) == (
        "Incident triggered\n\n"
        "[**\\#4711: checkout > 5%**](https://acme.pagerduty.com/incidents/Q1)\n\n"
        "Assigned to @Alice Adams\n\n**Urgency**: high\n\nonly a fallback"
    )


def test_a_message_without_text_reads_its_blocks():
    message = {
        "text": "",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Deploy *4242*"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Rolled back* by <@U0G9QF9C6>"},
            },
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "see "},
                            {"type": "link", "url": "https://x.example", "text": "logs"},
                            {"type": "user", "user_id": "U024BE7LH"},
                        ],
                    },
                    {
                        "type": "rich_text_preformatted",
                        "elements": [{"type": "text", "text": "*a*"}],
                    },
                ],
            },
        ],
    }
    assert message_markdown(message, users=USERS) == (
        "**Deploy \\*4242\\***\n\n**Rolled back** by @Bob Brown\n\n"
        "see [logs](https://x.example)@Alice Adams\n\n```\n*a*\n```"
    )


def test_shared_files_are_listed_with_a_link():
    message = {
        "text": "graph",
        "files": [
            {
                "name": "e.png",
                "title": "Error rate",
                "permalink": "https://acme.slack.com/files/F1",
            },
            {"id": "F2", "mode": "hidden_by_limit"},
        ],
    }
    assert message_markdown(message) == (
        "graph\n\n[📎 Error rate](https://acme.slack.com/files/F1)\n\n📎 a file"
    )
