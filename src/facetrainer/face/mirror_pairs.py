"""Left/right mirror pairs of the MediaPipe face mesh (220 mesh pairs + 5 iris pairs).

The canonical face mesh is symmetric about its midline, but MediaPipe does not publish the
pairing. It is derived here from the mesh's own tessellation (``FACEMESH_TESSELATION``, shipped
in the mediapipe wheel): starting from the two triangles on either side of a midline edge, the
reflection is propagated triangle by triangle across shared edges (a mirror map sends the
triangle across an edge to the triangle across the mirrored edge). The tessellation is not
perfectly symmetric around the nostrils and the outer eye corners; the 26 vertices where the
propagation disagrees with itself are settled by MediaPipe itself: the landmarks of a face and
of its horizontally flipped copy (flipped back) put index ``i`` on top of its mirror partner,
and an assignment over the few candidates picks the partner.

The derivation needs MediaPipe and a second or two, so its result is stored in
``_mirror_pairs_data.py``; regenerate it with ``python -m facetrainer.face.mirror_pairs``
(a test checks the stored list against a fresh derivation).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from facetrainer.capture.landmarks import MIDLINE
from facetrainer.face._mirror_pairs_data import MIRROR_PAIRS_RIGHT_LEFT

N_MESH = 468
IRIS_PAIRS = ((468, 473), (469, 476), (470, 475), (471, 474), (472, 477))
"""Iris centre and ring (subject's right, left), ring points matched nasal/top/temporal/bottom."""


def mirror_pairs() -> np.ndarray:
    """All left/right pairs as an (n, 2) int array of (subject's right, subject's left) indices."""
    return np.array(MIRROR_PAIRS_RIGHT_LEFT, dtype=np.intp)


def mirror_permutation() -> np.ndarray:
    """Index map of the reflection: ``perm[i]`` is the mirror partner of landmark ``i`` (478,)."""
    perm = np.arange(N_MESH + 10)
    pairs = mirror_pairs()
    perm[pairs[:, 0]] = pairs[:, 1]
    perm[pairs[:, 1]] = pairs[:, 0]
    return perm


# -- derivation (needs mediapipe; run once, stores _mirror_pairs_data.py) ---------------------
def _triangles(edges: set[tuple[int, int]]) -> dict[tuple[int, int], list[tuple[int, ...]]]:
    adj: dict[int, set[int]] = defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    tris = {tuple(sorted((a, b, c))) for a, b in edges for c in adj[a] & adj[b]}
    edge_tris: dict[tuple[int, int], list[tuple[int, ...]]] = defaultdict(list)
    for t in tris:
        for i in range(3):
            edge_tris[_edge(t[i], t[(i + 1) % 3])].append(t)
    # Two 3-cycles of the graph are not faces (every edge of them has three "triangles").
    for t in [
        t for t in tris if all(len(edge_tris[_edge(t[i], t[(i + 1) % 3])]) == 3 for i in range(3))
    ]:
        for i in range(3):
            edge_tris[_edge(t[i], t[(i + 1) % 3])].remove(t)
    return edge_tris


def _edge(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _propagate(
    edge_tris: dict[tuple[int, int], list[tuple[int, ...]]],
) -> tuple[dict[int, int], dict[int, set[int]]]:
    """Reflection map by propagation from a midline edge, and the vertices it disagrees on."""
    seed = next(
        (e, ts)
        for e, ts in sorted(edge_tris.items())
        if e[0] in MIDLINE and e[1] in MIDLINE and len(ts) == 2
    )
    (a, b), (t0, t1) = seed
    c0 = next(v for v in t0 if v not in (a, b))
    c1 = next(v for v in t1 if v not in (a, b))
    m = {a: a, b: b, c0: c1, c1: c0}
    ambiguous: dict[int, set[int]] = defaultdict(set)
    queue, done = [(t0, t1), (t1, t0)], set()
    while queue:
        t, tm = queue.pop(0)
        if t in done:
            continue
        done.add(t)
        for i in range(3):
            u, v = t[i], t[(i + 1) % 3]
            e, em = _edge(u, v), _edge(m[u], m[v])
            if len(edge_tris.get(e, ())) != 2 or len(edge_tris.get(em, ())) != 2:
                continue
            other = next(x for x in edge_tris[e] if x != t)
            others_m = [x for x in edge_tris[em] if x != tm]
            if len(others_m) != 1:
                continue
            w = next(x for x in other if x not in e)
            wm = next(x for x in others_m[0] if x not in em)
            if w in m and m[w] != wm:
                ambiguous[w].update((m[w], wm))
                continue
            m[w] = wm
            m.setdefault(wm, w)
            queue.append((other, others_m[0]))
    return m, ambiguous


def _flip_costs(vertices: list[int]) -> np.ndarray:
    """Mean distance (in interocular units) between each vertex and each flipped-back vertex."""
    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.sample_faces import astronaut_portrait

    images = [astronaut_portrait(), astronaut_portrait(960, 720)]
    idx = np.array(vertices)
    cost = np.zeros((len(idx), len(idx)))
    with FaceTracker(static_image_mode=True) as tracker:
        for image in images:
            p = tracker.process(image)
            q = tracker.process(np.ascontiguousarray(image[:, ::-1]))
            if p is None or q is None:
                raise RuntimeError("MediaPipe found no face in the reference photo")
            qxy = q.xy.copy()
            qxy[:, 0] = image.shape[1] - 1 - qxy[:, 0]
            scale = np.linalg.norm(p.xy[33] - p.xy[263])
            cost += np.linalg.norm(p.xy[idx][:, None] - qxy[idx][None], axis=2) / scale
    return cost / len(images)


def derive_mirror_pairs() -> list[tuple[int, int]]:
    """Derive the (right, left) pairs from the tessellation and MediaPipe (see module doc)."""
    from scipy.optimize import linear_sum_assignment

    from facetrainer.capture.mediapipe_loader import import_solution

    tessellation = import_solution("face_mesh_connections").FACEMESH_TESSELATION
    edge_tris = _triangles({_edge(a, b) for a, b in tessellation})
    m, ambiguous = _propagate(edge_tris)
    closed = set(ambiguous).union(*ambiguous.values())
    while not {m[w] for w in closed} <= closed:
        closed |= {m[w] for w in closed}
    vertices = sorted(closed)
    cost = _flip_costs(vertices)
    candidates = {w: ambiguous.get(w, set()) | {m[w]} for w in vertices if w in m}
    allowed = np.full_like(cost, 1e6)
    for i, w in enumerate(vertices):
        for j, c in enumerate(vertices):
            if c in candidates.get(w, ()) or w in candidates.get(c, ()):
                allowed[i, j] = cost[i, j]
    rows, cols = linear_sum_assignment(allowed)
    for i, j in zip(rows, cols, strict=True):
        m[vertices[i]] = vertices[j]
    for i in range(N_MESH):
        if m.get(m.get(i, -1), -2) != i:
            raise RuntimeError(f"mirror map is not an involution at landmark {i}")
    # Subject's right lies at smaller x in an unmirrored frontal photo: use the reference face.
    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.sample_faces import astronaut_portrait

    with FaceTracker(static_image_mode=True) as tracker:
        face = tracker.process(astronaut_portrait())
    assert face is not None
    x = face.xy[:, 0]
    pairs = {(i, m[i]) if x[i] < x[m[i]] else (m[i], i) for i in range(N_MESH) if m[i] != i}
    return sorted(pairs) + list(IRIS_PAIRS)


def write_data_module(pairs: list[tuple[int, int]], path: Path | None = None) -> Path:
    """Store the pairs as the Python data module this package imports."""
    path = path or Path(__file__).with_name("_mirror_pairs_data.py")
    lines = [
        '"""Generated by ``python -m facetrainer.face.mirror_pairs``: do not edit by hand."""',
        "",
        "# (subject's right, subject's left) landmark index pairs of the MediaPipe face mesh.",
        "MIRROR_PAIRS_RIGHT_LEFT: tuple[tuple[int, int], ...] = (",
    ]
    row: list[str] = []
    for a, b in pairs:
        row.append(f"({a}, {b}),")
        if len(row) == 8:
            lines.append("    " + " ".join(row))
            row = []
    if row:
        lines.append("    " + " ".join(row))
    lines.append(")")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    out = write_data_module(derive_mirror_pairs())
    print(f"wrote {out}", file=sys.stderr)
