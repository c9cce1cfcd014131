"""Fill untranslated entries of a .ts file from a JSON object {source: translation}.

Usage: python scripts/fill_ts.py assets/i18n/kiosk_zh_CN.ts < new.json
Kept for translators working without Qt Linguist; entries already translated stay as they are.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    path = sys.argv[1]
    table = json.load(sys.stdin)
    tree = ET.parse(path)  # noqa: S314 - our own file
    filled = 0
    for message in tree.iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if translation is None or source not in table:
            continue
        if translation.get("type") == "unfinished" or not (translation.text or "").strip():
            translation.text = table[source]
            translation.attrib.pop("type", None)
            filled += 1
    tree.write(path, encoding="utf-8", xml_declaration=True)
    print(f"{filled} filled", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
