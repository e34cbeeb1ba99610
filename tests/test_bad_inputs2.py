"""Bad input, faults and misuse, round 2 (issue 25): concurrency, the registry, full disks, exported folders, the UI process.

As in test_bad_inputs.py, every case asserts the exit status, the one-line message, that no traceback is printed, and that
nothing was lost. The concurrency cases force their interleaving with barriers and events the test controls."""
import errno, json, os, shutil, signal, socket, subprocess, sys, textwrap, threading, time
from pathlib import Path
import pytest
from helpers import free_port
from test_bad_inputs import cli, snapshot, check_user_error, FAST, work  # `work`: the same small-data fixture, inputs checked unchanged

def in_process(argv, capsys, monkeypatch):
    "Run `ner-bilstm-crf ARGV` in this process (so a fault can be patched in): its exit status and stderr."
    from ner_bilstm_crf.cli import main
    monkeypatch.setattr(sys, 'argv', ['ner-bilstm-crf', *map(str, argv)])
    capsys.readouterr()
    try: main(); status = 0
    except SystemExit as e: status = e.code
    return subprocess.CompletedProcess(argv, status, *capsys.readouterr())

def python(code:str, cwd, env=None):
    "A Popen of `python -c code` in `cwd`."
    return subprocess.Popen([sys.executable, '-c', textwrap.dedent(code)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})

# ---- 1. a new SQLite store, first used by several runs at once ----

BARRIER = """
import os, sys, time
from pathlib import Path
import ner_bilstm_crf.learner as learner
real, ready = learner.tracking_store, Path('ready')
def at_the_barrier(uri):  # every process reaches the store's creation before any goes on
    (ready/str(os.getpid())).touch()
    for _ in range(60000):
        if len(list(ready.iterdir())) >= {n}: break
        time.sleep(0.002)
    return real(uri)
learner.tracking_store = at_the_barrier
from ner_bilstm_crf.cli import main
sys.argv = ['ner-bilstm-crf', 'train', *{args!r}]
main()
"""

def test_new_sqlite_store_used_by_several_runs_at_once(work):
    n, uri = 3, f"sqlite:///{work}/new.db"
    (work/'ready').mkdir()
    procs = [python(BARRIER.format(n=n, args=[*FAST, '--output_dir', f'out{i}', '--tracking_uri', uri, '--experiment', 'together', '--seed', str(i)]), work)
             for i in range(n)]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    assert len(list((work/'ready').iterdir())) == n
    for status, out, err in results: assert status == 0 and 'Traceback' not in err, err[-3000:]
    import mlflow
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name('together').experiment_id])
    assert sorted(r.info.status for r in runs) == ['FINISHED'] * n
    assert cli('train', *FAST, '--output_dir', 'later', '--tracking_uri', uri, '--experiment', 'together', cwd=work).returncode == 0  # the store still works

# ---- the registry: 2. champion promotion races, 4. a champion without our tags, 8./9. models:/ URIs ----

MODEL_FILES = ('config.json', 'vocabs.json', 'model.safetensors')

def trained_folder(demo, folder:Path, uri:str, f1:float, dataset:str='data') -> Path:
    "A copy of the demonstration model with a run of its own in the store at `uri`, of best validation F1 `f1`."
    from mlflow import MlflowClient
    from ner_bilstm_crf.learner import experiment_id
    folder.mkdir(parents=True)
    for f in MODEL_FILES: shutil.copy(demo['model']/f, folder/f)
    client = MlflowClient(uri)
    run = client.create_run(experiment_id(client, 'registry'))
    client.log_metric(run.info.run_id, 'best_valid_f1', f1); client.set_tag(run.info.run_id, 'dataset', dataset)
    client.set_terminated(run.info.run_id)
    (folder/'mlflow_run.json').write_text(json.dumps(dict(tracking_uri=uri, run_id=run.info.run_id)))
    return folder

