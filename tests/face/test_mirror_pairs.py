"""The mesh's left/right pairs: complete, consistent with the mesh, reproducible."""

from __future__ import annotations

import numpy as np

from facetrainer.capture.landmarks import MIDLINE
from facetrainer.face.mirror_pairs import derive_mirror_pairs, mirror_pairs, mirror_permutation

MIN_EDGES_PRESERVED = 0.98  # the tessellation is symmetric except around nostrils/eye corners


def test_there_are_220_mesh_pairs_and_5_iris_pairs():
    pairs = mirror_pairs()
    assert pairs.shape == (225, 2)
    assert len(set(pairs.ravel())) == 450


def test_the_reflection_is_an_involution_fixing_the_midline():
    perm = mirror_permutation()
    assert np.array_equal(perm[perm], np.arange(478))
    fixed = set(np.flatnonzero(perm == np.arange(478)))
    assert set(MIDLINE) <= fixed
    assert len(fixed) == 28


def test_documented_pairs_are_found():
    perm = mirror_permutation()
    for right, left in [
        (33, 263),
        (133, 362),
        (159, 386),
        (145, 374),
        (61, 291),
        (70, 300),
        (105, 334),
        (468, 473),
    ]:
        assert perm[right] == left


def test_subject_right_comes_first(portrait_face):
    x = portrait_face.xy[:, 0]
    pairs = mirror_pairs()
    assert (x[pairs[:, 0]] < x[pairs[:, 1]]).mean() > 0.99


def test_reflection_maps_mesh_edges_onto_mesh_edges():
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    perm = mirror_permutation()
    edges = {tuple(sorted(e)) for e in FACEMESH_TESSELATION}
    kept = sum(tuple(sorted((perm[a], perm[b]))) in edges for a, b in edges)
    assert kept / len(edges) >= MIN_EDGES_PRESERVED


def test_stored_pairs_match_a_fresh_derivation():
    assert np.array_equal(np.array(derive_mirror_pairs()), mirror_pairs())
