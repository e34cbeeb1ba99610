"The scheduled-retrain job run as a scheduler runs it: papermill, a SQLite tracking store in a temporary folder, the Model Registry."
import json, subprocess, sys
from pathlib import Path
import pytest
from helpers import post, served

REPO = Path(__file__).resolve().parents[1]
NAME = 'wnut-tagger'
TEXTS = ["Justin Bieber and Selena Gomez were spotted in Los Angeles last night!", "New video from Lady Gaga on YouTube", "nothing here"]

def run_job(folder:Path, out_name:str, **params) -> subprocess.CompletedProcess:
    "papermill nbs/retrain.ipynb with `params`, in `folder`, tracking in folder/mlruns.db."
    args = [sys.executable, '-m', 'papermill', str(REPO/'nbs'/'retrain.ipynb'), str(folder/f'{out_name}.ipynb'), '--cwd', str(folder),
            '-p', 'tracking_uri', f"sqlite:///{folder}/mlruns.db", '-p', 'registered_model', NAME, '-p', 'output_dir', out_name]
    for k, v in params.items(): args += ['-p', k, str(v)]
    return subprocess.run(args, capture_output=True, text=True, timeout=1200)

@pytest.fixture(scope='module')
def registry(tmp_path_factory):
    "Two retrains into one registry: a real one, then a deliberately poor one."
    folder = tmp_path_factory.mktemp('retrain')
    good = run_job(folder, 'good', epochs=2, hidden_size=32, batch_size=16, optimizer='adam', lr=0.005)
    assert good.returncode == 0, good.stderr[-3000:]
    poor = run_job(folder, 'poor', epochs=1, hidden_size=8, batch_size=16, optimizer='adam', lr=1e-5)
    assert poor.returncode == 0, poor.stderr[-3000:]
    from mlflow import MlflowClient
    uri = f"sqlite:///{folder}/mlruns.db"
    return dict(folder=folder, uri=uri, client=MlflowClient(uri, registry_uri=uri))

def test_two_versions_champion_on_the_better(registry):
    client = registry['client']
    versions = sorted(client.search_model_versions(f"name='{NAME}'"), key=lambda v: int(v.version))
    assert [str(v.version) for v in versions] == ['1', '2']
    scores = {str(v.version): float(v.tags['best_valid_f1']) for v in versions}
    assert scores['1'] > scores['2'], f"the poor run should score below the real one: {scores}" 
    assert all(v.tags['dataset'] == 'wnut17' for v in versions)
    champion, challenger = (str(client.get_model_version_by_alias(NAME, a).version) for a in ('champion', 'challenger'))
    assert champion == max(scores, key=scores.get) and challenger != champion, scores
    runs = [client.get_run(v.run_id) for v in versions]
    assert runs[0].info.run_name != runs[1].info.run_name
    assert 'test_f1' in runs[0].data.metrics and 'evaluation/metrics.json' in {a.path for a in client.list_artifacts(runs[0].info.run_id, 'evaluation')}

def test_job_writes_only_where_its_parameters_point(registry):
    assert sorted(p.name for p in registry['folder'].iterdir()) == ['good', 'good.ipynb', 'mlartifacts', 'mlruns.db', 'mlruns.db.champion.lock', 'mlruns.db.lock', 'poor', 'poor.ipynb']  # the locks guard the store's first use and the champion alias
    assert not (REPO/'nbs'/'mlruns').exists() and not (REPO/'nbs'/'runs').exists()
    record = json.loads((registry['folder']/'poor.ipynb').read_text())
    printed = ''.join(''.join(o.get('text', '')) for c in record['cells'] for o in c.get('outputs', []))
    assert 'version 2' in printed and 'challenger: best_valid_f1' in printed and 'does not beat the champion' in printed

def champion_folder(registry) -> Path:
    champion = registry['client'].get_model_version_by_alias(NAME, 'champion')
    return registry['folder']/('good' if str(champion.version) == '1' else 'poor')

def test_champion_loads_like_its_folder(registry, tmp_path):
    import mlflow
    from ner_bilstm_crf.predict import NERTagger
    expected = NERTagger.load(champion_folder(registry), device='cpu').predict(TEXTS)
    assert NERTagger.load(f'models:/{NAME}@champion', device='cpu', tracking_uri=registry['uri']).predict(TEXTS) == expected
    mlflow.set_tracking_uri(registry['uri']); mlflow.set_registry_uri(registry['uri'])
    assert mlflow.pyfunc.load_model(f'models:/{NAME}@champion').predict(TEXTS) == expected
    (tmp_path/'texts.txt').write_text('\n'.join(TEXTS) + '\n')
    res = subprocess.run(['ner-bilstm-crf', 'predict', f'models:/{NAME}@champion', 'texts.txt', '-o', 'out.jsonl', '--tracking_uri', registry['uri'],
                          '--no-progress'], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert [json.loads(l)['entities'] for l in (tmp_path/'out.jsonl').read_text().splitlines()] == expected

def test_mlflow_serves_the_champion(registry, tmp_path):
    from ner_bilstm_crf.predict import NERTagger
    expected = NERTagger.load(champion_folder(registry), device='cpu').predict(TEXTS)
    with served(f'models:/{NAME}@champion', registry['uri'], tmp_path) as url: assert post(url, {'inputs': TEXTS}) == {'predictions': expected}

def test_failed_retrain_leaves_the_champion(registry):
    client = registry['client']
    before = client.get_model_version_by_alias(NAME, 'champion').version
    failed = run_job(registry['folder'], 'broken', dataset=str(registry['folder']/'no-such-data'), epochs=1)
    assert failed.returncode != 0
    record = json.loads((registry['folder']/'broken.ipynb').read_text())
    printed = ''.join(''.join(o.get('text', '')) for c in record['cells'] for o in c.get('outputs', []))
    assert 'retrain: error: ' in printed and "no-such-data' is neither a folder nor an embedded data set" in printed, printed[-2000:]
    assert client.get_model_version_by_alias(NAME, 'champion').version == before
    assert len(client.search_model_versions(f"name='{NAME}'")) == 2