def test_champion_promotion_is_one_critical_section(demo, tmp_path, monkeypatch):
    import ner_bilstm_crf.registry as predict
    from mlflow import MlflowClient
    uri = f"sqlite:///{tmp_path}/m.db"
    better, worse = (trained_folder(demo, tmp_path/name, uri, f1) for name, f1 in (('better', 0.5), ('worse', 0.1)))
    a_inside, b_at_lock, results = threading.Event(), threading.Event(), {}
    real_lock, real_promotion = predict.champion_lock, predict.promotion
    def lock(*args):
        if threading.current_thread().name == 'worse': b_at_lock.set()
        return real_lock(*args)
    def promotion(*args):  # the better job holds the lock, and waits there until the worse job is at it
        if threading.current_thread().name == 'better': a_inside.set(); assert b_at_lock.wait(120)
        return real_promotion(*args)
    monkeypatch.setattr(predict, 'champion_lock', lock); monkeypatch.setattr(predict, 'promotion', promotion)
    def job(folder): results[folder.name] = predict.register_tagger(folder, 'tagger')
    first = threading.Thread(target=job, args=(better,), name='better'); first.start()
    assert a_inside.wait(120)
    second = threading.Thread(target=job, args=(worse,), name='worse'); second.start()
    first.join(120); second.join(120)
    assert results['better']['alias'] == 'champion' and results['worse']['alias'] == 'challenger', results
    assert "does not beat the champion's (version" in results['worse']['summary']
    client = MlflowClient(uri, registry_uri=uri)
    assert int(client.get_model_version_by_alias('tagger', 'champion').version) == results['better']['version']
    assert int(client.get_model_version_by_alias('tagger', 'challenger').version) == results['worse']['version']

def test_champion_without_our_tags(demo, work):
    from mlflow import MlflowClient
    uri = f"sqlite:///{work}/m.db"
    by_hand = trained_folder(demo, work/'by_hand', uri, 0.9)
    run_id = json.loads((by_hand/'mlflow_run.json').read_text())['run_id']
    from ner_bilstm_crf.predict import log_tagger
    client = MlflowClient(uri, registry_uri=uri)
    client.create_registered_model('tagger')
    hand = client.create_model_version('tagger', f"{client.get_run(run_id).info.artifact_uri}/model", run_id=run_id)  # no tags
    client.set_registered_model_alias('tagger', 'champion', hand.version)
    res = cli('train', *FAST, '--output_dir', 'out', '--tracking_uri', uri, '--registered_model', 'tagger', cwd=work)
    assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr[-3000:]
    assert f"challenger: the champion (version {hand.version}) has no dataset or best_valid_f1 tag" in res.stdout, res.stdout
    assert str(client.get_model_version_by_alias('tagger', 'champion').version) == str(hand.version)
    assert int(client.get_model_version_by_alias('tagger', 'challenger').version) == int(hand.version) + 1

@pytest.fixture
def registered(demo, tmp_path):
    "A store holding the demonstration model registered as 'tagger' (version 1, champion): its URI."
    from ner_bilstm_crf.predict import register_tagger
    uri = f"sqlite:///{tmp_path}/registry.db"
    assert register_tagger(trained_folder(demo, tmp_path/'registered', uri, 0.3), 'tagger')['alias'] == 'champion'
    return uri

def predict_cli(*args, cwd, env=None, **kwargs):
    env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k != 'MLFLOW_TRACKING_URI'}  # the default store is the working folder's
    return subprocess.run(['ner-bilstm-crf', 'predict', *map(str, args), '--no-progress'], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300, **kwargs)

def test_registered_model_is_downloaded_once_per_version(registered, tmp_path):
    (tmp_path/'tmp').mkdir(); (tmp_path/'in.txt').write_text("Justin Bieber is in Los Angeles\n")
    for _ in range(3):
        res = predict_cli('models:/tagger@champion', 'in.txt', '-o', 'out.jsonl', '--tracking_uri', registered, cwd=tmp_path, env=dict(TMPDIR=str(tmp_path/'tmp')))
        assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr[-3000:]
    cache, = (tmp_path/'tmp').iterdir()  # no temporary copy per call: one cached copy of version 1
    assert cache.name.startswith('ner_bilstm_crf-models-') and [p.name.split('-')[:2] for p in cache.iterdir()] == [['tagger', 'v1']]

