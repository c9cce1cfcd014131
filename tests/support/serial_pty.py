"""A pseudo-terminal standing in for a serial device (relay board, pole display): the test
holds the master end, the code under test opens the slave's path as its serial port."""

from __future__ import annotations

import os
import pty
import tty
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def raw_pty() -> Iterator[tuple[int, str]]:
    """``(master fd, slave path)`` of a raw pty (no echo, no line editing), closed after."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(slave)
        os.close(master)
