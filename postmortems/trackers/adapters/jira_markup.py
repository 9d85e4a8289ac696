"""An issue's description as Jira wants it: Atlassian Document Format (Jira Cloud, REST
API v3) or wiki markup (Jira Data Center, REST API v2).

The Markdown is read once, by the product's own renderer (lib/markdown.py: the same
extensions, the same allowlist as on every page), and its cleaned HTML is walked here.
So there is one Markdown dialect, and whatever the allowlist drops never reaches Jira.

ADF's rules kept here (https://developer.atlassian.com/cloud/jira/platform/apis/document/
structure/): a text node is never empty; a list item starts with a paragraph; a code
mark goes with no mark but a link; a quote holds paragraphs, lists and code only.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from lib.markdown import render_markdown

_VOID = {"br", "hr"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCKS = {"p", "ul", "ol", "li", "pre", "blockquote", "hr", "table", *_HEADINGS}
_MARKS = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "del": "strike",
          "s": "strike", "code": "code", "kbd": "code"}  # fmt: skip
_QUOTE_CHILDREN = {"paragraph", "bulletList", "orderedList", "codeBlock"}


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["_Element | str"] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _tree(markdown: str) -> _Element:
    builder = _TreeBuilder()
    builder.feed(str(render_markdown(markdown)))
    builder.close()
    return builder.root


def _text_of(node: "_Element | str") -> str:
    if isinstance(node, str):
        return node
    return "".join(_text_of(child) for child in node.children)


def _is_block(node: "_Element | str") -> bool:
    return isinstance(node, _Element) and node.tag in _BLOCKS


# ---- Atlassian Document Format -------------------------------------------------------


def markdown_to_adf(markdown: str) -> dict:
    return {"version": 1, "type": "doc", "content": _adf_blocks(_tree(markdown).children)}


def _adf_blocks(nodes: list["_Element | str"]) -> list[dict]:
    blocks: list[dict] = []
    inline: list[_Element | str] = []

    def flush() -> None:
        content = _adf_inline(inline, ()) if "".join(map(_text_of, inline)).strip() else []
        if content:
            blocks.append({"type": "paragraph", "content": content})
        inline.clear()

    for node in nodes:
        if not _is_block(node):
            inline.append(node)
            continue
        flush()
        assert isinstance(node, _Element)
        blocks.extend(_adf_block(node))
    flush()
    return blocks


def _adf_block(node: _Element) -> list[dict]:
    tag = node.tag
    if tag == "p":
        content = _adf_inline(node.children, ())
        return [{"type": "paragraph", "content": content}] if content else []
    if tag in _HEADINGS:
        content = _adf_inline(node.children, ())
        heading = {"type": "heading", "attrs": {"level": _HEADINGS[tag]}, "content": content}
        return [heading] if content else []
    if tag in ("ul", "ol"):
        items = [_adf_list_item(child) for child in node.children if _is_item(child)]
        return [{"type": "bulletList" if tag == "ul" else "orderedList", "content": items}]
    if tag == "pre":
        code = _text_of(node).rstrip("\n")
        return [{"type": "codeBlock", "content": [{"type": "text", "text": code}] if code else []}]
    if tag == "blockquote":
        inner = [_quotable(block) for block in _adf_blocks(node.children)]
        return [{"type": "blockquote", "content": inner or [{"type": "paragraph"}]}]
    if tag == "hr":
        return [{"type": "rule"}]
    if tag == "table":
        return [{"type": "paragraph", "content": [{"type": "text", "text": row}]}
                for row in _table_rows(node, " | ") if row]  # fmt: skip
    return _adf_blocks(node.children)  # li outside a list


def _is_item(node: "_Element | str") -> bool:
    return isinstance(node, _Element) and node.tag == "li"


def _adf_list_item(item: "_Element | str") -> dict:
    assert isinstance(item, _Element)
    content = _adf_blocks(item.children)
    if not content or content[0]["type"] not in ("paragraph", "codeBlock"):
        content.insert(0, {"type": "paragraph"})
    return {"type": "listItem", "content": content}


def _quotable(block: dict) -> dict:
    """A heading in a quote becomes a bold paragraph; a quote in a quote, its text."""
    if block["type"] in _QUOTE_CHILDREN:
        return block
    text = _adf_plain_text(block)
    content = [{"type": "text", "text": text, "marks": [{"type": "strong"}]}] if text else []
    return {"type": "paragraph", "content": content}


def _adf_plain_text(node: dict) -> str:
    return node.get("text", "") + " ".join(
        _adf_plain_text(child) for child in node.get("content", [])
    )


def _adf_inline(nodes: list["_Element | str"], marks: tuple[dict, ...]) -> list[dict]:
    result: list[dict] = []
    for node in nodes:
        if isinstance(node, str):
            text = node.replace("\n", " ")
            if result and result[-1]["type"] == "hardBreak":
                text = text.lstrip(" ")
            if text:
                result.append({"type": "text", "text": text, **_adf_marks(marks)})
        elif node.tag == "br":
            result.append({"type": "hardBreak"})
        elif node.tag in _MARKS:
            result.extend(_adf_inline(node.children, (*marks, {"type": _MARKS[node.tag]})))
        elif node.tag == "a" and node.attrs.get("href"):
            link = {"type": "link", "attrs": {"href": node.attrs["href"]}}
            result.extend(_adf_inline(node.children, (*marks, link)))
        elif node.tag in ("sub", "sup"):
            subsup = {"type": "subsup", "attrs": {"type": node.tag}}
            result.extend(_adf_inline(node.children, (*marks, subsup)))
        else:  # a block met inline (a paragraph in a loose list item) or an unknown tag
            result.extend(_adf_inline(node.children, marks))
    while result and result[-1]["type"] == "hardBreak":
        result.pop()
    return result


def _adf_marks(marks: tuple[dict, ...]) -> dict:
    unique = list({mark["type"]: mark for mark in marks}.values())
    if any(mark["type"] == "code" for mark in unique):
        unique = [mark for mark in unique if mark["type"] in ("code", "link")]
    return {"marks": unique} if unique else {}


def _table_rows(table: _Element, separator: str) -> list[str]:
    rows: list[str] = []

    def walk(node: _Element) -> None:
        for child in node.children:
            if isinstance(child, _Element) and child.tag == "tr":
                cells = [c for c in child.children if isinstance(c, _Element)]
                rows.append(separator.join(_text_of(cell).strip() for cell in cells))
            elif isinstance(child, _Element):
                walk(child)

    walk(table)
    return rows


# ---- Jira wiki markup (Data Center) -------------------------------------------------

_WIKI_SPECIAL = str.maketrans({c: "\\" + c for c in "\\{}[]*_^~|"})
_WIKI_MARKS = {"strong": "*", "b": "*", "em": "_", "i": "_", "del": "-", "s": "-",
               "sub": "~", "sup": "^"}  # fmt: skip


def markdown_to_wiki(markdown: str) -> str:
    return "\n\n".join(_wiki_blocks(_tree(markdown).children, depth="")).strip()


def _wiki_blocks(nodes: list["_Element | str"], *, depth: str) -> list[str]:
    blocks: list[str] = []
    inline: list[_Element | str] = []

    def flush() -> None:
        text = _wiki_inline(inline, in_list=bool(depth)).strip() if inline else ""
        if text:
            blocks.append(text)
        inline.clear()

    for node in nodes:
        if not _is_block(node):
            inline.append(node)
            continue
        flush()
        assert isinstance(node, _Element)
        if block := _wiki_block(node, depth=depth):
            blocks.append(block)
    flush()
    return blocks


def _wiki_block(node: _Element, *, depth: str) -> str:
    tag = node.tag
    if tag == "p":
        return _wiki_inline(node.children, in_list=bool(depth)).strip()
    if tag in _HEADINGS:
        return f"h{_HEADINGS[tag]}. " + _wiki_inline(node.children, in_list=True).strip()
    if tag in ("ul", "ol"):
        bullet = depth + ("*" if tag == "ul" else "#")
        lines = []
        for item in node.children:
            if _is_item(item):
                assert isinstance(item, _Element)
                head, *rest = _wiki_blocks(item.children, depth=bullet) or [""]
                lines.append(f"{bullet} {head}")
                lines.extend(rest)
        return "\n".join(lines)
    if tag == "pre":
        return "{noformat}\n" + _text_of(node).rstrip("\n") + "\n{noformat}"
    if tag == "blockquote":
        return "{quote}\n" + "\n\n".join(_wiki_blocks(node.children, depth="")) + "\n{quote}"
    if tag == "hr":
        return "----"
    if tag == "table":
        return "\n".join(f"| {row} |" for row in _table_rows(node, " | ") if row)
    return "\n".join(_wiki_blocks(node.children, depth=depth))


def _wiki_inline(nodes: list["_Element | str"], *, in_list: bool) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node.replace("\n", " ").translate(_WIKI_SPECIAL))
        elif node.tag == "br":
            # A new line would end a list item or a heading; wiki's forced break does not.
            parts.append(" \\\\ " if in_list else "\n")
        elif node.tag in ("code", "kbd"):
            parts.append("{{" + _text_of(node).translate(_WIKI_SPECIAL) + "}}")
        elif node.tag in _WIKI_MARKS:
            inner = _wiki_inline(node.children, in_list=in_list).strip()
            mark = _WIKI_MARKS[node.tag]
            parts.append(f"{mark}{inner}{mark}" if inner else "")
        elif node.tag == "a" and node.attrs.get("href"):
            label = _text_of(node).translate(_WIKI_SPECIAL).strip()
            href = node.attrs["href"].replace("|", "%7C").replace("]", "%5D")
            parts.append(f"[{label}|{href}]" if label and label != href else f"[{href}]")
        else:
            parts.append(_wiki_inline(node.children, in_list=in_list))
    return "".join(parts).replace("\n ", "\n")
