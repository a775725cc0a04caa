"""Per-exchange feature extractors: raw recordings (or the corpus dumpfiles) in,
:class:`~hazumi_sk.sequences.RaggedSequences` out, one row per exchange.

- :class:`AcousticFeatures` (``A``): openSMILE functionals (eGeMAPS, IS09, ComParE)
- :class:`LinguisticFeatures` (``L``): UPOS counts + sentence vector (BERT, USE, GiNZA, TF-IDF/SVD)
- :class:`BodyFeatures` (``B``): joint-trajectory kinematics
- :class:`FaceFeatures` (``V``): OpenFace landmark kinematics + action units
- :class:`BiosensorFeatures` (``P``): Empatica E4 EDA, heart rate, skin temperature, motion
- :class:`DumpfileFeatures`: modality blocks of the Hazumi dumpfiles
- :class:`MultimodalFeatures`: early fusion of extractors, cached and parallel
"""

from ._acoustic import FEATURE_SET_SIZES, AcousticFeatures
from ._base import DialogueFeatureExtractor
from ._biosensor import (
    BIOSENSOR_FEATURES,
    BiosensorFeatures,
    BiosensorWarning,
    estimate_clock_offset,
)
from ._biosensor_block import add_biosensor_block
from ._demo import write_demo_recordings, write_tone_wav
from ._dumpfile import DumpfileFeatures
from ._kinematics import KINEMATIC_STATISTICS, exchange_kinematics
from ._linguistic import LinguisticFeatures
from ._motion import BodyFeatures, FaceFeatures
from ._multimodal import MultimodalFeatures
from ._pos import upos_counts
from ._readers import read_joint_csv, read_openface_csv
from ._transcript import clean_transcript
from ._transcript_block import replace_linguistic

__all__ = [
    "AcousticFeatures",
    "BIOSENSOR_FEATURES",
    "BiosensorFeatures",
    "BiosensorWarning",
    "BodyFeatures",
    "DialogueFeatureExtractor",
    "DumpfileFeatures",
    "FEATURE_SET_SIZES",
    "FaceFeatures",
    "KINEMATIC_STATISTICS",
    "LinguisticFeatures",
    "MultimodalFeatures",
    "add_biosensor_block",
    "clean_transcript",
    "estimate_clock_offset",
    "exchange_kinematics",
    "read_joint_csv",
    "read_openface_csv",
    "replace_linguistic",
    "upos_counts",
    "write_demo_recordings",
    "write_tone_wav",
]
