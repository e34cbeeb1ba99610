"""What a newcomer sees on the console: the README's main job, trained for 2 epochs, then evaluated; and a run that stops
early. A progress bar and a log line never share a line, MLflow says nothing of its own, early stopping says why."""
import re, subprocess, sys
from pathlib import Path
import pytest
from helpers import small_dataset

REPO = Path(__file__).resolve().parents[1]
BAR = re.compile(r'\d+%\|.*\| \d+/\d+ \[')          # a tqdm bar
LOG_LINE = re.compile(r'\d\d:\d\d:\d\d (epoch|best|no better|GloVe|writing)')  # a line of the run's log
NOISE = ('INFO mlflow', 'alembic', 'Downloading artifacts', 'Add type hints', 'Warning', '\x1b[', 'Traceback')

def run(args:list[str], cwd:Path) -> str:
    "Run the CLI as the README does; its stdout and stderr together, as a terminal shows them (bytes, with every \\r)."
    done = subprocess.run(['ner-bilstm-crf', *args], cwd=cwd, capture_output=True, timeout=1200)
    out = done.stdout.decode() + done.stderr.decode()
    assert done.returncode == 0, out[-3000:]
    return out

def segments(out:str) -> list[str]:
    "Every piece of the console output between line breaks and carriage returns: what a terminal line showed at some time."
    return [s for line in out.split('\n') for s in line.split('\r') if s.strip()]

def check_console(out:str):
    "No bar shares a line with a log line, and nothing of MLflow's own shows."
    for s in segments(out):
        assert not (BAR.search(s) and LOG_LINE.search(s)), f"a bar and a log line share a line: {s!r}"
        if LOG_LINE.search(s): assert LOG_LINE.match(s), f"a log line starts after other text: {s!r}"
        assert not any(n in s for n in NOISE), f"noise on the console: {s!r}"

@pytest.fixture(scope='module')
def main_job(tmp_path_factory):
    "The README's main command with --epochs 2, in a fresh folder: the console of train and of evaluate."
    cwd = tmp_path_factory.mktemp('main_job')
    train = run(['train', '--config', str(REPO/'configs'/'wnut17.yaml'), '--epochs', '2'], cwd)
    return cwd, train, run(['evaluate', 'runs/wnut17', '--data', 'wnut17'], cwd)

def test_main_job_training_console(main_job):
    cwd, out, _ = main_job
    check_console(out)
    lines = [s.split(' ', 1)[1] for s in segments(out) if LOG_LINE.match(s)]
    assert re.fullmatch(r'GloVe: [\d,]+ of [\d,]+ word types \(\d+%\), \d+% of the training tokens', lines[1]), lines
    assert lines[0].startswith('writing the model to runs/wnut17, encoded data to processed, the log to logs, MLflow in mlruns.db') and str(cwd) in lines[0]
    epochs = [l for l in lines if l.startswith('epoch ')]
    assert [l.split(':')[0] for l in epochs] == ['epoch 1', 'epoch 2'], lines
    assert all(re.search(r'valid F1 \d+\.\d\d  lr', l) for l in epochs), epochs  # percent, two decimals
    assert re.fullmatch(r'best valid F1 \d+\.\d\d at epoch [12]', lines[-1]), lines
    assert any(BAR.search(s) and 'loss=' in s for s in segments(out)), "the bar shows the running loss"
    assert re.search(r'^MLflow model: runs:/\w+/model$', out, re.M)

def test_main_job_evaluation_console(main_job):
    _, _, out = main_job
    check_console(out)
    scores = dict(re.findall(r'^ *(\w+): precision +[\d.]+%  recall +[\d.]+%  FB1 +([\d.]+)', out, re.M))
    assert list(scores) == ['train', 'valid', 'test'] and all(0 <= float(v) <= 100 for v in scores.values()), out[:2000]
    assert re.search(r'^train: .*\(trained on: all 3,394 sentences\)$', out, re.M)
    assert re.search(r'^valid: .*\(trained on 676 of its 1,009 sentences: not a held-out score\)$', out, re.M)  # train_with_valid: 0.67
    assert not re.search(r'^ test: .*trained on', out, re.M)

def test_early_stopping_says_why(tmp_path):
    "With a learning rate of 1e-12 nothing is learnt, so the second epoch is no better and patience 1 stops the run there."
    data = small_dataset(tmp_path/'data', n_train=200, n_eval=60)
    out = run(['train', '--config', str(REPO/'configs'/'wnut17.yaml'), '--dataset', str(data), '--epochs', '5', '--patience', '1',
               '--lr', '1e-12', '--warmup', '0', '--hidden_size', '32'], tmp_path)
    check_console(out)
    lines = [s.split(' ', 1)[1] for s in segments(out) if LOG_LINE.match(s)]
    assert lines[-2:] == ['no better valid F1 for 1 epoch: stopped at epoch 2, best epoch 1', 'best valid F1 ' + lines[-1].split()[3] + ' at epoch 1'], lines
