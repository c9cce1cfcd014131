"""``kiosk scale-test --scale URL [--json]``: read one weight, as an installer does first.

Prints ``1250 g`` (or one JSON object) and exits 0; a scale that gives no steady weight
prints its reason in plain words (``scale.dynamic: the weight is not steady yet``) and
exits 2. URLs as :func:`kiosk.scale.scale.open_scale` takes them.
"""

from __future__ import annotations

import argparse
import json
import os

from kiosk.scale.frames import ScaleError
from kiosk.scale.scale import read_weight

__all__ = ["register", "run_scale_test"]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "scale-test",
        help="read one weight from a scale (MT-SICS or XK3190, serial or TCP)",
        description="Read one steady weight from the scale and print it.",
    )
    parser.add_argument(
        "--scale",
        default=os.environ.get("KIOSK_SCALE", ""),
        required="KIOSK_SCALE" not in os.environ,
        metavar="URL",
        help="serial:///dev/ttyUSB0?baudrate=9600[&protocol=sics|xk3190], tcp://host:port",
    )
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait (2)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_scale_test)


def run_scale_test(args: argparse.Namespace) -> int:
    try:
        grams = read_weight(args.scale, timeout_s=args.timeout)
    except ScaleError as exc:
        if args.json:
            print(json.dumps({"ok": False, "code": exc.code, "message": str(exc)}))
        else:
            print(f"{exc.code}: {exc}")
        return 2
    print(json.dumps({"ok": True, "grams": grams}) if args.json else f"{grams} g")
    return 0
