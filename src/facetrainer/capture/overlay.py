"""Landmark overlays drawn into the frame on the processing thread (the GUI only shows them)."""

from __future__ import annotations

import enum
from functools import lru_cache

import cv2
import numpy as np

from facetrainer.capture.landmarks import KEY_CONTOURS, mesh_edges


class OverlayMode(enum.StrEnum):
    MESH = "mesh"
    CONTOURS = "contours"
    OFF = "off"


@lru_cache(maxsize=1)
def _mesh_edge_array() -> np.ndarray:
    return np.array(mesh_edges(), dtype=np.int64)


def draw_landmarks(rgb: np.ndarray, points_xy: np.ndarray, mode: OverlayMode,
                   colour: tuple[int, int, int] = (80, 255, 120)) -> np.ndarray:
    """Draw the mesh or key contours into a copy of ``rgb`` (returns the copy)."""
    out = rgb.copy()
    if mode == OverlayMode.OFF:
        return out
    pts = np.round(points_xy[:, :2] * 4).astype(np.int32)  # 2 fractional bits: smooth lines
    if mode == OverlayMode.MESH:
        edges = _mesh_edge_array()
        segs = np.stack([pts[edges[:, 0]], pts[edges[:, 1]]], axis=1)
        cv2.polylines(out, list(segs), False, colour, 1, cv2.LINE_AA, shift=2)
    else:
        polys = [pts[list(idx)] for idx, _ in KEY_CONTOURS]
        closed = [c for _, c in KEY_CONTOURS]
        cv2.polylines(out, [p for p, c in zip(polys, closed, strict=True) if c], True, colour, 1,
                      cv2.LINE_AA, shift=2)
        cv2.polylines(out, [p for p, c in zip(polys, closed, strict=True) if not c], False,
                      colour, 2, cv2.LINE_AA, shift=2)
    return out


def draw_midline(rgb: np.ndarray, point: np.ndarray, direction: np.ndarray,
                 colour: tuple[int, int, int] = (255, 220, 0)) -> None:
    """Draw the facial midline across the whole image, in place."""
    h = rgb.shape[0]
    if abs(direction[1]) < 1e-6:
        return
    t0 = (0 - point[1]) / direction[1]
    t1 = (h - 1 - point[1]) / direction[1]
    p0 = point + t0 * direction
    p1 = point + t1 * direction
    cv2.line(rgb, (int(round(p0[0])), 0), (int(round(p1[0])), h - 1), colour, 1, cv2.LINE_AA)
