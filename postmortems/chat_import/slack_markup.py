"""Slack messages as this product's Markdown (lib/markdown.py renders it).

Slack's own markup ("mrkdwn", https://api.slack.com/reference/surfaces/formatting)
differs from Markdown: `*bold*`, `_italic_`, `~strike~`, `<https://x|label>` links,
`<@U123>` / `<#C123|name>` / `<!here>` references, `&gt;` quotes, and the three
characters `& < >` always escaped as entities, so a raw `<` only ever opens markup.

The conversion works in three layers, so that nothing inside code is touched:
1. ``` blocks: their contents stay as typed (entities decoded, link brackets dropped)
   and become fenced code blocks on lines of their own;
2. lines: `&gt;` / `>>>` quotes become Markdown quotes, set apart by blank lines
   (Markdown would otherwise pull the next line into the quote);
3. within a line: `code` spans stay as typed; elsewhere references and links become
   placeholders, emphasis markers become placeholders, every other character that
   Markdown would read as markup is escaped, and the placeholders are filled in.

Strikethrough has no Markdown here (no extension renders it), so `~text~` stays as
typed.
"""

import re
from collections.abc import Mapping
from typing import TypeGuard

_CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_REFERENCE = re.compile(r"<([^<>\n]*)>")
_LINK_IN_CODE = re.compile(r"<((?:https?|mailto):[^|<>\s]+)(?:\|[^<>]*)?>")
# Slack's emphasis: the marker follows a start or a non-word character, the text
# neither starts nor ends with a space, and the closing marker ends a word.
_BOLD = re.compile(r"(?<![\w*])\*(?![\s*])([^*\n]*?[^\s*])\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?![\s_])([^_\n]*?[^\s_])_(?![\w_])")
_QUOTE = re.compile(r"^(?:&gt;|>)(?!(?:&gt;|>){2}) ?")
_QUOTE_REST = re.compile(r"^(?:&gt;|>){3} ?")

# Private-use characters mark placeholders while the text is escaped; any that a
# message itself holds are replaced first.
_TOKEN_OPEN, _TOKEN_CLOSE, _STRONG, _EM = "\ue000", "\ue001", "\ue010", "\ue011"
_PRIVATE = {ord(c): "\ufffd" for c in (_TOKEN_OPEN, _TOKEN_CLOSE, _STRONG, _EM)}
_TOKEN = re.compile(f"{_TOKEN_OPEN}(\\d+){_TOKEN_CLOSE}")
_LINK_SCHEMES = ("http://", "https://", "mailto:")


def slack_unescape(text: str) -> str:
    """The three entities Slack writes (&amp; last, so "&amp;lt;" stays "&lt;")."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escape_markdown(text: str) -> str:
    """Plain text that renders as itself in Markdown."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)  # "&lt;" typed stays "&lt;"
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)  # no autolink or tag
    # What would start a heading, quote or list at the start of a line.
    return re.sub(r"^(\s*(?:\d+)?)(#|[>+-](?=\s|$)|(?<=\d)\.(?=\s|$))", r"\1\\\2", text, flags=re.M)


def _link(url: str, label: str) -> str:
    destination = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    shown = label or url.removeprefix("mailto:")
    return f"[{escape_markdown(shown)}]({destination})"


