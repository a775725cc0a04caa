"""Names of the behaviour units the corpora and extractors share: POS tags, joints, AUs."""

from __future__ import annotations

__all__ = ["FACE_LANDMARK_PRESETS", "KINECT_UPPER_BODY", "OPENFACE_ACTION_UNITS", "UPOS_TAGS"]

#: The 17 Universal Dependencies POS tags, in the Hazumi2010 dumpfile order.
UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip

#: The paper's five upper-body Kinect v2 joints (Hazumi1911 dumpfile order).
KINECT_UPPER_BODY = ("HandLeft", "HandRight", "Head", "ShoulderLeft", "ShoulderRight")

#: The 18 action units OpenFace 2.x reports as presence (``AU*_c``).
OPENFACE_ACTION_UNITS = (
    "AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12",
    "AU14", "AU15", "AU17", "AU20", "AU23", "AU25", "AU26", "AU28", "AU45",
)  # fmt: skip

#: Landmark sets (OpenFace 68-point ids). ``"hazumi"``: the 12 of the Hazumi
#: dumpfiles (4 eyebrow ends, 4 eye corners, 4 mouth points). ``"paper"``: the
#: paper's 10 ("two on each eye, four on the mouth, and two on the eyebrow"),
#: read as the inner eyebrow ends 21, 22 plus the Hazumi eye and mouth points.
FACE_LANDMARK_PRESETS = {
    "hazumi": (17, 21, 22, 26, 36, 39, 42, 45, 48, 51, 54, 57),
    "paper": (21, 22, 36, 39, 42, 45, 48, 51, 54, 57),
}
