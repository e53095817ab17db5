"""The images the workers hand the window: fitted to the view, overlay drawn at screen size,
32-bit pixels Qt paints with a plain copy (issue 14: the GUI thread only blits)."""

import time

import numpy as np
import pytest

from facetrainer.capture.face_tracker import FaceTracker
from facetrainer.capture.frames import VideoFrame
from facetrainer.capture.overlay import OverlayMode
from facetrainer.pipeline import (
    Pipeline,
    ViewSettings,
    fit_to_view,
    render_mirror,
    screen_image,
    shrink,
)


@pytest.mark.parametrize(("view", "expected"), [
    ((277, 377), (277, 208)),  # width-limited (the live view at 1366x768)
    ((800, 240), (320, 240)),  # height-limited
    ((640, 480), None),  # the image's own size: nothing to do
    ((1920, 1080), None),  # a larger view: never upscaled here
    (None, None),
    ((0, 300), None),  # a collapsed view
])
def test_an_image_is_fitted_to_its_view_keeping_the_aspect_ratio(view, expected):
    assert fit_to_view((640, 480), view) == expected


def test_shrinking_averages_instead_of_dropping_pixels():
    """A one-pixel checkerboard shrinks to its mean grey, as an area resize does (a plain
    linear resize of a 2.3x reduction would keep a pattern of blacks and whites)."""
    board = (np.indices((480, 640)).sum(axis=0) % 2 * 255).astype(np.uint8)
    rgb = np.repeat(board[..., None], 3, axis=2)
    small = shrink(rgb, (277, 208))
    assert small.shape == (208, 277, 3)
    assert abs(float(small.mean()) - 127.5) < 2
    assert small.std() < 10


def test_screen_pixels_are_blue_green_red_and_opaque():
    rgb = np.zeros((480, 640, 3), np.uint8)
    rgb[...] = (200, 100, 30)  # R, G, B
    out = screen_image(rgb, (320, 400))
    assert out.shape == (240, 320, 4) and out.flags.c_contiguous
    assert tuple(out[10, 10]) == (30, 100, 200, 255)  # B, G, R, 255 = Qt's Format_RGB32


def _processed(pipeline, image, tracker):
    return pipeline.processor.process(VideoFrame(image, time.monotonic(), 0), tracker)


def test_the_live_screen_image_is_the_view_sized_mirrored_overlay(astronaut_portrait):
    pipeline = Pipeline()
    tracker = FaceTracker(static_image_mode=True)
    try:
        pf = _processed(pipeline, astronaut_portrait, tracker)
        assert pf.screen is None  # no window has said its size: nothing extra made
        pipeline.settings.live_view_px = (320, 400)
        pipeline.settings.overlay = OverlayMode.CONTOURS
        pf = _processed(pipeline, astronaut_portrait, tracker)
        pipeline.settings.overlay = OverlayMode.OFF
        plain = _processed(pipeline, astronaut_portrait, tracker)
    finally:
        tracker.close()
    assert pf.screen.shape == (240, 320, 4)
    assert pf.display_rgb.shape == astronaut_portrait.shape  # the full-size image is kept
    # The same picture as the full-size display, shrunk: mirrored like it.
    reference = shrink(plain.display_rgb, (320, 240))
    assert np.abs(plain.screen[..., 2::-1].astype(int) - reference).mean() < 2
    # The overlay is drawn at screen size: its green lines stay saturated, not thinned out.
    b, g, r = (pf.screen[..., k].astype(int) for k in range(3))
    green = (g > 200) & (r < 140) & (b < 170)
    assert green.sum() > 300
    assert np.count_nonzero(np.any(pf.screen != plain.screen, axis=2)) > 300


def test_the_mirror_composite_is_made_at_the_view_size_and_looks_the_same(astronaut_portrait):
    pipeline = Pipeline()
    tracker = FaceTracker(static_image_mode=True)
    try:
        pf = _processed(pipeline, astronaut_portrait, tracker)
    finally:
        tracker.close()
    settings = ViewSettings()
    full = render_mirror(pf, settings)
    assert full.screen is None and full.rgb.shape == astronaut_portrait.shape
    settings.mirror_view_px = (320, 400)
    small = render_mirror(pf, settings)
    assert small.rgb.shape == (240, 320, 3)
    assert small.screen.shape == (240, 320, 4)
    assert np.array_equal(small.screen[..., 2::-1], small.rgb)
    # The same composite (midline, reflected half, tint) as the full-size one, shrunk.
    difference = np.abs(small.rgb.astype(int) - shrink(full.rgb, (320, 240))).mean()
    assert difference < 6, difference
