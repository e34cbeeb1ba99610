"The accuracy scripts under bench/, run as a user runs them, on a small slice of WNUT-17."
import re, statistics, subprocess, sys
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
