"""The cyclic garbage collector held off while a page is read, decoded and applied.

A page's decoded events (a dict, lists and nested values each) all live until the page is
applied, so every page pushes tens of thousands of containers through the young generations
and triggers a full collection that walks the whole heap: a rebuild spent as long in the
collector as in decoding (pages of 2,000 events: 6-9 µs per event decoded and held, 2.6-3 µs
with the collector off). Pages hold no reference cycles of their own; whatever cycles other
code makes meanwhile are collected when the page is done, as before, only later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Off for the block, back on after it; a block inside another (or run while another
    thread holds it off) leaves it to whoever turned it off: it ends on either way."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
