"""Every string the interface shows is translated into English (French is the source)."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
METHODS = [
    ("conciergerie/**.py", "python"),
    ("conciergerie/templates/**.html", "jinja2"),
    ("conciergerie/templates/**.txt", "jinja2"),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def test_every_interface_string_has_an_english_translation():
    with open(ROOT / "conciergerie/translations/en/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing, seen = [], 0
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        seen += 1
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        translated = (
            entry is not None
            and not entry.fuzzy
            and (all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string))
        )
        if not translated:
            missing.append(f"{filename}: {msgid!r}")
    assert seen > 400  # the extraction found the interface's strings
    assert missing == []
