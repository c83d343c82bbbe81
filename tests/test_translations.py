"""Every string the interface shows is translated into English (French is the source)."""

import functools
import html
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext
from jinja2 import ChainableUndefined

ROOT = Path(__file__).resolve().parent.parent
METHODS = [
    ("conciergerie/**.py", "python"),
    ("conciergerie/templates/**.html", "jinja2"),
    ("conciergerie/templates/**.txt", "jinja2"),
]
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def test_every_interface_string_has_an_english_translation():
    with open(ROOT / "conciergerie/translations/en/LC_MESSAGES/messages.po", "rb") as po:
        catalog = read_po(po)
    missing, seen = [], 0
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        seen += 1
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid, context=context)
        translated = (
            entry is not None
            and not entry.fuzzy
            and (all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string))
        )
        if not translated:
            missing.append(f"{filename}: {msgid!r}")
    assert seen > 400  # the extraction found the interface's strings
    assert missing == []


# No count glued to a noun that may or may not take an "s": ngettext says each form.
ANY_PLURAL = re.compile(r"\w\(s\)|\w\(es\)")
COUNT_THEN_INCLUSIVE_PLURAL = re.compile(r"%\(\w+\)d [\w'’-]+·es\b")


def test_no_template_writes_a_plural_in_brackets():
    """ "(1 commandé(s))", "2 dépôt(s)": a template says each form with ngettext."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {ANY_PLURAL.search(line).group()}"
        for path in sorted((ROOT / "conciergerie/templates").rglob("*.*"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ANY_PLURAL.search(line.replace("%(s)s", ""))
    ]
    assert found == []


def test_no_message_glues_a_count_to_a_plural():
    """Neither "%(n)d article(s)" nor "%(n)d inscrit·es" in a singular message: "1 inscrit·es"
    reads wrong, ngettext has a form for one and one for more."""
    found = []
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            continue  # ngettext: each form says its own
        text = message.replace("%(s)s", "")
        if ANY_PLURAL.search(text) or COUNT_THEN_INCLUSIVE_PLURAL.search(text):
            found.append(f"{filename}: {message!r}")
    assert found == []


class _Anything(ChainableUndefined):
    """Whatever a mail template asks of its context: an empty word, an item in a loop (which
    goes round twice), a number, a true condition. The mail renders its own words, no data."""

    __slots__ = ()

    def __str__(self) -> str:
        return ""

    def __html__(self) -> str:
        return ""

    def __iter__(self):  # twice: a loop's body is said, and a pair unpacks
        yield self
        yield self

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return 1

    def __int__(self) -> int:
        return 1

    __index__ = __int__

    def __round__(self, digits=None) -> int:  # a count for ngettext
        return 1

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __lt__(self, other) -> bool:
        return False

    __gt__ = __le__ = __ge__ = __lt__

    def __mul__(self, other):
        return 1

    __rmul__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__


def _lenient(filter_):
    """A filter that says nothing of a value it cannot read (the made-up context's)."""

    @functools.wraps(filter_)
    def run(*args, **kwargs):
        try:
            return filter_(*args, **kwargs)
        except Exception:
            return ""

    return run


# Words of French that no English sentence holds, as whole words.
FRENCH_WORDS = re.compile(
    r"\b(le|la|les|des|du|une|vous|votre|vos|nous|est|sont|pour|avec|dans|sur|au|aux|"
    r"commande|commandes|bonjour|merci|tournée|tournées|retrait|dépôt|prestataire|créneau|"
    r"conciergerie|comptoir)\b",
    re.IGNORECASE,
)
BRAND = ("Et voilà Gambetta", "La Grappe")  # names, the same in both languages


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in (ROOT / "conciergerie/templates/mail").iterdir()
        if not p.name.startswith("_")
    ),
)
def test_every_mail_reads_in_english(app, name):
    """Each mail template rendered in English, its context made up (no data at all): no common
    French word is left in what the template itself says."""
    env = app.jinja_env.overlay(undefined=_Anything)
    env.filters = {key: _lenient(value) for key, value in app.jinja_env.filters.items()}
    with app.test_request_context(), force_locale("en_GB"):
        # A count made up too: ngettext takes it as the number it stands for.
        counted = {"ngettext": lambda one, more, n, **words: ngettext(one, more, int(n), **words)}
        rendered = env.get_template(f"mail/{name}").render(counted)
    text = html.unescape(re.sub(r"<[^>]+>", " ", rendered))
    for brand in BRAND:
        text = text.replace(brand, "")
    assert text.strip()  # the template did say something
    assert FRENCH_WORDS.findall(text) == [], text
