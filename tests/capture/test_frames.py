import threading

from facetrainer.capture.frames import LatestSlot


def test_a_new_item_replaces_an_unread_one_and_counts_the_drop():
    slot: LatestSlot[int] = LatestSlot()
    slot.put(1)
    slot.put(2)
    slot.put(3)
    assert slot.take(0) == 3
    assert slot.n_dropped == 2
    assert slot.take(0.01) is None


def test_take_waits_for_a_producer_on_another_thread():
    slot: LatestSlot[str] = LatestSlot()
    threading.Timer(0.05, slot.put, args=("frame",)).start()
    assert slot.take(2.0) == "frame"


def test_close_wakes_a_waiting_taker():
    slot: LatestSlot[int] = LatestSlot()
    threading.Timer(0.05, slot.close).start()
    assert slot.take(5.0) is None
