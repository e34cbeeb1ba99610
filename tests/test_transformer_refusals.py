"Until training with transformer features is wired in (issue 22), a transformer setting is refused with one line, never ignored."
import pytest
from ner_bilstm_crf.data import Sentence, build_vocabs
from ner_bilstm_crf.model import ModelConfig
from ner_bilstm_crf.tagger import BiLSTMCRF
from ner_bilstm_crf.train import TrainConfig, build_model
from ner_bilstm_crf.onnx import export_onnx

SENTS = [Sentence(['EU', 'rejects', 'German', 'call'], ['B-ORG', 'O', 'B-MISC', 'O'])]

def test_training_with_a_transformer_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match=r"^transformer='minilm': training with transformer features is not wired in yet"):
        build_model(TrainConfig(transformer='minilm'), SENTS)

def test_onnx_export_refuses_a_transformer_model(tmp_path):
    vocabs = build_vocabs(SENTS, scheme='BIOES')
    BiLSTMCRF(ModelConfig.from_vocabs(vocabs, transformer='minilm', hidden_size=8), vocabs).save(tmp_path/'model')
    with pytest.raises(ValueError, match=r"transformer='minilm': ONNX export covers models without a transformer only"):
        export_onnx(tmp_path/'model', tmp_path/'onnx')
    assert not (tmp_path/'onnx').exists()
