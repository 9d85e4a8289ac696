"""Markdown as Jira wants it: ADF that Atlassian's own ADF JSON schema accepts (Cloud),
wiki markup (Data Center); both through the product's one Markdown renderer."""

import json

import pytest
from jsonschema import Draft4Validator

from postmortems.trackers.adapters.jira_markup import markdown_to_adf, markdown_to_wiki
from tests.trackers.adapters.jira_support import fixture

ADF = Draft4Validator(fixture("adf-schema-57.7.22-full.json"))

RICH = """# Database failover

The **primary** went _read-only_ at 02:14; see [the graph](https://grafana.example/d/1).
Line two of the same paragraph, with `SELECT 1` and ~~old~~ text.

1. Page the DBA
2. Fail over
    - check `replication_lag`
    - **then** promote

> Quoted from the chat:
> ## a heading in a quote

```
pg_ctl promote -D /var/lib/postgresql
```

---

| Step | Owner |
|------|-------|
| 1    | ops   |

Done. <script>alert(1)</script> [bad](javascript:alert(1))
"""


def adf_problems(document: dict) -> list[str]:
    return [error.message for error in ADF.iter_errors(json.loads(json.dumps(document)))]


def test_the_vendored_schema_is_atlassians_adf_schema():
    schema = fixture("adf-schema-57.7.22-full.json")
    assert schema["description"] == "Schema for Atlassian Document Format."


@pytest.mark.parametrize(
    "markdown",
    [
        RICH,
        "",
        "plain",
        "- [ ] item\n-\n- **`code`**",
        "* a\n\n    nested paragraph\n\n* b",
        "> - quoted list\n>\n> ```\n> code\n> ```",
        "**bold `code` [link](https://x.example)**",
        "line one  \nline two\n\n\n\n",
        "###### six",
        "1. one\n\n    1. inner\n\n        deep",
    ],
)
def test_every_description_is_a_document_the_adf_schema_accepts(markdown):
    assert adf_problems(markdown_to_adf(markdown)) == []


def test_the_adf_keeps_the_structure_and_marks():
    document = markdown_to_adf(RICH)
    kinds = [block["type"] for block in document["content"]]

    assert kinds == [
        "heading",
        "paragraph",
        "orderedList",
        "blockquote",
        "codeBlock",
        "rule",
        "paragraph",
        "paragraph",
        "paragraph",
    ]
    paragraph = document["content"][1]["content"]
    assert {"type": "text", "text": "primary", "marks": [{"type": "strong"}]} in paragraph
    assert {"type": "hardBreak"} in paragraph
    assert {"type": "text", "text": "SELECT 1", "marks": [{"type": "code"}]} in paragraph
    assert document["content"][4]["content"] == [
        {"type": "text", "text": "pg_ctl promote -D /var/lib/postgresql"}
    ]


def test_a_code_mark_keeps_no_other_mark_but_a_link():
    document = markdown_to_adf("**[`x`](https://x.example)**")

    [text] = document["content"][0]["content"]
    assert text["marks"] == [
        {"type": "link", "attrs": {"href": "https://x.example"}},
        {"type": "code"},
    ]


def test_html_is_text_and_unsafe_links_are_dropped():
    text = json.dumps(markdown_to_adf(RICH))

    assert "<script>alert(1)</script>" in text  # as words, not markup
    assert "javascript:" not in text


def test_the_wiki_markup_keeps_the_structure_and_marks():
    wiki = markdown_to_wiki(RICH)

    assert wiki.startswith("h1. Database failover\n\nThe *primary* went _read-only_ at 02:14;")
    assert "[the graph|https://grafana.example/d/1]." in wiki
    assert "with {{SELECT 1}} and" in wiki
    assert "# Page the DBA\n# Fail over\n#* check {{replication\\_lag}}\n#* *then* promote" in wiki
    assert "{quote}\nQuoted from the chat:\n\nh2. a heading in a quote\n{quote}" in wiki
    assert "{noformat}\npg_ctl promote -D /var/lib/postgresql\n{noformat}" in wiki
    assert "\n----\n" in wiki
    assert "| Step | Owner |\n| 1 | ops |" in wiki
    assert "javascript:" not in wiki


def test_wiki_characters_in_text_are_escaped():
    assert markdown_to_wiki("a {code} [x] *y* x_y_z") == "a \\{code\\} \\[x\\] _y_ x\\_y\\_z"
