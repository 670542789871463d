from __future__ import annotations

import gc
import threading

import pytest

from handlers.moments import collector


def test_the_collector_waits_while_any_tick_builds_and_resumes_after_the_last() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def other_tick() -> None:
        with collector.paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_tick)
    thread.start()
    assert inside.wait(5)
    with pytest.raises(RuntimeError), collector.paused():
        assert not gc.isenabled()
        raise RuntimeError("a tick that failed")
    assert not gc.isenabled()  # the other tick is still building
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_process_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
