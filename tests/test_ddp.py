"Distributed training with torchrun on the CPU (gloo): two ranks train one model, as one process at twice the batch; a failing rank ends the job."
import json, os, shutil, subprocess, sys, time
from pathlib import Path
import pytest
from helpers import small_dataset, free_port

TINY = ['--epochs', '2', '--hidden_size', '16', '--char_filters', '8', '--no-progress']
LOSS_RTOL = 1e-4  # 2 ranks at batch B vs 1 process at 2B: the same batches and mean gradients; only float summation order differs

def torchrun(*args, nproc=2):
    "The torchrun command of `python -m ner_bilstm_crf` with `nproc` ranks on this machine, one thread each."
    return [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', str(nproc), '-m', 'ner_bilstm_crf', *args]

def run(cmd, cwd, timeout=600):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)

@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp('ddp')/'data', n_train=200, n_eval=60)

def histories(folder): return json.loads((Path(folder)/'history.json').read_text())

def test_two_ranks_make_one_run_and_one_model_and_resume(data, tmp_path):
    import mlflow
    from ner_bilstm_crf.predict import NERTagger
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    res = run(torchrun('train', '--dataset', str(data), *TINY, '--output_dir', 'X', '--tracking_uri', uri, '--experiment', 'ddp'), tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.count('MLflow model: runs:/') == 1, res.stdout  # rank 0 alone logs the model
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=['ddp'])
    assert len(runs) == 1 and runs.iloc[0]['params.world_size'] == '2'
    assert [p.name for p in tmp_path.iterdir() if (p/'model.safetensors').is_file()] == ['X']
    assert len(list((tmp_path/'logs').glob('*.log'))) == 1 and not (tmp_path/'X'/'.lock').exists()
    assert [h['epoch'] for h in histories(tmp_path/'X')] == [1, 2]
    tagger = NERTagger.load(tmp_path/'X', device='cpu')
    assert isinstance(tagger.predict("Justin Bieber was in Los Angeles"), list)
    # resumed under torchrun: the same run goes on to epoch 3
    res = run(torchrun('train', '--output_dir', 'X', '--resume', '--epochs', '3', '--no-progress'), tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    assert [h['epoch'] for h in histories(tmp_path/'X')] == [1, 2, 3]
    runs = mlflow.search_runs(experiment_names=['ddp'])
    assert len(runs) == 1 and runs.iloc[0]['status'] == 'FINISHED'
    client = mlflow.MlflowClient(uri)
    assert [m.step for m in client.get_metric_history(runs.iloc[0].run_id, 'valid_f1')] == [1, 2, 3]

def test_two_ranks_at_batch_b_train_as_one_process_at_2b(data, tmp_path):
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    same = ['--dataset', str(data), *TINY, '--dropout', '0', '--word_dropout', '0', '--tracking_uri', uri, '--experiment', 'cmp']
    res = run(torchrun('train', *same, '--batch_size', '8', '--output_dir', 'two'), tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    res = run([sys.executable, '-m', 'ner_bilstm_crf', 'train', *same, '--batch_size', '16', '--output_dir', 'one'], tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    two, one = histories(tmp_path/'two'), histories(tmp_path/'one')
    assert [h['epoch'] for h in two] == [h['epoch'] for h in one] == [1, 2]
    assert [h['loss'] for h in two] == pytest.approx([h['loss'] for h in one], rel=LOSS_RTOL)
    assert [h['valid_f1'] for h in two] == pytest.approx([h['valid_f1'] for h in one], abs=1e-9)

def test_a_failing_rank_ends_the_job_with_one_line(data, tmp_path):
    "Two one-rank 'nodes', each with its own copy of the data; node 1's copy has a bad tag on line 3."
    for node in ('n0', 'n1'): shutil.copytree(data, tmp_path/node/'data')
    bad = tmp_path/'n1'/'data'/'train.txt'
    lines = bad.read_text().splitlines(keepends=True); lines[2] = 'Bieber XYZ-\n'; bad.write_text(''.join(lines))
    port, env = free_port(), {**os.environ, 'OMP_NUM_THREADS': '1'}
    cmd = lambda rank: [sys.executable, '-m', 'torch.distributed.run', '--nnodes', '2', '--nproc_per_node', '1', '--node_rank', str(rank),
                        '--master_addr', '127.0.0.1', '--master_port', str(port), '-m', 'ner_bilstm_crf', 'train', '--dataset', 'data', *TINY,
                        '--output_dir', 'X', '--tracking_uri', 'sqlite:///mlruns.db', '--ddp_timeout', '30']
    start = time.monotonic()
    nodes = [subprocess.Popen(cmd(r), cwd=tmp_path/f'n{r}', env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in (0, 1)]
    try: outs = [p.communicate(timeout=240) for p in nodes]
    except subprocess.TimeoutExpired:
        for p in nodes: p.kill()
        pytest.fail("the job hung: a failing rank must end it within ddp_timeout")
    assert [p.returncode != 0 for p in nodes] == [True, True]
    ours = [[l for l in err.splitlines() if l.startswith('ner-bilstm-crf:')] for _, err in outs]
    assert len(ours[1]) == 1 and ours[1][0].startswith("ner-bilstm-crf: error: data/train.txt:3: tag 'XYZ-'"), outs[1][1][-2000:]
    assert len(ours[0]) == 1 and ours[0][0].startswith('ner-bilstm-crf: error: rank 0 of 2: another rank failed'), outs[0][1][-2000:]
    assert not any('ner_bilstm_crf/' in err for _, err in outs), "a traceback through the package"  # torchrun's own summary names no file of ours
    assert time.monotonic() - start < 200
