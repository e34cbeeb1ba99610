"Train from outside the package: papermill, the CLI, a real MLflow server, and a killed run resumed."
import os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from helpers import small_dataset, free_port

REPO = Path(__file__).resolve().parents[1]


def search_runs(tracking_uri, experiment):
    import mlflow
    mlflow.set_tracking_uri(tracking_uri)
    return mlflow.search_runs(experiment_names=[experiment])

def check_run(tracking_uri, experiment, epochs, output_dir):
    "The MLflow run has the parameters, one metric per epoch and the model artifact; the model is on disk."
    import mlflow
    runs = search_runs(tracking_uri, experiment)
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run['params.epochs'] == str(epochs) and run['params.dataset'] == 'wnut17'
    client = mlflow.MlflowClient(tracking_uri)
    assert [m.step for m in client.get_metric_history(run.run_id, 'valid_f1')] == list(range(1, epochs + 1))
    assert [m.step for m in client.get_metric_history(run.run_id, 'loss')] == list(range(1, epochs + 1))
    assert run['tags.dataset'] == 'wnut17' and run['tags.tag_scheme'] == 'BIOES' and run['tags.ner_bilstm_crf.version']
    artifacts = {a.path for a in client.list_artifacts(run.run_id, 'best_model')}
    assert 'best_model/model.safetensors' in artifacts
    assert all((Path(output_dir)/f).is_file() for f in ('config.json', 'vocabs.json', 'model.safetensors'))
    return run

def test_papermill_trains_on_embedded_data(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    cmd = [sys.executable, '-m', 'papermill', str(REPO/'nbs'/'06_train.ipynb'), str(tmp_path/'out.ipynb'), '--cwd', str(tmp_path),
           '-p', 'epochs', '2', '-p', 'output_dir', str(tmp_path/'X'), '-p', 'tracking_uri', uri, '-p', 'experiment', 'papermill']
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert res.returncode == 0, res.stderr[-3000:]
    check_run(uri, 'papermill', 2, tmp_path/'X')

def test_cli_trains_with_the_same_settings(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    (tmp_path/'config.yaml').write_text(f"epochs: 5\ntracking_uri: {uri}\nexperiment: cli\n")
    res = subprocess.run(['ner-bilstm-crf', 'train', '--config', 'config.yaml', '--epochs', '2', '--output_dir', 'X', '--registered_model', 'cli-model'],
                         capture_output=True, text=True, cwd=tmp_path, timeout=1500)
    assert res.returncode == 0, res.stderr[-3000:]
    run = check_run(uri, 'cli', 2, tmp_path/'X')
    import mlflow
    version = mlflow.MlflowClient(uri, registry_uri=uri).get_model_version_by_alias('cli-model', 'champion')
    assert (str(version.version), version.run_id) == ('1', run.run_id) and 'cli-model version 1' in res.stdout
    assert list((tmp_path/'logs').glob('cli-*.log')), "no log file under logs/"
    assert not (tmp_path/'mlruns').exists(), "artifacts of a SQLite store go beside the database, not into the working folder"

def test_same_seed_gives_two_run_names(tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    data = small_dataset(tmp_path/'data', n_train=100, n_eval=50)
    for out in ('A', 'B'):
        res = subprocess.run(['ner-bilstm-crf', 'train', '--dataset', str(data), '--epochs', '1', '--hidden_size', '16', '--output_dir', out,
                              '--tracking_uri', uri, '--experiment', 'twins', '--no-progress'], capture_output=True, text=True, cwd=tmp_path, timeout=600)
        assert res.returncode == 0, res.stderr[-3000:]
    runs = search_runs(uri, 'twins')
    assert len(runs) == 2 and runs['tags.mlflow.runName'].nunique() == 2
    assert set(runs['params.seed']) == {'42'} and set(runs['tags.dataset']) == {str(data)}


def test_against_a_real_mlflow_server(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, '-m', 'mlflow', 'server', '--host', '127.0.0.1', '--port', str(port), '--workers', '1',
                               '--backend-store-uri', f"sqlite:///{tmp_path}/server.db", '--artifacts-destination', str(tmp_path/'artifacts')],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        import urllib.request
        for _ in range(120):
            try: urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1); break
            except OSError: time.sleep(0.5)
        else: pytest.fail("mlflow server did not start within 60 s")
        data = small_dataset(tmp_path/'data')
        uri = f"http://127.0.0.1:{port}"
        res = subprocess.run(['ner-bilstm-crf', 'train', '--dataset', str(data), '--epochs', '1', '--hidden_size', '32', '--output_dir', 'X',
                              '--tracking_uri', uri, '--experiment', 'server'], capture_output=True, text=True, cwd=tmp_path, timeout=600)
        assert res.returncode == 0, res.stderr[-3000:]
        runs = search_runs(uri, 'server')
        assert len(runs) == 1 and runs.iloc[0]['params.hidden_size'] == '32'
        assert list((tmp_path/'artifacts').rglob('model.safetensors')), "the server did not store the model artifact"
    finally:
        os.killpg(server.pid, signal.SIGTERM); server.wait(timeout=30)

def test_killed_run_resumes_to_the_same_weights(tmp_path):
    data = small_dataset(tmp_path/'data', n_train=1000)
    common = ['ner-bilstm-crf', 'train', '--dataset', str(data), '--epochs', '3', '--hidden_size', '32', '--batch_size', '16',
              '--tracking_uri', f"sqlite:///{tmp_path}/mlruns.db"]
    subprocess.run(common + ['--output_dir', 'straight'], check=True, capture_output=True, cwd=tmp_path, timeout=900)
    ckpt = tmp_path/'killed'/'checkpoints'/'last.pt'
    proc = subprocess.Popen(common + ['--output_dir', 'killed'], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not ckpt.exists() and proc.poll() is None: time.sleep(0.02)
    proc.kill(); proc.wait()
    assert torch.load(ckpt, weights_only=True)['history'][-1]['epoch'] < 3, "the run finished before it could be killed"
    subprocess.run(common + ['--output_dir', 'killed', '--resume'], check=True, capture_output=True, cwd=tmp_path, timeout=900)
    straight, resumed = (torch.load(tmp_path/d/'checkpoints'/'last.pt', weights_only=True) for d in ('straight', 'killed'))
    assert resumed['history'][-1]['epoch'] == 3
    for k, v in straight['model'].items(): assert torch.equal(v, resumed['model'][k]), k
    assert [h['valid_f1'] for h in straight['history']] == [h['valid_f1'] for h in resumed['history']]
