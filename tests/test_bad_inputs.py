"""Bad input, faults and misuse, as a careless or unlucky user meets them on the command line.

Every case asserts the exit status, that the one-line message names the setting or the file (and the line where there is
one), that no traceback is printed, and that no file the user gave was lost or changed."""
import gzip, hashlib, json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest
from helpers import small_dataset, free_port

def cli(*args, cwd, timeout=300):
    return subprocess.run(['ner-bilstm-crf', *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)

def snapshot(folder:Path) -> dict:
    "A hash of every file under `folder`."
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob('*')) if p.is_file()}

def check_user_error(res, *expected, status=1):
    "One line (argparse adds its usage) naming what is wrong, the exit status, and no traceback."
    assert res.returncode == status, (res.returncode, res.stderr[-2000:])
    assert 'Traceback' not in res.stderr, res.stderr[-2000:]
    for text in expected: assert text in res.stderr, (text, res.stderr[-2000:])

@pytest.fixture
def work(tmp_path):
    "A working folder with a small data set in data/; yields it, then checks the inputs are unchanged."
    small_dataset(tmp_path/'data', n_train=60, n_eval=30)
    before = snapshot(tmp_path/'data')
    yield tmp_path
    assert snapshot(tmp_path/'data') == before, "an input file was changed"

FAST = ['--dataset', 'data', '--epochs', '1', '--hidden_size', '8', '--batch_size', '16', '--no-progress']

# ---- settings: refused when the config is made, before any data is read ----

@pytest.mark.parametrize('args, expected', [
    (['--epochs', 'ten'], "argument --epochs: invalid int value: 'ten'"),
    (['--patience', '0'], "patience=0: must be at least 1"),
    (['--lr_decay', '-1'], "lr_decay=-1.0: must be at least 0.0"),
    (['--clip_norm', '-5'], "clip_norm=-5.0: must be at least 0.0"),
    (['--batch_size', '0'], "batch_size=0: must be at least 1"),
    (['--amp', 'fp16', '--device', 'cpu'], "amp='fp16' needs CUDA"),
    (['--encoding', 'utf-99'], "encoding='utf-99' is not a text encoding"),
    (['--tag_scheme', 'BILOU'], "tag_scheme='BILOU' is not one of"),
    (['--optimizer', 'sdg'], "optimizer='sdg' is not one of ('sgd', 'adam', 'nadam')"),
    (['--dropout', '1.5'], "dropout=1.5: must be below 1"),
    (['--momentum', '1'], "momentum=1.0: must be below 1"),
    (['--lr', 'nan'], "lr=nan is not a finite number"),
    (['--dataset', 'no/such/folder'], "'no/such/folder' is neither a folder nor an embedded data set"),
    (['--config', 'missing.yaml'], "missing.yaml"),
])
def test_bad_setting(work, args, expected):
    res = cli('train', *args, '--output_dir', 'out', cwd=work)
    check_user_error(res, expected, status=2 if 'invalid int' in expected else 1)
    assert not (work/'out').exists() and not (work/'mlruns.db').exists(), "a refused run left files behind"

@pytest.mark.parametrize('text, expected', [
    ("epochs: ten\n", "config.yaml: epochs='ten' is not int"),
    ("epochs: true\n", "config.yaml: epochs=True is not int"),
    ("epochs: 1.5\n", "config.yaml: epochs=1.5 is not int"),
    ("batchsize: 8\n", "config.yaml: unknown setting(s) batchsize"),
    ("epochs: [1\n", "config.yaml: not valid YAML"),
    ("- epochs\n", "config.yaml: expected a mapping of settings"),
])
def test_bad_recipe(work, text, expected):
    (work/'config.yaml').write_text(text)
    check_user_error(cli('train', '--config', 'config.yaml', cwd=work), expected)

# ---- files: named with their line ----

def test_bad_corpus_line(work):
    bad = work/'bad'; shutil.copytree(work/'data', bad)
    (bad/'train.txt').write_text("EU\tB-ORG\nrejects\tO\nGerman\tMISC\n\n")
    check_user_error(cli('train', *FAST, '--dataset', 'bad', cwd=work), "bad/train.txt:3: tag 'MISC' is not one of")

