"""Throughput of the feature extractors on this machine.

Measures

- acoustic extraction (openSMILE eGeMAPSv02 and IS09) as a real-time factor:
  wall time divided by the duration of the speech analysed (lower is faster);
- linguistic extraction in exchanges per second: UPOS counts (Sudachi), TF-IDF/SVD,
  GiNZA vectors, a tiny local BERT and a randomly initialised BERT-base-sized model
  (12 layers, 768 hidden; random weights time the same as trained ones);
- body and face kinematics in exchanges per second, reading the CSV included and
  excluded.

Utterances are the real Hazumi1911 transcripts when ../shared/hazumi is present,
otherwise synthetic sentences. Run from the repository root::

    python benchmarks/bench_features.py            # about 2-3 minutes on 2 cores
    python benchmarks/bench_features.py --quick    # smaller inputs

Torch runs on one thread (``--threads`` to change) so that numbers are stable on a
shared machine.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from hazumi_sk.datasets import Dialogue
from hazumi_sk.features import (
    AcousticFeatures,
    BodyFeatures,
    FaceFeatures,
    LinguisticFeatures,
    clean_transcript,
    write_demo_recordings,
    write_tone_wav,
)

HAZUMI = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"
SYNTHETIC_SENTENCES = [
    "(F えー)|ラーメンが好きです",
    "そうですね|(D き)昨日は映画を見ました|とても面白かったです",
    "はい",
    "東京に住んでいて|(F あの)|週末はよく散歩をします",
    "",
]


def _timed(function, repeats: int = 1) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _utterances(n: int) -> tuple[list[str], str]:
    eafs = sorted((HAZUMI / "Hazumi1911" / "elan").glob("*.eaf"))
    if eafs:
        from hazumi_sk.datasets import read_eaf

        texts: list[str] = []
        for eaf in eafs:
            texts += read_eaf(eaf)["user_utterance"].fillna("").tolist()
            if len(texts) >= n:
                break
        return texts[:n], f"Hazumi1911 transcripts (first {n} exchanges)"
    reps = n // len(SYNTHETIC_SENTENCES) + 1
    return (SYNTHETIC_SENTENCES * reps)[:n], "synthetic sentences"


def _text_dialogues(texts: list[str], per_dialogue: int = 100) -> list[Dialogue]:
    dialogues = []
    for k in range(0, len(texts), per_dialogue):
        chunk = texts[k : k + per_dialogue]
        table = pd.DataFrame(
            {
                "start_ms": np.arange(len(chunk)),
                "end_ms": np.arange(len(chunk)) + 1,
                "user_utterance": chunk,
            }
        )
        dialogues.append(Dialogue(f"t{k}", table))
    return dialogues


def _write_bert(folder: Path, texts: list[str], base_size: bool) -> Path:
    """A Japanese BERT (MeCab + WordPiece) with random weights, saved to ``folder``."""
    import transformers

    words = sorted({w for t in texts for w in t.split()} | {"です", "ます", "の", "は"})
    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words[:3000]]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertJapaneseTokenizer(
        str(folder / "vocab.txt"),
        word_tokenizer_type="mecab",
        subword_tokenizer_type="wordpiece",
        mecab_kwargs={"mecab_dic": "unidic_lite"},
    )
    if base_size:  # BERT-base: 12 layers, 768 hidden, 12 heads, 32k vocabulary
        config = transformers.BertConfig(vocab_size=32000)
    else:
        config = transformers.BertConfig(
            vocab_size=len(vocab),
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
        )
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def bench_acoustic(folder: Path, minutes: float) -> list[dict]:
    n_exchanges = int(minutes * 60 / 10)
    pieces = []
    rng = np.random.RandomState(0)
    for _ in range(n_exchanges):
        pieces += [(4000, 0), (6000, float(rng.uniform(120, 300)))]
    wav = write_tone_wav(folder / "long.wav", pieces, rate=16000)
    starts = np.arange(n_exchanges) * 10000.0
    table = pd.DataFrame(
        {"start_ms": starts, "end_system_ms": starts + 4000, "end_ms": starts + 10000}
    )
    dialogue = Dialogue("long", table, audio_path=wav)
    speech_s = n_exchanges * 6.0
    rows = []
    for feature_set in ("eGeMAPSv02", "IS09"):
        extractor = AcousticFeatures(feature_set=feature_set, normalize=None).fit([dialogue])
        seconds = _timed(lambda e=extractor: e.transform([dialogue]))
        rows.append(
            {
                "extractor": f"AcousticFeatures({feature_set}, segment='user')",
                "input": f"{n_exchanges} exchanges, {speech_s:.0f} s of 16 kHz user speech",
                "seconds": seconds,
                "throughput": f"real-time factor {seconds / speech_s:.4f} "
                f"({speech_s / seconds:.0f}x faster than real time)",
            }
        )
    return rows


def bench_linguistic(folder: Path, n_texts: int) -> list[dict]:
    texts, source = _utterances(n_texts)
    dialogues = _text_dialogues(texts)
    cleaned = [clean_transcript(t) for t in texts]
    tiny = _write_bert(folder / "tiny_bert", cleaned, base_size=False)
    base = _write_bert(folder / "base_bert", cleaned, base_size=True)
    n_svd = min(100, n_texts // 4)
    setups = [
        ("UPOS counts (sudachi)", LinguisticFeatures(encoder=None), texts),
        (f"TF-IDF/SVD ({n_svd})", LinguisticFeatures(pos_backend=None, n_components=n_svd), texts),
        ("GiNZA vectors (300)", LinguisticFeatures(pos_backend=None, encoder="ginza"), texts),
        ("multilingual USE v3 (512)",
         LinguisticFeatures(pos_backend=None, encoder="use-multilingual"), texts),
        ("tiny local BERT (1 layer, 16-d)",
         LinguisticFeatures(pos_backend=None, encoder="bert", model=str(tiny)), texts),
        ("BERT-base-sized, random init (12 layers, 768-d)",
         LinguisticFeatures(pos_backend=None, encoder="bert", model=str(base)),
         texts[: max(50, n_texts // 4)]),
    ]  # fmt: skip
    rows = []
    for name, extractor, subset in setups:
        subset_dialogues = _text_dialogues(subset)
        extractor.fit(dialogues)
        extractor.transform(subset_dialogues[:1])  # load models outside the timing
        seconds = _timed(lambda e=extractor, d=subset_dialogues: e.transform(d))
        rows.append(
            {
                "extractor": f"LinguisticFeatures: {name}",
                "input": f"{len(subset)} exchanges of {source}",
                "seconds": seconds,
                "throughput": f"{len(subset) / seconds:.0f} exchanges/s",
            }
        )
    return rows


def bench_kinematics(folder: Path, minutes: float) -> list[dict]:
    n_exchanges = int(minutes * 60 / 10)
    exchange_ms = 10000.0
    dialogue = write_demo_recordings(
        folder / "motion", n_dialogues=1, n_exchanges=n_exchanges, exchange_ms=exchange_ms
    )[0]
    rows = []
    for name, extractor in (("BodyFeatures (5 joints)", BodyFeatures()),
                            ("FaceFeatures (12 landmarks + 18 AUs)", FaceFeatures())):  # fmt: skip
        extractor.fit([dialogue])
        seconds = _timed(lambda e=extractor: e.transform([dialogue]))
        rows.append(
            {
                "extractor": name,
                "input": f"{n_exchanges} exchanges, {minutes:.0f} min at 30 fps, CSV read included",
                "seconds": seconds,
                "throughput": f"{n_exchanges / seconds:.0f} exchanges/s",
            }
        )
    # The computation alone, without reading the CSV.
    from hazumi_sk.features import exchange_kinematics, read_openface_csv

    times, positions, _ = read_openface_csv(dialogue.face_path, list(range(12)))
    spans = dialogue.exchanges[["start_ms", "end_ms"]].to_numpy(float)
    seconds = _timed(lambda: exchange_kinematics(times, positions, spans, 100.0), repeats=3)
    rows.append(
        {
            "extractor": "exchange_kinematics (12 points, no I/O)",
            "input": f"{n_exchanges} exchanges, {len(times)} frames",
            "seconds": seconds,
            "throughput": f"{n_exchanges / seconds:.0f} exchanges/s",
        }
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    minutes = 2.0 if args.quick else 10.0
    n_texts = 100 if args.quick else 400
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = bench_acoustic(folder, minutes)
        rows += bench_linguistic(folder, n_texts)
        rows += bench_kinematics(folder, minutes)
    print(f"# {platform.processor() or platform.machine()}, torch threads={args.threads}")
    for row in rows:
        print(f"- {row['extractor']}: {row['throughput']} ({row['seconds']:.2f} s; {row['input']})")


if __name__ == "__main__":
    main()
