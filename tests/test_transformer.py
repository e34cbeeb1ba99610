"Transformer word features against a direct `transformers` forward pass; skipped where the `[transformer]` extra is absent."
import importlib.util
import pytest

if importlib.util.find_spec('transformers') is None or importlib.util.find_spec('all_minilm_l6_v2') is None:
    pytest.skip("the [transformer] extra is absent: pip install -e '.[transformer]'", allow_module_level=True)

import torch
from ner_bilstm_crf.transformer import load_transformer, word_features, parse_layers, word_windows

@pytest.fixture(scope='module')
def minilm(): return load_transformer('minilm')

def direct(tok, enc, words, layer=-1):
    "The hidden states of one forward pass over `words` and the word of each subword."
    x = tok(words, is_split_into_words=True, return_tensors='pt')
    with torch.no_grad(): hs = enc(**x, output_hidden_states=True).hidden_states
    return hs[layer][0], x.word_ids()

@pytest.mark.parametrize('pooling', ['first', 'mean'])
def test_features_equal_a_direct_forward_pass(minilm, pooling):
    tok, enc = minilm
    words = 'Kowalczykowski told Reuters in Frankfurt on Tuesday'.split()
    got = word_features([words], tok, enc, parse_layers('-1,-2'), pooling)[0]
    for k, layer in enumerate((-1, -2)):
        h, wids = direct(tok, enc, words, layer)
        for w in range(len(words)):
            sub = [i for i, x in enumerate(wids) if x == w]
            want = h[sub[0]] if pooling == 'first' else h[sub].mean(0)
            assert torch.allclose(got[w, k], want, atol=1e-5), (pooling, layer, words[w])
    assert len([x for x in direct(tok, enc, words)[1] if x == 0]) > 3  # a word split into many subwords

def test_a_sentence_longer_than_512_subwords_is_encoded_in_windows(minilm):
    tok, enc = minilm
    words = 'Kowalczykowski met Zbigniew Brzezinski in Szczecin .'.split()*60
    wids = tok(words, is_split_into_words=True, add_special_tokens=False).word_ids()
    assert len(wids) > 512
    got = word_features([words], tok, enc, (-1,), 'first')[0]
    assert got.shape == (len(words), 1, 384)
    spans = word_windows(wids, 510)
    assert len(spans) == 3  # 1,140 subwords
    for s, e in spans:  # each window equals a direct forward pass over its own words
        ws = list(range(wids[s], wids[e-1]+1))
        h, dw = direct(tok, enc, [words[w] for w in ws])
        want = torch.stack([h[dw.index(j)] for j in range(len(ws))])
        assert torch.allclose(got[ws, 0], want, atol=1e-4)

def test_cached_features_equal_fresh_ones(minilm, tmp_path):
    import numpy as np
    from ner_bilstm_crf.transformer import cached_features
    tok, enc = minilm
    sents = ['EU rejects German call'.split(), 'Kowalczykowski'.split()]
    first = cached_features(sents, 'minilm', tmp_path, (-1,), 'first', progress=False)
    again = cached_features(sents, 'minilm', tmp_path, (-1,), 'first', progress=False)
    fresh = word_features(sents, tok, enc, (-1,), 'first')
    assert len(list(tmp_path.glob('features-*.npy'))) == 1
    for a, b, f in zip(first, again, fresh):
        assert a.dtype == np.float16 and np.array_equal(a, b)
        assert np.allclose(a.astype(np.float32), f.numpy(), atol=5e-3)
