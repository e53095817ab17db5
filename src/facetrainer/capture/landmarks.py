"""MediaPipe Face Mesh landmark indices (478 points with ``refine_landmarks=True``).

Left and right are always the *subject's own*: index 33 is the subject's right outer
eye corner and lies at smaller x in an unmirrored image (see shared DOMAIN.md §4).
"""

N_LANDMARKS = 478

RIGHT_EYE_OUTER, RIGHT_EYE_INNER = 33, 133
LEFT_EYE_OUTER, LEFT_EYE_INNER = 263, 362
RIGHT_UPPER_LID, RIGHT_LOWER_LID = 159, 145
LEFT_UPPER_LID, LEFT_LOWER_LID = 386, 374
RIGHT_BROW = (70, 63, 105, 66, 107)
LEFT_BROW = (300, 293, 334, 296, 336)
RIGHT_MOUTH_CORNER, LEFT_MOUTH_CORNER = 61, 291
RIGHT_MOUTH_INNER, LEFT_MOUTH_INNER = 78, 308
UPPER_LIP_INNER, LOWER_LIP_INNER = 13, 14
UPPER_LIP_OUTER, LOWER_LIP_OUTER = 0, 17
NOSE_TIP, FOREHEAD, CHIN = 1, 10, 152
RIGHT_FACE_EDGE, LEFT_FACE_EDGE = 234, 454
RIGHT_IRIS_CENTER, RIGHT_IRIS_RING = 468, (469, 470, 471, 472)
LEFT_IRIS_CENTER, LEFT_IRIS_RING = 473, (474, 475, 476, 477)

# Points on the facial midline of the canonical mesh.
MIDLINE = (0, 1, 2, 4, 5, 6, 8, 9, 10, 13, 14, 17, 18, 151, 152, 164, 168, 175, 195, 197, 199, 200)

# Key contours for the light overlay (closed loops where it makes sense).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
             400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54,
             103, 67, 109)
RIGHT_EYE_CONTOUR = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_CONTOUR = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
RIGHT_BROW_CONTOUR = (70, 63, 105, 66, 107)
LEFT_BROW_CONTOUR = (300, 293, 334, 296, 336)
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181,
              91, 146)
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178,
              88, 95)
KEY_CONTOURS: tuple[tuple[tuple[int, ...], bool], ...] = (
    (FACE_OVAL, True),
    (RIGHT_EYE_CONTOUR, True),
    (LEFT_EYE_CONTOUR, True),
    (RIGHT_BROW_CONTOUR, False),
    (LEFT_BROW_CONTOUR, False),
    (LIPS_OUTER, True),
    (LIPS_INNER, True),
    (RIGHT_IRIS_RING, True),
    (LEFT_IRIS_RING, True),
)


def mesh_edges() -> tuple[tuple[int, int], ...]:
    """All tessellation edges of the mesh (for the full-mesh overlay)."""
    from facetrainer.capture.mediapipe_loader import import_solution  # lazy: MediaPipe

    connections = import_solution("face_mesh_connections")
    return tuple(sorted(connections.FACEMESH_TESSELATION | connections.FACEMESH_IRISES))