def test_unknown_registered_model(registered, tmp_path):
    (tmp_path/'in.txt').write_text("Paris is nice\n")
    check_user_error(predict_cli('models:/does-not-exist@champion', 'in.txt', cwd=tmp_path), "models:/does-not-exist@champion: there is no tracking store mlruns.db")
    assert not (tmp_path/'mlruns.db').exists(), "a missing store was created"
    check_user_error(predict_cli('models:/does-not-exist@champion', 'in.txt', '--tracking_uri', registered, cwd=tmp_path),
                     f"models:/does-not-exist@champion: not in the registry at {registered}")
    check_user_error(predict_cli('models:/tagger@nobody', 'in.txt', '--tracking_uri', registered, cwd=tmp_path), "models:/tagger@nobody: not in the registry")
    assert not (tmp_path/'out.jsonl').exists() and not (tmp_path/'predictions.jsonl').exists()

# ---- 3. exported (ONNX) folders are fingerprinted ----

@pytest.fixture(scope='module')
def exported(demo, tmp_path_factory):
    "The demonstration model exported to ONNX."
    out = tmp_path_factory.mktemp('export')/'onnx'
    res = cli('export', demo['model'], '-o', out, cwd=out.parent)
    assert res.returncode == 0, res.stderr[-3000:]
    return out

def test_exported_files_are_checked_against_each_other(exported, demo, tmp_path):
    (tmp_path/'in.txt').write_text("Justin Bieber is in Los Angeles\n")
    assert oct(os.stat(exported/'crf.safetensors').st_mode & 0o777) == oct(0o666 & ~umask_now())
    swapped = tmp_path/'swapped'; shutil.copytree(exported, swapped)
    vocabs = json.loads((swapped/'vocabs.json').read_text()); tags = vocabs['tags']['itos']; tags[1], tags[2] = tags[2], tags[1]
    (swapped/'vocabs.json').write_text(json.dumps(vocabs))
    check_user_error(predict_cli(swapped, 'in.txt', '-o', 'out.jsonl', cwd=tmp_path), f"{swapped/'vocabs.json'} is not the file this model was exported with")
    other = tmp_path/'other'; shutil.copytree(exported, other)
    vocabs['tags']['itos'] = tags[:3]; (other/'vocabs.json').write_text(json.dumps(vocabs))  # another model's vocabularies
    check_user_error(predict_cli(other, 'in.txt', '-o', 'out.jsonl', cwd=tmp_path), "the files come from different models")
    assert not (tmp_path/'out.jsonl').exists()

def umask_now() -> int:
    from ner_bilstm_crf.data import umask
    return umask()

# ---- 5. the UI process ----

def test_ui_on_a_busy_port(demo, tmp_path):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0)); taken.listen(); port = taken.getsockname()[1]
        check_user_error(cli('ui', demo['model'], '--port', port, cwd=tmp_path, timeout=120), f"port={port}: 127.0.0.1:{port} is in use")

def test_ui_stops_its_server_on_sigterm(demo, tmp_path):
    import urllib.request
    (tmp_path/'tmp').mkdir()
    port = free_port()
    ui = subprocess.Popen(['ner-bilstm-crf', 'ui', str(demo['model']), '--port', str(port)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, 'TMPDIR': str(tmp_path/'tmp')}, start_new_session=True)
    try:
        for _ in range(600):
            assert ui.poll() is None, ui.communicate()[1][-3000:]
            try: urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1); break
            except OSError: time.sleep(0.2)
        else: pytest.fail("the UI did not answer")
        assert [p.name for p in (tmp_path/'tmp').iterdir()], "the UI's script is in its temporary folder while it runs"
        ui.send_signal(signal.SIGTERM)  # to the verb only, not to its process group
        out, err = ui.communicate(timeout=60)
    finally:
        if ui.poll() is None: os.killpg(ui.pid, signal.SIGKILL); ui.wait()
    assert 'Traceback' not in err, err[-3000:]
    with socket.socket() as s: assert s.connect_ex(('127.0.0.1', port)) != 0, "the Streamlit server outlived the verb"
    assert list((tmp_path/'tmp').iterdir()) == [], "the temporary script was left behind"

# ---- 6. a full disk ----

def full_disk(*args, **kwargs): raise OSError(errno.ENOSPC, 'No space left on device')