def _reference(inner: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    label = slack_unescape(label)
    if target.startswith("@"):  # <@U123> or <@U123|alice>
        return "@" + escape_markdown(users.get(target[1:]) or label or target[1:])
    if target.startswith("#"):  # <#C123|general>
        return "\\#" + escape_markdown(channels.get(target[1:]) or label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@oncall>, <!date^...|Feb 18>
        special = target[1:]
        if special.startswith("date^"):
            return escape_markdown(label or special)
        return "@" + escape_markdown((label or special.split("^")[0]).lstrip("@"))
    url = slack_unescape(target)
    if url.lower().startswith(_LINK_SCHEMES):
        return _link(url, label if label != url else "")
    return escape_markdown(label or url)


def _inline(text: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    tokens: list[str] = []

    def keep(markdown: str) -> str:
        tokens.append(markdown)
        return f"{_TOKEN_OPEN}{len(tokens) - 1}{_TOKEN_CLOSE}"

    text = text.translate(_PRIVATE)
    text = _CODE_SPAN.sub(lambda m: keep(f"`{_code(m[1])}`"), text)
    text = _REFERENCE.sub(lambda m: keep(_reference(m[1], users, channels)), text)
    text = slack_unescape(text)
    text = _BOLD.sub(f"{_STRONG}\\1{_STRONG}", text)
    text = _ITALIC.sub(f"{_EM}\\1{_EM}", text)
    text = escape_markdown(text).replace(_STRONG, "**").replace(_EM, "*")
    return _TOKEN.sub(lambda m: tokens[int(m[1])], text)


def _code(text: str) -> str:
    """Code as typed: entities decoded, and a link Slack wrapped shown as its URL."""
    return slack_unescape(_LINK_IN_CODE.sub(r"\1", text))


def _lines(text: str, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    out: list[str] = []
    quoted_before = quoting_rest = False
    for line in text.split("\n"):
        rest = _QUOTE_REST.match(line)
        if rest:
            quoting_rest, line = True, line[rest.end() :]
        quote = quoting_rest or bool(rest)
        if not quote and (single := _QUOTE.match(line)):
            quote, line = True, line[single.end() :]
        if quote != quoted_before and out:
            out.append("")  # a blank line ends (or starts) the quote
        converted = _inline(line, users, channels)
        out.append(f"> {converted}".rstrip() if quote else converted)
        quoted_before = quote
    return "\n".join(out)


def slack_markdown(
    text: str, *, users: Mapping[str, str] | None = None, channels: Mapping[str, str] | None = None
) -> str:
    """Slack message text (as in an export's `text`) to Markdown."""
    users, channels = users or {}, channels or {}
    parts: list[str] = []
    position = 0
    for block in _CODE_BLOCK.finditer(text):
        parts.append(_lines(text[position : block.start()], users, channels))
        parts.append("\n\n```\n" + _code(block[1]).strip("\n") + "\n```\n\n")
        position = block.end()
    parts.append(_lines(text[position:], users, channels))
    return re.sub(r"\n{3,}", "\n\n", "".join(parts)).strip()


# Whole messages --------------------------------------------------------------

# Attachments Slack adds for a link preview repeat what the message says.
_UNFURL_KEYS = ("from_url", "original_url", "is_app_unfurl", "is_msg_unfurl")


def _attachment(attachment: dict, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    def mrkdwn(value: object) -> str:
        return slack_markdown(value, users=users, channels=channels) if _text(value) else ""

    parts = [mrkdwn(attachment.get("pretext"))]
    title = attachment.get("title")
    if _text(title):
        link = attachment.get("title_link")
        bold = f"**{escape_markdown(slack_unescape(title))}**"
        linked = isinstance(link, str) and link.lower().startswith(_LINK_SCHEMES)
        parts.append(f"[{bold}]({link})" if linked else bold)
    parts.append(mrkdwn(attachment.get("text")))
    for item in attachment.get("fields") or []:
        if isinstance(item, dict) and (_text(item.get("title")) or _text(item.get("value"))):
            name = escape_markdown(slack_unescape(str(item.get("title") or "")))
            parts.append(f"**{name}**: {mrkdwn(item.get('value'))}".removeprefix("****: "))
    parts = [part for part in parts if part]
    if not parts and _text(attachment.get("fallback")):
        parts.append(mrkdwn(attachment["fallback"]))
    return "\n\n".join(parts)


def _rich_text(element: dict, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    kind = element.get("type")
    children = [e for e in element.get("elements") or [] if isinstance(e, dict)]
    if kind == "text":
        text = escape_markdown(str(element.get("text", "")))
        style = element.get("style") or {}
        if style.get("code"):
            return f"`{element.get('text', '')}`"
        if style.get("bold") and text.strip():
            text = f"**{text}**"
        if style.get("italic") and text.strip():
            text = f"*{text}*"
        return text
    if kind == "link" and isinstance(element.get("url"), str):
        url = element["url"]
        if url.lower().startswith(_LINK_SCHEMES):
            return _link(url, str(element.get("text") or ""))
        return escape_markdown(url)
    if kind == "user":
        uid = str(element.get("user_id", ""))
        return "@" + escape_markdown(users.get(uid, uid))
    if kind == "channel":
        cid = str(element.get("channel_id", ""))
        return "\\#" + escape_markdown(channels.get(cid, cid))
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "broadcast":
        return "@" + str(element.get("range", "here"))
    if kind == "rich_text_preformatted":
        code = "".join(str(e.get("text") or e.get("url") or "") for e in children)
        return f"\n\n```\n{code.strip(chr(10))}\n```\n\n"
    inner = "".join(_rich_text(e, users, channels) for e in children)
    if kind == "rich_text_quote":
        return "\n\n" + "\n".join(f"> {line}" for line in inner.split("\n")) + "\n\n"
    if kind == "rich_text_list":
        items = [_rich_text(e, users, channels) for e in children]
        return "\n\n" + "\n".join(f"- {item}" for item in items) + "\n\n"
    return inner


def _block(block: dict, users: Mapping[str, str], channels: Mapping[str, str]) -> str:
    def text_object(value: object) -> str:
        if not isinstance(value, dict) or not _text(value.get("text")):
            return ""
        if value.get("type") == "mrkdwn":
            return slack_markdown(value["text"], users=users, channels=channels)
        return escape_markdown(value["text"])

    kind = block.get("type")
    if kind == "rich_text":
        return re.sub(r"\n{3,}", "\n\n", _rich_text(block, users, channels)).strip()
    if kind == "header":
        return f"**{text_object(block.get('text'))}**" if text_object(block.get("text")) else ""
    parts = [text_object(block.get("text"))]
    parts += [text_object(f) for f in block.get("fields") or []]
    if kind == "context":
        parts += [text_object(e) for e in block.get("elements") or []]
    return "\n\n".join(part for part in parts if part)


def _file(file: dict) -> str:
    name = file.get("title") or file.get("name") or "a file"
    link = file.get("permalink")
    shown = f"📎 {escape_markdown(str(name))}"
    if isinstance(link, str) and link.lower().startswith("https://"):
        return f"[{shown}]({link})"
    return shown


def _text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def message_markdown(
    message: dict,
    *,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """A whole message: its text, then what a bot put in attachments (or, without any
    text, in blocks), then the files it shared."""
    users, channels = users or {}, channels or {}
    parts: list[str] = []
    if _text(message.get("text")):
        parts.append(slack_markdown(message["text"], users=users, channels=channels))
    for attachment in _dicts(message.get("attachments")):
        if not any(attachment.get(key) for key in _UNFURL_KEYS):
            body = _attachment(attachment, users, channels)
            if body and body not in parts:  # bots often repeat the fallback as text
                parts.append(body)
    if not parts:
        blocks = [_block(block, users, channels) for block in _dicts(message.get("blocks"))]
        parts += [block for block in blocks if block]
    parts += [_file(file) for file in _dicts(message.get("files"))]
    return "\n\n".join(parts)
