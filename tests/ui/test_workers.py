"""Workers: calls run off the GUI thread; results come back only to a screen that still asks."""

from __future__ import annotations

import threading

from kiosk.errors import KioskError
from kiosk.ui.workers import Done, Worker


def test_result_comes_back_on_the_gui_thread(qtbot) -> None:
    """The call runs on the worker's thread; its result is delivered on the GUI thread."""
    worker = Worker("test")
    seen: list[tuple[str, object]] = []
    worker.run(
        lambda job: threading.current_thread().name,
        lambda done: seen.append((threading.current_thread().name, done.value)),
    )
    qtbot.waitUntil(lambda: bool(seen))
    ((gui, ran),) = seen
    assert gui == threading.main_thread().name and ran.startswith("test")
    worker.shutdown()


def test_late_result_for_a_closed_screen_is_dropped(qtbot) -> None:
    """A result whose screen has moved on is not delivered (the next visitor never sees it)."""
    worker = Worker("test")
    release, asking = threading.Event(), [True]
    delivered: list[Done] = []
    worker.run(lambda job: release.wait(5), delivered.append, still_wanted=lambda: asking[0])
    asking[0] = False  # the visitor walked away
    release.set()
    qtbot.waitUntil(lambda: not worker.busy)
    assert delivered == []
    worker.shutdown()


def test_errors_are_delivered_not_raised(qtbot) -> None:
    """An exception in the call comes back as Done.error, with its code."""
    worker = Worker("test")
    delivered: list[Done] = []

    def fail(job: int) -> None:
        raise KioskError("paper out", code="printer.paper_out")

    worker.run(fail, delivered.append)
    qtbot.waitUntil(lambda: bool(delivered))
    assert isinstance(delivered[0].error, KioskError)
    assert delivered[0].error.code == "printer.paper_out"
    worker.shutdown()


def test_one_call_at_a_time_in_order(qtbot) -> None:
    """Calls on one worker run one after another, in the order they were asked."""
    worker = Worker("test")
    order: list[int] = []
    for n in range(5):
        worker.run(lambda job, n=n: order.append(n), lambda done: None)
    qtbot.waitUntil(lambda: not worker.busy)
    assert order == [0, 1, 2, 3, 4]
    worker.shutdown()
