"""`facetrainer analyze` on damaged or disguised media: refused with exit 1, never measured,
never overwriting an earlier result (issue 16, defects 1, 3 and 10)."""

from __future__ import annotations

import json
import struct
import time
import zlib

import cv2
import pytest

from facetrainer.capture.media_files import MAX_IMAGE_PIXELS, check_image_file
from facetrainer.cli import main

EARLIER = '{"sources": [], "note": "an earlier valid result"}\n'
MAX_HEADER_CHECK_S = 0.5  # refusing a huge image reads its header, not its pixels


@pytest.fixture(scope="module")
def photos(tmp_path_factory, astronaut_portrait):
    d = tmp_path_factory.mktemp("photos")
    bgr = astronaut_portrait[:, :, ::-1]
    cv2.imwrite(str(d / "face.jpg"), bgr)
    cv2.imwrite(str(d / "face.png"), bgr)
    data = (d / "face.jpg").read_bytes()
    (d / "half.jpg").write_bytes(data[: len(data) // 2])
    (d / "photo.mp4").write_bytes((d / "face.png").read_bytes())  # a PNG renamed .mp4
    return d


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces width × height (no pixel data follows)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _run(path, out, capsys):
    rc = main(["analyze", str(path), "--json", str(out), "--no-progress"])
    return rc, capsys.readouterr().err


def test_a_jpeg_cut_in_half_is_refused_not_measured(photos, tmp_path, capsys):
    out = tmp_path / "half.json"
    rc, err = _run(photos / "half.jpg", out, capsys)
    assert rc == 1
    assert "half.jpg" in err and "truncated" in err
    assert not out.exists()  # no measures of a file that did not decode


def test_a_png_renamed_mp4_is_named_as_an_image_with_exit_1(photos, tmp_path, capsys):
    out = tmp_path / "photo.json"
    rc, err = _run(photos / "photo.mp4", out, capsys)
    assert rc == 1
    assert "photo.mp4 is a PNG image, not a video" in err
    assert not out.exists()


def test_a_run_where_every_input_failed_leaves_the_earlier_result(photos, tmp_path, capsys):
    out = tmp_path / "visit.json"
    out.write_text(EARLIER)
    rc, err = _run(photos / "half.jpg", out, capsys)
    assert rc == 1 and "not written" in err
    assert out.read_text() == EARLIER


def test_a_good_file_next_to_a_bad_one_is_still_measured(photos, tmp_path, capsys):
    folder = tmp_path / "visit"
    folder.mkdir()
    (folder / "good.jpg").write_bytes((photos / "face.jpg").read_bytes())
    (folder / "half.jpg").write_bytes((photos / "half.jpg").read_bytes())
    out = tmp_path / "visit.json"
    rc, _ = _run(folder, out, capsys)
    sources = {s["path"].rsplit("/", 1)[1]: s for s in json.loads(out.read_text())["sources"]}
    assert rc == 1
    assert sources["half.jpg"]["error"] and sources["half.jpg"]["frames"] == []
    assert sources["good.jpg"]["error"] is None and sources["good.jpg"]["frames"][0]["metrics"]


def test_a_full_disk_leaves_the_earlier_json_valid(photos, small_disk, capsys):
    out = small_disk.path / "face.json"
    out.write_text(EARLIER)
    small_disk.fill()
    rc, err = _run(photos / "face.jpg", out, capsys)
    assert rc == 2 and "disk is full" in err
    assert out.read_text() == EARLIER
    assert sorted(p.name for p in small_disk.path.iterdir()) == ["face.json", "filler.bin"]


def test_an_image_over_the_limit_is_refused_with_its_size_from_the_header(tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(_png_header_only(10_000, 6_000))  # 60 MP: over ours, under Pillow's
    with pytest.raises(RuntimeError, match="10000 × 6000 px"):
        check_image_file(big)


def test_an_image_larger_than_the_limit_is_refused_from_its_header(tmp_path, capsys):
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png_header_only(20_000, 20_000))
    t0 = time.perf_counter()
    rc, err = _run(huge, tmp_path / "huge.json", capsys)
    assert time.perf_counter() - t0 < MAX_HEADER_CHECK_S + 5.0  # no 1.2 GB decode
    assert rc == 1
    assert "huge.png" in err and "(400 megapixels)" in err
    assert f"allowed up to {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels" in err
    t0 = time.perf_counter()
    with pytest.raises(RuntimeError):
        check_image_file(huge)
    assert time.perf_counter() - t0 < MAX_HEADER_CHECK_S


def test_json_and_csv_are_replaced_together_or_not_at_all(photos, tmp_path, capsys):
    out_json, out_csv = tmp_path / "r.json", tmp_path / "missing_folder" / "r.csv"
    out_json.write_text(EARLIER)
    rc, err = _run_with_csv(photos / "face.jpg", out_json, out_csv, capsys)
    assert rc == 2 and "r.csv" in err
    assert out_json.read_text() == EARLIER  # the CSV failed: the JSON was not replaced either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def _run_with_csv(path, out_json, out_csv, capsys):
    rc = main(["analyze", str(path), "--json", str(out_json), "--csv", str(out_csv),
               "--no-progress"])
    return rc, capsys.readouterr().err
