"Torch-free serving from outside: `ner-bilstm-crf export`, the exported tagger against the torch one on whole test sets, MLflow without torch."
import json, subprocess, sys
from pathlib import Path
import numpy as np, pytest

def cli(*args, cwd=None):
    return subprocess.run(['ner-bilstm-crf', *args], capture_output=True, text=True, cwd=cwd, timeout=600)

@pytest.fixture(scope='module')
def exported(demo, tmp_path_factory):
    "The demo model exported by the command line."
    out = tmp_path_factory.mktemp('export')/'demo-onnx'
    res = cli('export', str(demo['model']), '--format', 'onnx', '-o', str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"{demo['model']}: exported to {out} (onnx)\n"
    return out

def test_export_writes_the_onnx_folder(exported):
    assert sorted(p.name for p in exported.iterdir()) == sorted(['config.json', 'vocabs.json', 'emissions.onnx', 'crf.safetensors', 'export.json',
                                                                 'history.json', 'train_config.yaml', 'mlflow_run.json'])
    assert json.loads((exported/'export.json').read_text())['format'] == 'onnx'

@pytest.mark.parametrize('args, message', [
    (['--format', 'tflite'], "error: format='tflite' is not one of ('onnx',)"),
    ([], "exists; choose a new folder for the export"),
])
def test_export_user_errors_are_one_line(demo, exported, args, message):
    res = cli('export', str(demo['model']), '-o', str(exported), *args)
    assert res.returncode == 1 and message in res.stderr and 'Traceback' not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr

def test_export_refuses_missing_model_and_its_own_input(demo, tmp_path):
    res = cli('export', str(tmp_path/'missing'), '-o', str(tmp_path/'out'))
    assert res.returncode == 1 and f"no model folder {tmp_path/'missing'}" in res.stderr and 'Traceback' not in res.stderr
    res = cli('export', str(demo['model']), '-o', str(demo['model']))
    assert res.returncode == 1 and 'exists' in res.stderr
    res = cli('export', str(demo['model']), '-o', str(demo['model']/'onnx'))
    assert res.returncode == 1 and 'inside the model folder' in res.stderr and not (demo['model']/'onnx').exists()
    res = cli('export', str(demo['model']), '-o')
    assert res.returncode == 2 and 'expected one argument' in res.stderr

def same_tags(torch_dir, onnx_dir, sentences):
    "Tags and scores of `sentences` from both backends: (number of sentences tagged differently, largest score difference)."
    from ner_bilstm_crf.predict import NERTagger
    tokens = [s.tokens for s in sentences]
    by_torch = NERTagger.load(torch_dir, device='cpu').tag_tokens(tokens)
    by_onnx = NERTagger.load(onnx_dir).tag_tokens(tokens)
    assert NERTagger.load(onnx_dir).backend == 'onnx'
    differ = sum(a[0] != b[0] for a, b in zip(by_torch, by_onnx))
    gap = max(np.abs(np.array(a[1]) - np.array(b[1])).max() for a, b in zip(by_torch, by_onnx) if a[1])
    return differ, gap

def test_same_tags_as_torch_on_wnut17_test(demo, exported):
    from ner_bilstm_crf.data import load_dataset
    test = load_dataset()['test']
    differ, gap = same_tags(demo['model'], exported, test)
    assert len(test) == 1287
    assert differ == 0, f"{differ} of {len(test)} sentences tagged differently"
    assert gap < 1e-4, gap

def test_same_tags_as_torch_on_conll2003_test(demo, exported):
    conll = Path(__file__).resolve().parents[2]/'shared'/'data'/'conll2003'
    if not conll.is_dir(): pytest.skip(f"CoNLL-2003 not found at {conll} (research data, never shipped)")
    from ner_bilstm_crf.data import read_conll
    test = list(read_conll(conll/'test.txt'))
    differ, gap = same_tags(demo['model'], exported, test)
    assert len(test) == 3453
    assert differ == 0, f"{differ} of {len(test)} sentences tagged differently"
    assert gap < 1e-4, gap

from ner_bilstm_crf.onnx import NO_TORCH
BLOCK_TORCH = NO_TORCH + "\n"

def test_exported_model_tags_with_torch_unimportable(exported):
    code = BLOCK_TORCH + (f"import json\nfrom ner_bilstm_crf.predict import NERTagger\n"
                          f"print(json.dumps(NERTagger.load({str(exported)!r}).predict('Justin Bieber was spotted in Los Angeles')))\n"
                          "assert 'torch' not in sys.modules")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    from ner_bilstm_crf.predict import NERTagger
    assert json.loads(res.stdout) == NERTagger.load(exported).predict('Justin Bieber was spotted in Los Angeles')

def test_mlflow_pyfunc_of_the_export_runs_without_torch(demo, tmp_path):
    from ner_bilstm_crf.predict import log_tagger, NERTagger
    uri = log_tagger(demo['model'], 'model_onnx_test', onnx=True)
    texts = ['Justin Bieber was spotted in Los Angeles', 'nothing here']
    code = BLOCK_TORCH + (f"import json, mlflow\nmlflow.set_tracking_uri({demo['uri']!r})\n"
                          f"model = mlflow.pyfunc.load_model({uri!r})\nprint(json.dumps(model.predict({texts!r})))\n"
                          "assert 'torch' not in sys.modules")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    expected = NERTagger.load(demo['model'], device='cpu').predict(texts)
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert [[(e['text'], e['label'], e['start']) for e in ents] for ents in got] == [[(e['text'], e['label'], e['start']) for e in ents] for ents in expected]
    assert np.allclose([e['score'] for ents in got for e in ents], [e['score'] for ents in expected for e in ents], atol=1e-4)
