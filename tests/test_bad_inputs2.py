"""Bad input, faults and misuse, round 2 (issue 25): concurrency, the registry, full disks, exported folders, the UI process.

As in test_bad_inputs.py, every case asserts the exit status, the one-line message, that no traceback is printed, and that
nothing was lost. The concurrency cases force their interleaving with barriers and events the test controls."""
import errno, json, os, shutil, signal, socket, subprocess, sys, textwrap, threading, time
from pathlib import Path
import pytest
from helpers import small_dataset, free_port
from test_bad_inputs import cli, snapshot, check_user_error, FAST

@pytest.fixture
def work(tmp_path):
    "A working folder with a small data set in data/; yields it, then checks the inputs are unchanged."
    small_dataset(tmp_path/'data', n_train=60, n_eval=30)
    before = snapshot(tmp_path/'data')
    yield tmp_path
    assert snapshot(tmp_path/'data') == before, "an input file was changed"

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

