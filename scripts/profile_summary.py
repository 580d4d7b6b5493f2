"""Summarises a py-spy profile: the functions that hold the most samples, inclusive and self.

py-spy's flame graphs are hard to quote in a note; this prints the table the README's
"What bounds" list and docs/performance.md cite. Record with the collapsed format, then
summarise the stacks that pass through the path being measured:

    py-spy record -r 500 -f raw -o get.raw --pid $(pgrep -f 'kyros serve')
    python scripts/profile_summary.py get.raw --through 'middleware (kyros/http/request_path.py)'

A function's share is of the samples selected (`--through`: only stacks containing that
text); line numbers are dropped so a function counts once however many lines it spent in.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r" \((.*?):\d+\)$")


def summarise(path: Path, through: str) -> tuple[int, Counter[str], Counter[str]]:
    """Samples selected, and per function its inclusive and self sample counts."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    with path.open() as lines:
        for line in lines:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            frames = [_LINE.sub(r" (\1)", frame) for frame in stack.split(";")]
            if not stack or (through and not any(through in frame for frame in frames)):
                continue
            samples = int(count)
            total += samples
            inclusive.update(dict.fromkeys(frames, samples))
            own[frames[-1]] += samples
    return total, inclusive, own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path, help="py-spy record -f raw output")
    parser.add_argument("--through", default="", help="only stacks containing this text")
    parser.add_argument("--top", type=int, default=30, help="rows to print")
    parser.add_argument("--by", choices=("inclusive", "self"), default="inclusive")
    args = parser.parse_args()
    total, inclusive, own = summarise(args.profile, args.through)
    if not total:
        raise SystemExit(f"no samples pass through {args.through!r}")
    ranked = inclusive if args.by == "inclusive" else own
    print(f"{total:,} samples" + (f" through {args.through!r}" if args.through else ""))
    print(" incl.   self  function (file)")
    for function, _ in ranked.most_common(args.top):
        shares = f"{100 * inclusive[function] / total:5.1f}% {100 * own[function] / total:5.1f}%"
        print(f"{shares}  {function}")


if __name__ == "__main__":
    main()
