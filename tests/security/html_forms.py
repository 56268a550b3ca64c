"""Read the forms of a page as a browser would submit them, so the sweeps post real forms."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit


@dataclass
class HtmlForm:
    method: str
    action: str
    fields: list = field(default_factory=list)  # (name, value) in document order
    text_fields: list = field(default_factory=list)  # names of text inputs and textareas
    options: dict = field(default_factory=dict)  # a select's name → [(value, label)]

    def option(self, name: str, label_part: str) -> str:
        """The value of the option of select `name` whose label holds `label_part`."""
        for value, label in self.options.get(name, []):
            if label_part in label:
                return value
        raise AssertionError(f"no option with {label_part!r} in {name}: {self.options.get(name)}")

    def data(self) -> dict:
        """The values as the test client posts them: a list for a repeated name."""
        values: dict = {}
        for name, value in self.fields:
            values.setdefault(name, []).append(value)
        return {name: items if len(items) > 1 else items[0] for name, items in values.items()}


_TEXT_TYPES = {"text", "search", "email", "url", "tel", ""}


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self._form = HtmlForm(attrs.get("method", "get").lower(), attrs.get("action", ""))
            self.forms.append(self._form)
        if self._form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._form.fields.append((name, attrs.get("value", "on")))
                return
            self._form.fields.append((name, attrs.get("value", "")))
            if kind in _TEXT_TYPES:
                self._form.text_fields.append(name)
        elif tag == "select" and name:
            self._select = {
                "name": name,
                "first": None,
                "chosen": [],
                "multiple": "multiple" in attrs,
            }
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "text": "",
                "selected": "selected" in attrs,
            }
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            option, self._option = self._option, None
            value = option["value"] if option["value"] is not None else option["text"].strip()
            if self._select["first"] is None:
                self._select["first"] = value
            self._form.options.setdefault(self._select["name"], []).append(
                (value, option["text"].strip())
            )
            if option["selected"]:
                self._select["chosen"].append(value)
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            chosen = select["chosen"]
            if not chosen and not select["multiple"] and select["first"] is not None:
                chosen = [select["first"]]
            self._form.fields += [(select["name"], value) for value in chosen]
        elif tag == "textarea" and self._textarea is not None:
            area, self._textarea = self._textarea, None
            self._form.fields.append((area["name"], area["text"].removeprefix("\n")))
            self._form.text_fields.append(area["name"])
        elif tag == "form":
            self._form = None


def page_forms(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def main_form(html: str, path: str) -> HtmlForm | None:
    """The page's own form: the POST form that submits to the page itself."""
    for form in page_forms(html):
        if form.method == "post" and urlsplit(form.action).path in ("", path):
            return form
    return None