def no_temporary_files(folder:Path) -> list[str]:
    return [str(p) for p in folder.rglob('*') if p.name.startswith('.') and ('tmp' in p.name or 'download' in p.name)]

def test_full_disk_at_the_model_save(work, capsys, monkeypatch):
    assert cli('train', *FAST, '--output_dir', 'out', '--tracking_uri', f"sqlite:///{work}/m.db", cwd=work).returncode == 0
    before = snapshot(work/'out')
    from safetensors import SafetensorError
    import ner_bilstm_crf.tagger as tagger
    def half_written(tensors, path, metadata=None):
        Path(path).write_bytes(b'half'); raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: "No space left on device" })')
    monkeypatch.setattr(tagger, 'save_file', half_written)
    monkeypatch.chdir(work)
    res = in_process(['train', *FAST, '--output_dir', 'out', '--tracking_uri', f"sqlite:///{work}/m.db"], capsys, monkeypatch)
    check_user_error(res, "out: cannot write it (the disk is full)")
    after = snapshot(work/'out')
    assert {f: after[f] for f in MODEL_FILES} == {f: before[f] for f in MODEL_FILES}, "the old model was spoiled"
    assert no_temporary_files(work/'out') == []

def test_full_disk_at_the_checkpoint(work, capsys, monkeypatch):
    uri = f"sqlite:///{work}/m.db"
    assert cli('train', *FAST, '--output_dir', 'run', '--tracking_uri', uri, cwd=work).returncode == 0
    ckpt = work/'run'/'checkpoints'/'last.pt'; old = ckpt.read_bytes()
    assert oct((work/'run'/'model.safetensors').stat().st_mode & 0o777) == oct(0o666 & ~umask_now())  # readable by a serving user
    import torch
    real_save = torch.save
    def half_written(obj, path, *args, **kwargs):
        Path(path).write_bytes(b'half')
        raise RuntimeError('[enforce fail at inline_container.cc:626] . PytorchStreamWriter failed writing file data/2: file write failed')
    monkeypatch.setattr(torch, 'save', half_written); monkeypatch.chdir(work)
    res = in_process(['train', '--output_dir', 'run', '--resume', '--epochs', '2', '--no-progress', '--tracking_uri', uri], capsys, monkeypatch)
    monkeypatch.setattr(torch, 'save', real_save)
    check_user_error(res, f"{Path('run')/'checkpoints'/'last.pt'}: cannot write it (the disk is full)")
    assert ckpt.read_bytes() == old and no_temporary_files(work/'run') == []

def test_full_disk_at_the_export(demo, tmp_path, capsys, monkeypatch):
    import safetensors.numpy
    monkeypatch.setattr(safetensors.numpy, 'save_file', full_disk)
    monkeypatch.chdir(tmp_path)
    check_user_error(in_process(['export', demo['model'], '-o', 'onnx'], capsys, monkeypatch), "onnx: cannot write it (the disk is full)")
    assert list(tmp_path.iterdir()) == []

def test_full_disk_at_the_predict_output(demo, tmp_path, capsys, monkeypatch):
    import ner_bilstm_crf.predict_files as predict
    (tmp_path/'in.txt').write_text("Paris is nice\n"); (tmp_path/'out.jsonl').write_text("old\n")
    def half_written(rows, path): Path(path).write_text('{"text": '); full_disk()
    monkeypatch.setattr(predict, 'write_jsonl', half_written); monkeypatch.chdir(tmp_path)
    check_user_error(in_process(['predict', demo['model'], 'in.txt', '-o', 'out.jsonl', '--no-progress'], capsys, monkeypatch),
                     "out.jsonl: cannot write it (the disk is full)")
    assert (tmp_path/'out.jsonl').read_text() == "old\n" and no_temporary_files(tmp_path) == []

def test_full_disk_in_the_cache_dir(work, capsys, monkeypatch):
    import ner_bilstm_crf.loader as loader
    monkeypatch.setattr(loader, '_write_encoded', full_disk); monkeypatch.chdir(work)
    res = in_process(['train', *FAST, '--output_dir', 'out', '--cache_dir', 'cache', '--tracking_uri', f"sqlite:///{work}/m.db"], capsys, monkeypatch)
    check_user_error(res, f"{Path('cache')/'train-'}", "cannot write it (the disk is full)")
    assert no_temporary_files(work/'cache') == [] and not (work/'out'/'model.safetensors').exists()

