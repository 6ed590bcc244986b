"""Every user-facing string is in the Arabic catalog, translated, with the six plural forms."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def source_messages() -> dict[str, tuple[str, ...]]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS):
        forms = message if isinstance(message, tuple) else (message,)
        found[forms[0]] = forms
        found[f"{forms[0]}@"] = (f"{filename}:{lineno}",)
    return found


def catalog(language: str):  # type: ignore[no-untyped-def]
    merged = {}
    plural_headers = set()
    for po in sorted((ROOT / "locales" / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            cat = read_po(handle, locale=language)
        plural_headers.add(cat.plural_forms)
        for message in cat:
            if message.id:
                merged[message.id if isinstance(message.id, str) else message.id[0]] = message
    return merged, plural_headers


def test_every_user_facing_string_is_translated_into_arabic():
    messages = {k: v for k, v in source_messages().items() if not k.endswith("@")}
    where = source_messages()
    arabic, _ = catalog("ar")
    missing = [f"{where[k + '@'][0]}: {k!r}" for k in messages if k not in arabic]
    untranslated = [k for k in messages if k in arabic and (arabic[k].fuzzy or not all(s.strip() for s in _strings(arabic[k])))]
    assert not missing, "missing from the Arabic catalog:\n" + "\n".join(missing)
    assert not untranslated, f"untranslated or fuzzy Arabic entries: {untranslated}"


def test_arabic_catalogs_have_the_six_plural_forms():
    arabic, headers = catalog("ar")
    assert headers == {"nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"}
    plurals = [m for m in arabic.values() if isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == 6 for m in plurals)


def test_translations_keep_the_placeholders_of_the_original():
    """A translation may drop {n} where Arabic spells the number out (one, two), nothing else."""
    arabic, _ = catalog("ar")
    wrong = []
    for message in arabic.values():
        original = set(PLACEHOLDER.findall(message.id if isinstance(message.id, str) else message.id[0]))
        for index, text in enumerate(_strings(message)):
            found = set(PLACEHOLDER.findall(text))
            allowed_missing = {"n"} if isinstance(message.id, tuple) and index in (0, 1, 2) else set()
            if found - original or (original - found) - allowed_missing:
                wrong.append((message.id, text))
    assert not wrong, wrong


def _strings(message) -> list[str]:  # type: ignore[no-untyped-def]
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_the_extraction_reads_every_package_of_the_product():
    """A package missing from babel.cfg would have its strings silently dropped from the catalogs."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        packages = tomllib.load(handle)["tool"]["setuptools"]["packages"]["find"]["include"]
    config = (ROOT / "babel.cfg").read_text()
    product = [p.rstrip("*") for p in packages if p.rstrip("*") != "sandbox"]  # the stand-in speaks no user's language
    assert product and all(f"[python: {name}/**.py]" in config for name in product), (product, config)
