"""Read HTML forms the way a browser submits them, for the load test's editing users.

`find_form(html, action)` returns the fields of the form posting to `action`: hidden
and text inputs, checked boxes, the selected option of each select, textareas. It
knows what the app's templates use, no more: no file inputs, no submit-button values.
"""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._fields = self.forms.setdefault(attr.get("action", ""), [])
        if self._fields is None:
            return
        name = attr.get("name")
        if tag == "input" and name and attr.get("type", "text") not in {"submit", "button"}:
            if attr.get("type") in {"checkbox", "radio"} and "checked" not in attr:
                return
            self._fields.append((name, attr.get("value", "on" if "checked" in attr else "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attr:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._fields is None:
            return
        if tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else self._first_option
            self._fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self._fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._fields = None


def find_form(html: str, action: str) -> dict[str, str] | None:
    """The fields of the (first) form whose action is `action`, or None if there is none."""
    parser = _Forms()
    parser.feed(html)
    fields = parser.forms.get(action)
    return None if fields is None else dict(fields)