def test_valid_type_unknown_to_train(work):
    odd = work/'odd'; shutil.copytree(work/'data', odd)
    (odd/'train.txt').write_text("EU\tB-ORG\nrejects\tO\n\n")
    (odd/'valid.txt').write_text("-DOCSTART- O\n\nParis\tO\nis\tO\nin\tO\nFrance\tB-LOC\n\n")
    check_user_error(cli('train', *FAST, '--dataset', 'odd', '--output_dir', 'out', cwd=work), "odd/valid.txt:6: sentence 1: tag 'S-LOC' is not in the tag vocabulary")

def test_non_finite_vectors(work):
    (work/'vectors.txt').write_text("the 0.1 0.2\n@paulwalk nan 0.1\n")
    check_user_error(cli('train', *FAST, '--embeddings', 'vectors.txt', '--output_dir', 'out', cwd=work),
                     "vectors.txt:2: the vector of '@paulwalk' holds a non-finite value")
    assert not (work/'out'/'model.safetensors').exists()

def test_truncated_gzip_vectors(work):
    whole = gzip.compress(''.join(f"w{i} {i / 7:.5f} {i / 3:.5f}\n" for i in range(5000)).encode())
    (work/'v.txt.gz').write_bytes(whole[:len(whole) // 2])
    check_user_error(cli('train', *FAST, '--embeddings', 'v.txt.gz', '--output_dir', 'out', cwd=work), "v.txt.gz", "cannot read the vectors file")

def test_unwritable_output_dir(work):
    (work/'a_file').write_text('not a folder')
    check_user_error(cli('train', *FAST, '--output_dir', 'a_file/model', cwd=work), "a_file")
    assert (work/'a_file').read_text() == 'not a folder'

def test_resume_without_checkpoint(work):
    check_user_error(cli('train', *FAST, '--output_dir', 'nothing', '--resume', cwd=work), "resume=True but there is no checkpoint at")

def test_resume_keeps_the_runs_settings(work):
    assert cli('train', *FAST, '--output_dir', 'run', '--tracking_uri', f"sqlite:///{work}/m.db", cwd=work).returncode == 0
    check_user_error(cli('train', *FAST, '--output_dir', 'run', '--resume', '--hidden_size', '16', '--tracking_uri', f"sqlite:///{work}/m.db", cwd=work),
                     "resume=True, but hidden_size=16 where the run has 8")
    res = cli('train', '--output_dir', 'run', '--resume', '--epochs', '2', '--no-progress', cwd=work)  # the saved settings come back
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads((work/'run'/'history.json').read_text())[-1]['epoch'] == 2
    ckpt = work/'run'/'checkpoints'/'last.pt'
    ckpt.write_bytes(ckpt.read_bytes()[:3000])
    check_user_error(cli('train', '--output_dir', 'run', '--resume', '--epochs', '3', '--no-progress', cwd=work), "last.pt: not a readable checkpoint")

# ---- faults ----

def test_dead_tracking_server_fails_fast(work):
    port, start = free_port(), time.perf_counter()  # nothing listens there
    res = cli('train', *FAST, '--output_dir', 'out', '--tracking_uri', f'http://127.0.0.1:{port}', cwd=work, timeout=120)
    assert time.perf_counter() - start < 30
    check_user_error(res, f"tracking_uri='http://127.0.0.1:{port}': the tracking server does not answer")

HELD_TRAIN = """
import pathlib, sys, time
import ner_bilstm_crf.learner as learner
started, release = map(pathlib.Path, sys.argv[1:3])
one_batch = learner.Learner.one_batch
def held(self):
    one_batch(self)
    if not started.exists():  # the first batch is done: say so, then wait for the test's word
        started.touch()
        while not release.exists(): time.sleep(0.01)
learner.Learner.one_batch = held
from ner_bilstm_crf.cli import main
sys.argv = ['ner-bilstm-crf', *sys.argv[3:]]
main()
"""

def test_busy_output_dir_is_refused_and_runs_stay_apart(work):
    "The first run is certainly training (it waits after its first batch until released) when the second asks for its output_dir."
    uri, started, release = f"sqlite:///{work}/m.db", work/'first-started', work/'first-release'
    first = subprocess.Popen([sys.executable, '-c', HELD_TRAIN, str(started), str(release), 'train', *FAST, '--epochs', '2', '--output_dir', 'shared',
                              '--tracking_uri', uri, '--experiment', 'busy'], cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not started.exists():
            assert first.poll() is None, first.communicate()[1][-2000:]
            time.sleep(0.01)
        second = cli('train', *FAST, '--output_dir', 'shared', '--tracking_uri', uri, '--experiment', 'busy', cwd=work)
        check_user_error(second, "output_dir='shared' is in use by another training run")
        assert not (work/'shared'/'model.safetensors').exists(), "the refused run wrote into the busy folder"
    finally: release.touch()
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    import mlflow
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name('busy').experiment_id])
    assert len(runs) == 1, "the refused run started an MLflow run"
    assert json.loads((work/'shared'/'mlflow_run.json').read_text())['run_id'] == runs[0].info.run_id  # the folder is the first run's
    assert {a.path for a in client.list_artifacts(runs[0].info.run_id, 'best_model')} == {
        f'best_model/{f}' for f in ('config.json', 'vocabs.json', 'model.safetensors', 'train_config.yaml', 'history.json')}

def test_ctrl_c_stops_cleanly_and_says_how_to_resume(work):
    uri = f"sqlite:///{work}/m.db"
    proc = subprocess.Popen(['ner-bilstm-crf', 'train', *FAST, '--epochs', '50', '--output_dir', 'long', '--tracking_uri', uri, '--experiment', 'sigint'],
                            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ckpt = work/'long'/'checkpoints'/'last.pt'
    for _ in range(1200):
        if ckpt.exists() or proc.poll() is not None: break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert 'Traceback' not in err and '--output_dir long --resume' in err, err[-2000:]
    import mlflow
    client = mlflow.MlflowClient(uri)
    run = client.search_runs([client.get_experiment_by_name('sigint').experiment_id])[0]
    assert run.info.status == 'KILLED'
    assert not (work/'long'/'.lock').exists()

# ---- the model folder ----

@pytest.fixture
def model(demo, tmp_path):
    "A copy of the demonstration model's files, to spoil."
    folder = tmp_path/'model'; folder.mkdir()
    for f in ('config.json', 'vocabs.json', 'model.safetensors'): shutil.copy(demo['model']/f, folder/f)
    return folder

def test_truncated_weights(model, tmp_path):
    (model/'model.safetensors').write_bytes((model/'model.safetensors').read_bytes()[:5000])
    (tmp_path/'in.txt').write_text("Paris is nice\n")
    check_user_error(cli('predict', model, 'in.txt', '-o', 'out.jsonl', cwd=tmp_path), "model.safetensors: does not hold this model's weights")

def test_vocabs_of_another_model(model, tmp_path):
    vocabs = json.loads((model/'vocabs.json').read_text()); vocabs['tags']['itos'] = vocabs['tags']['itos'][:5]
    (model/'vocabs.json').write_text(json.dumps(vocabs))
    (tmp_path/'in.txt').write_text("Paris is nice\n")
    check_user_error(cli('predict', model, 'in.txt', '-o', 'out.jsonl', cwd=tmp_path), "vocabs.json", "the files come from different models")

def test_corrupt_config_json(model, tmp_path):
    (model/'config.json').write_text('{"n_words": ')
    (tmp_path/'in.txt').write_text("Paris is nice\n")
    check_user_error(cli('predict', model, 'in.txt', '-o', 'out.jsonl', cwd=tmp_path), "config.json: not valid JSON")

def test_not_a_model_folder(tmp_path):
    (tmp_path/'in.txt').write_text("Paris is nice\n")
    check_user_error(cli('predict', tmp_path, 'in.txt', '-o', 'out.jsonl', cwd=tmp_path), "is not a model folder: missing config.json")

# ---- predict: inputs and outputs ----

def test_output_that_is_the_input(model, tmp_path):
    (tmp_path/'in.txt').write_text("Paris is nice\nso is Rome\n")
    check_user_error(cli('predict', model, 'in.txt', '-o', 'in.txt', '--output_format', 'jsonl', cwd=tmp_path), "in.txt: the output is an input")
    assert (tmp_path/'in.txt').read_text() == "Paris is nice\nso is Rome\n"

def test_failed_predict_keeps_the_old_output(model, tmp_path):
    (tmp_path/'out.conll').write_text("old output\n")
    lines = ''.join(f"w{i} O\n" + ("\n" if i % 3 == 2 else '') for i in range(3000)) + "broken line with too many tags B-X B-Y\nw O BADTAG\n"
    (tmp_path/'in.conll').write_text(lines)
    check_user_error(cli('predict', model, 'in.conll', '-o', 'out.conll', '--input_format', 'conll', '--no-progress', cwd=tmp_path),
                     "in.conll:4002: tag 'BADTAG' is not one of")
    assert (tmp_path/'out.conll').read_text() == "old output\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.')] == []  # no temporary file left behind

def test_conll_with_a_bad_tag_is_not_read_as_text(model, tmp_path):
    rows = [f"tok{i} {'B-ORG' if i != 5 else 'B-'}" for i in range(30)]
    (tmp_path/'in.txt').write_text('\n'.join(r + ('\n' if i % 6 == 5 else '') for i, r in enumerate(rows)) + '\n')
    res = cli('predict', model, 'in.txt', '-o', 'out.jsonl', '--no-progress', cwd=tmp_path)
    check_user_error(res, "in.txt: read as conll (detected", "in.txt:6: tag 'B-' is not one of")

def test_text_ending_in_O_is_read_as_text(model, tmp_path):
    (tmp_path/'in.txt').write_text("I went to see the Big O\n" * 30)
    res = cli('predict', model, 'in.txt', '-o', 'out.jsonl', '--no-progress', cwd=tmp_path)
    assert res.returncode == 0 and 'read as text (detected' in res.stderr, res.stderr[-2000:]
    assert len((tmp_path/'out.jsonl').read_text().splitlines()) == 30

@pytest.mark.parametrize('args, expected', [
    (['--batch_size', '0'], "batch_size=0: must be at least 1"),
    (['--max_tokens', '0'], "max_tokens=0: must be at least 1"),
    (['-o', 'out.csv'], "cannot tell the output format from 'out.csv'"),
    (['--scheme', 'BILOU'], "scheme='BILOU' is not one of"),
    (['--encoding', 'utf-99'], "utf-99"),
])
def test_bad_predict_option(model, tmp_path, args, expected):
    (tmp_path/'in.txt').write_text("Paris is nice\n")
    check_user_error(cli('predict', model, 'in.txt', *(['-o', 'out.jsonl'] if '-o' not in args else []), *args, cwd=tmp_path), expected)

def test_missing_input(model, tmp_path):
    check_user_error(cli('predict', model, 'nothing.txt', cwd=tmp_path), "no input file nothing.txt")

def test_python_api_type_errors(demo):
    from ner_bilstm_crf.predict import NERTagger
    tagger = NERTagger.load(demo['model'], device='cpu')
    for bad in (b'Paris', {'text': 'Paris'}):
        with pytest.raises(TypeError, match=f"predict takes a text, a list of texts or a list of token lists, not {type(bad).__name__}"): tagger.predict(bad)

# ---- evaluate ----

def test_evaluate_on_data_with_other_types(model, tmp_path):
    other = tmp_path/'other'; other.mkdir()
    for split in ('train', 'valid', 'test'): (other/f'{split}.txt').write_text("EU B-ORGANISATION\nrejects O\n\n")
    check_user_error(cli('evaluate', model, '--data', other, '--results_dir', 'r', cwd=tmp_path), "entity types (ORGANISATION) are none of the model's")

def test_evaluate_unknown_split(model, tmp_path):
    check_user_error(cli('evaluate', model, '--splits', 'dev', cwd=tmp_path), "splits 'dev': use a comma-separated list of train, valid, test")

def test_evaluate_with_a_dead_tracking_server_keeps_its_scores(model, tmp_path):
    port = free_port()
    (model/'mlflow_run.json').write_text(json.dumps(dict(tracking_uri=f'http://127.0.0.1:{port}', run_id='0' * 32)))
    start = time.perf_counter()
    res = cli('evaluate', model, '--splits', 'test', '--results_dir', 'r', cwd=tmp_path)
    assert time.perf_counter() - start < 60
    check_user_error(res, "the tracking server does not answer")
    assert 'FB1' in res.stdout and json.loads((tmp_path/'r'/'metrics.json').read_text())['splits']['test']['tokens'] > 0

def test_debug_shows_the_traceback(work):
    res = cli('--debug', 'train', '--patience', '0', cwd=work)
    assert res.returncode == 1 and 'Traceback' in res.stderr and 'patience=0' in res.stderr
