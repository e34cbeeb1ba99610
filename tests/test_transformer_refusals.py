"What a transformer model cannot do is refused with one line naming the setting, never ignored: ONNX export."
import importlib.util
import pytest
from ner_bilstm_crf.data import Sentence, build_vocabs
from ner_bilstm_crf.model import ModelConfig
from ner_bilstm_crf.tagger import BiLSTMCRF
from ner_bilstm_crf.onnx import export_onnx

SENTS = [Sentence(['EU', 'rejects', 'German', 'call'], ['B-ORG', 'O', 'B-MISC', 'O'])]
HAVE_EXTRA = importlib.util.find_spec('transformers') is not None and importlib.util.find_spec('all_minilm_l6_v2') is not None

@pytest.mark.skipif(not HAVE_EXTRA, reason="the [transformer] extra is absent: pip install -e '.[transformer]'")
def test_onnx_export_refuses_a_transformer_model(tmp_path):
    vocabs = build_vocabs(SENTS, scheme='BIOES')
    BiLSTMCRF(ModelConfig.from_vocabs(vocabs, transformer='minilm', transformer_dim=384, hidden_size=8), vocabs).save(tmp_path/'model')
    with pytest.raises(ValueError, match=r"transformer='minilm': ONNX export covers models without a transformer only"):
        export_onnx(tmp_path/'model', tmp_path/'onnx')
    assert not (tmp_path/'onnx').exists()