def test_full_disk_in_the_tracking_store(work, capsys, monkeypatch):
    "The disk fills while an epoch's metrics are logged: one line naming the store; the model folder stays one that loads."
    from mlflow.exceptions import MlflowException
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    uri = f"sqlite:///{work}/m.db"
    assert cli('train', *FAST, '--output_dir', 'out', '--tracking_uri', uri, cwd=work).returncode == 0
    before, real_log_batch = snapshot(work/'out'), SqlAlchemyStore.log_batch
    def filling(self, run_id, metrics=(), params=(), tags=()):
        if metrics: raise MlflowException('(sqlite3.OperationalError) database or disk is full')  # what SQLite says on ENOSPC
        return real_log_batch(self, run_id, metrics=metrics, params=params, tags=tags)
    monkeypatch.setattr(SqlAlchemyStore, 'log_batch', filling); monkeypatch.chdir(work)
    res = in_process(['train', *FAST, '--output_dir', 'out', '--tracking_uri', uri], capsys, monkeypatch)
    check_user_error(res, f"{work/'m.db'}: cannot write it (the disk is full)")
    from ner_bilstm_crf.tagger import BiLSTMCRF
    assert set(snapshot(work/'out')) >= set(before) and no_temporary_files(work/'out') == []
    assert BiLSTMCRF.load(work/'out').config.hidden_size == 8  # the best model so far was saved whole, as after any failed epoch

# ---- 7. --resume after the training file changed ----

def test_resume_after_the_training_data_changed(work):
    uri = f"sqlite:///{work}/m.db"
    shutil.copytree(work/'data', work/'d2')
    assert cli('train', *FAST, '--dataset', 'd2', '--output_dir', 'run', '--tracking_uri', uri, cwd=work).returncode == 0
    before = snapshot(work/'run')
    with open(work/'d2'/'train.txt', 'a') as f: f.write("\nZanzibarian\tB-location\nwords\tO\n\n")  # a grown vocabulary
    check_user_error(cli('train', '--output_dir', 'run', '--resume', '--epochs', '2', '--no-progress', cwd=work),
                     f"{Path('run')/'checkpoints'/'last.pt'}: resume=True, but the training data changed since this checkpoint")
    after = snapshot(work/'run')
    assert {k: v for k, v in after.items() if k != 'train_config.yaml'} == {k: v for k, v in before.items() if k != 'train_config.yaml'}

# ---- 10. the lesser ones ----

def test_bad_registered_model_name_before_training(work):
    res = cli('train', *FAST, '--output_dir', 'out', '--registered_model', 'bad/name', cwd=work)
    check_user_error(res, "registered_model='bad/name': not a registered model name")
    assert not (work/'out').exists() and not (work/'mlruns.db').exists()

def test_processed_cache_with_ids_out_of_range_is_rebuilt(work):
    import numpy as np
    uri = f"sqlite:///{work}/m.db"
    assert cli('train', *FAST, '--output_dir', 'a', '--cache_dir', 'cache', '--tracking_uri', uri, cwd=work).returncode == 0
    words, = (work/'cache').glob('train-*/words.bin')
    ids = np.fromfile(words, np.int32); ids[:5] = 10**6; ids.tofile(words)
    res = cli('train', *FAST, '--output_dir', 'b', '--cache_dir', 'cache', '--tracking_uri', uri, cwd=work)
    assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr[-3000:]
    assert np.fromfile(words, np.int32).max() < 10**6

def test_model_card_links_only_to_http_servers(demo, tmp_path):
    from ner_bilstm_crf.predict import NERTagger
    from ner_bilstm_crf.ui import model_card
    tagger = NERTagger.load(demo['model'], device='cpu')
    folder = tmp_path/'model'; folder.mkdir()
    for f in MODEL_FILES: shutil.copy(demo['model']/f, folder/f)
    for uri in ('javascript:alert(document.cookie)//', 'http://x/)[a](javascript:alert(1)', 'data:text/html,<script>alert(1)</script>'):
        (folder/'mlflow_run.json').write_text(json.dumps(dict(tracking_uri=uri, run_id='0' * 32)))
        assert 'run link' not in model_card(tagger, folder), uri
    (folder/'mlflow_run.json').write_text(json.dumps(dict(tracking_uri='http://127.0.0.1:5000', run_id='0' * 32)))
    assert model_card(tagger, folder)['run link'] == f"http://127.0.0.1:5000/#/runs/{'0' * 32}"

