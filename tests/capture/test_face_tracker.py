import numpy as np

from facetrainer.capture import landmarks as lm


def test_the_astronaut_gets_478_landmarks_with_the_subjects_own_sides(static_tracker,
                                                                      astronaut_portrait):
    face = static_tracker.process(astronaut_portrait)
    assert face is not None
    assert face.points_px.shape == (478, 3)
    assert face.n_faces == 1
    # Subject's right eye lies at smaller x in the unmirrored image (DOMAIN.md §4).
    assert face.xy[lm.RIGHT_EYE_OUTER, 0] < face.xy[lm.LEFT_EYE_OUTER, 0]
    iris_px = np.linalg.norm(face.xy[469] - face.xy[471])
    assert 15 < iris_px < 30  # the portrait crop makes the iris span ~20 px


def test_a_mirrored_image_swaps_the_labels(static_tracker, astronaut_portrait):
    face = static_tracker.process(np.ascontiguousarray(astronaut_portrait[:, ::-1]))
    original = static_tracker.process(astronaut_portrait)
    w = astronaut_portrait.shape[1]
    # The subject's right eye corner in the flipped image sits where the left one was.
    assert abs((w - 1 - face.xy[lm.RIGHT_EYE_OUTER, 0]) - original.xy[lm.LEFT_EYE_OUTER, 0]) < 4


def test_no_face_gives_none(static_tracker):
    assert static_tracker.process(np.full((240, 320, 3), 127, np.uint8)) is None


def test_fast_landmark_decoding_equals_reading_the_fields():
    from mediapipe.framework.formats import landmark_pb2

    from facetrainer.capture.face_tracker import landmarks_to_array

    rng = np.random.default_rng(5)
    values = rng.normal(0, 1, (478, 3)).astype(np.float32)
    plain = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in values:
        plain.landmark.add(x=x, y=y, z=z)
    np.testing.assert_array_equal(landmarks_to_array(plain), values.astype(np.float64))
    # A landmark with an extra field (visibility) takes the field-by-field path.
    plain.landmark[7].visibility = 0.5
    np.testing.assert_array_equal(landmarks_to_array(plain), values.astype(np.float64))
