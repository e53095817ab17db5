"""Make the virtual patient's contact sheet: neutral; smile of a right-sided paresis; eye
closure with synkinesis.

Run: ``.venv/bin/python scripts/make_contact_sheet.py [--face PHOTO] [--out PNG]``
(default output ``docs/images/virtual_patient_contact_sheet.png``, the astronaut face).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")

PANEL_WIDTH = 300
LABEL_HEIGHT = 44


def _hold_time(timeline) -> float:
    rep = timeline.reps[0]
    return 0.5 * (rep.hold_start_s + rep.hold_end_s)


def panels(face: str | None) -> list[tuple[str, str, np.ndarray]]:
    """(title, subtitle, RGB frame) of the three poses."""
    from facetrainer.simulation.face_renderer import FaceRenderer
    from facetrainer.simulation.face_rig import build_rig
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile
    from facetrainer.simulation.protocol import build_timeline

    rig = build_rig(face)
    renderer = FaceRenderer(rig)
    out = []
    for title, sub, profile, exercise, at_rest in (
        ("neutral", "healthy, at rest", "healthy", "closed_smile", True),
        ("smile", "flaccid right palsy", "flaccid_right", "closed_smile", False),
        ("eye closure", "left synkinesis", "synkinesis_left", "gentle_eye_closure", False),
    ):
        tl = build_timeline([exercise], reps=1)
        patient = VirtualPatient(load_profile(profile), tl)
        t = 0.5 if at_rest else _hold_time(tl)
        out.append((title, sub, renderer.render(patient.pose(t, natural=False))))
    return out, rig


def crop_box(rig) -> tuple[int, int, int, int]:
    """A portrait box around the face (x0, y0, x1, y1), inside the frame."""
    p = rig.points_px
    x0, x1 = p[:, 0].min(), p[:, 0].max()
    y0, y1 = p[:, 1].min(), p[:, 1].max()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = 0.62 * (x1 - x0)
    half_h = half_w * 1.15
    w, h = rig.size
    box = [int(cx - half_w), int(cy - half_h), int(cx + half_w), int(cy + half_h)]
    box[0], box[1] = max(box[0], 0), max(box[1], 0)
    box[2], box[3] = min(box[2], w), min(box[3], h)
    return box[0], box[1], box[2], box[3]


def contact_sheet(face: str | None) -> np.ndarray:
    items, rig = panels(face)
    x0, y0, x1, y1 = crop_box(rig)
    tiles = []
    for title, sub, frame in items:
        crop = frame[y0:y1, x0:x1]
        scale = PANEL_WIDTH / crop.shape[1]
        tile = cv2.resize(
            crop, (PANEL_WIDTH, int(round(crop.shape[0] * scale))), interpolation=cv2.INTER_AREA
        )
        label = np.full((LABEL_HEIGHT, PANEL_WIDTH, 3), 255, np.uint8)
        cv2.putText(
            label, title, (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (20, 20, 20), 1, cv2.LINE_AA
        )
        cv2.putText(
            label, sub, (8, 37), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (90, 90, 90), 1, cv2.LINE_AA
        )
        tiles.append(np.vstack([tile, label]))
    gap = np.full((tiles[0].shape[0], 6, 3), 255, np.uint8)
    row = [tiles[0]]
    for t in tiles[1:]:
        row += [gap, t]
    return np.hstack(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--face", help="a face photo of your own (default: the astronaut)")
    parser.add_argument("--out", default="docs/images/virtual_patient_contact_sheet.png")
    args = parser.parse_args(argv)
    from facetrainer.simulation.face_rig import FaceRigError

    try:
        sheet = contact_sheet(args.face)
    except FaceRigError as exc:
        print(f"make_contact_sheet: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.partial.png")
    if not cv2.imwrite(
        str(tmp), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9]
    ):
        print(f"make_contact_sheet: cannot write {out}", file=sys.stderr)
        return 1
    os.replace(tmp, out)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