def test_evaluate_names_the_file_that_names_the_server(demo, tmp_path):
    model = tmp_path/'model'; model.mkdir()
    for f in MODEL_FILES: shutil.copy(demo['model']/f, model/f)
    port = free_port()
    (model/'mlflow_run.json').write_text(json.dumps(dict(tracking_uri=f'http://127.0.0.1:{port}', run_id='0' * 32)))
    res = cli('evaluate', model, '--splits', 'test', '--results_dir', 'r', cwd=tmp_path)
    check_user_error(res, "the tracking server does not answer", f"{model/'mlflow_run.json'} names the run and its tracking server")
    assert (tmp_path/'r'/'metrics.json').is_file()

def test_lock_of_a_live_unrelated_process(work):
    (work/'out').mkdir(); (work/'out'/'.lock').write_text(f"{os.getpid()} 1")  # this pid is alive, but did not start at tick 1
    res = cli('train', *FAST, '--output_dir', 'out', '--tracking_uri', f"sqlite:///{work}/m.db", cwd=work)
    assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr[-3000:]
    assert not (work/'out'/'.lock').exists()

def test_predict_reads_stdin(demo, tmp_path):
    (tmp_path/'tmp').mkdir()
    res = predict_cli(demo['model'], '-', '-o', 'out.jsonl', cwd=tmp_path, input="Justin Bieber is in Los Angeles\nso is Rome\n", env=dict(TMPDIR=str(tmp_path/'tmp')))
    assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr[-3000:]
    assert [json.loads(l)['text'] for l in (tmp_path/'out.jsonl').read_text().splitlines()] == ["Justin Bieber is in Los Angeles", "so is Rome"]
    assert list((tmp_path/'tmp').iterdir()) == [], "the copy of stdin was left behind"

@pytest.mark.parametrize('data, expected', [
    (b'\x1f\x8b\x08\x00' + bytes(range(256)) * 4, "in.txt:1: holds a NUL byte: a binary file"),
    (b'Paris is nice\nM\xfcnchen too \xff\xfe\n', "in.txt:2: cannot decode byte"),
])
def test_binary_predict_input(demo, tmp_path, data, expected):
    (tmp_path/'in.txt').write_bytes(data)
    check_user_error(predict_cli(demo['model'], 'in.txt', '-o', 'out.jsonl', '--input_format', 'text', cwd=tmp_path), expected)
    assert (tmp_path/'in.txt').read_bytes() == data and not (tmp_path/'out.jsonl').exists()

def test_no_break_space_inside_a_token(demo, tmp_path):
    (tmp_path/'in.conll').write_text("Prix\tO\n10\u00a0000\tO\neuros\tO\n\n", encoding='utf-8')
    res = predict_cli(demo['model'], 'in.conll', '-o', 'out.conll', '--input_format', 'conll', cwd=tmp_path)
    assert res.returncode == 0 and 'Traceback' not in res.stderr, res.stderr[-3000:]
    assert [l.split('\t')[0] for l in (tmp_path/'out.conll').read_text(encoding='utf-8').splitlines() if l] == ['Prix', '10\u00a0000', 'euros']

def test_yaml_float_without_a_dot(work):
    (work/'config.yaml').write_text("lr: 1e-3\nweight_decay: 1E-8\n")  # YAML 1.1 reads these as strings
    from ner_bilstm_crf.train import TrainConfig
    config = TrainConfig.from_args(['--config', str(work/'config.yaml')])
    assert (config.lr, config.weight_decay) == (0.001, 1e-8)
    (work/'config.yaml').write_text("lr: fast\n")
    check_user_error(cli('train', '--config', 'config.yaml', cwd=work), "config.yaml: lr='fast' is not float")
