"Evaluate from outside the package: conlleval's numbers on fixed files, and the demonstration model scored, plotted and logged to its MLflow run."
import json, re, shutil, subprocess
from pathlib import Path
import pytest
from ner_bilstm_crf.data import Sentence, write_conll, convert_tags, read_conll
from ner_bilstm_crf.evaluate import conlleval_scores, conlleval_report, read_predictions, write_predictions, evaluate, PLOT_FILES

# Four sentences, `token gold pred`: (1) IOB1 with B- after I- of the same type, (2) a boundary error,
# (3) a type error, (4) an IOB2 entity predicted with an I- start after O (conlleval counts it as a start).
CONLL_FILE = """Sampras I-PER I-PER
Agassi B-PER I-PER
and O O
Chang I-PER I-PER

Bank B-ORG B-ORG
of I-ORG I-ORG
America I-ORG O
raised O O
rates O O

Jordan B-PER B-LOC
scored O O
30 O O
points O O

flights O O
to O O
New B-LOC I-LOC
York I-LOC I-LOC
today O O
"""
# Worked out by hand with conlleval's chunk rules (see nbs/05_evaluate.ipynb); conlleval.pl 2004-01-26 prints the same.
CONLLEVAL_OUTPUT = """processed 18 tokens with 6 phrases; found: 5 phrases; correct: 2.
accuracy:  77.78%; precision:  40.00%; recall:  33.33%; FB1:  36.36
              LOC: precision:  50.00%; recall: 100.00%; FB1:  66.67  2
              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
              PER: precision:  50.00%; recall:  25.00%; FB1:  33.33  2"""
# per sentence: (phrases, found, correct), (accuracy, precision, recall, FB1) in percent
BY_HAND = [((3, 2, 1), (75.00, 50.00, 33.33, 40.00)), ((1, 1, 0), (80.00, 0.00, 0.00, 0.00)),
           ((1, 1, 0), (75.00, 0.00, 0.00, 0.00)), ((1, 1, 1), (80.00, 100.00, 100.00, 100.00))]

@pytest.fixture
def hand_file(tmp_path):
    path = tmp_path/'hand.txt'; path.write_text(CONLL_FILE)
    return path

def test_report_equals_conlleval_output(hand_file):
    sents, pred = read_predictions(hand_file)
    assert conlleval_report(conlleval_scores([s.tags for s in sents], pred)) == CONLLEVAL_OUTPUT

@pytest.mark.parametrize('i', range(len(BY_HAND)))
def test_hand_checked_sentence(hand_file, i):
    sents, pred = read_predictions(hand_file)
    s = conlleval_scores([sents[i].tags], [pred[i]])
    counts, percents = BY_HAND[i]
    assert (s['gold'], s['found'], s['correct']) == counts
    assert [round(s[k], 2) for k in ('accuracy', 'precision', 'recall', 'f1')] == list(percents)  # percent, as conlleval

def test_per_type_counts_and_macro(hand_file):
    sents, pred = read_predictions(hand_file)
    s = conlleval_scores([s.tags for s in sents], pred)
    assert {t: (d['gold'], d['found'], d['correct']) for t, d in s['types'].items()} == {'LOC': (1, 2, 1), 'ORG': (1, 1, 0), 'PER': (4, 2, 1)}
    assert round(s['macro']['f1'], 2) == round((66.6667 + 0 + 33.3333) / 3, 2)
    assert 'micro avg' in s['report'] and 'PER' in s['report']

def test_predictions_file_round_trip(hand_file, tmp_path):
    sents, pred = read_predictions(hand_file)
    out = write_predictions(sents, pred, tmp_path/'again.txt')
    assert out.read_text() == CONLL_FILE + '\n'  # write_conll ends every sentence with a blank line

# ---- the demonstration model ----


@pytest.fixture(scope='module')
def trained(demo, tmp_path_factory):
    "The demonstration model, the embedded WNUT-17 it was trained on, its tracking URI and run, and a working folder."
    from ner_bilstm_crf.data import dataset_dir
    return dict(model=demo['model'], data=dataset_dir('wnut17'), uri=demo['uri'], cwd=tmp_path_factory.mktemp('evaluate'), run_id=demo['run_id'])

def check_results(results_dir:Path, data:Path, splits=('train', 'valid', 'test')) -> dict:
    "metrics.json agrees with the data and with seqeval on the prediction files; the plots are non-empty PNG files."
    from seqeval.metrics import f1_score
    metrics = json.loads((results_dir/'metrics.json').read_text())
    assert list(metrics['splits']) == list(splits)
    for split in splits:
        s = metrics['splits'][split]
        gold_sents = list(read_conll(data/f'{split}.txt'))
        assert s['tokens'] == sum(map(len, gold_sents))
        assert s['gold'] == sum(t.startswith('B-') for g in gold_sents for t in g.tags)  # the data is IOB2
        assert 0 <= s['correct'] <= min(s['gold'], s['found']) and 0 <= s['f1'] <= 100
        sents, pred = read_predictions(results_dir/f'predictions_{split}.txt')
        assert [x.tokens for x in sents] == [x.tokens for x in gold_sents] and [x.tags for x in sents] == [x.tags for x in gold_sents]
        assert s['f1'] == pytest.approx(100 * f1_score([x.tags for x in sents], pred), abs=1e-10)
    for name in PLOT_FILES.values():
        png = (results_dir/name).read_bytes()
        assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 5000, name
    return metrics

def logged_evaluation(uri:str, run_id:str) -> tuple[dict, set]:
    import mlflow
    client = mlflow.MlflowClient(uri)
    return client.get_run(run_id).data.metrics, {a.path for a in client.list_artifacts(run_id, 'evaluation')}

def test_evaluate_writes_plots_metrics_and_logs_to_the_run(trained, tmp_path, capsys):
    results = evaluate(str(trained['model']), dataset=str(trained['data']), results_dir=str(tmp_path/'results'))
    printed = capsys.readouterr().out
    metrics = check_results(tmp_path/'results', trained['data'])
    assert metrics['splits'] == json.loads(json.dumps(results))
    assert conlleval_report(results['test']) in printed and results['test']['report'] in printed  # the test split's reports
    assert re.search(r'processed \d+ tokens with \d+ phrases; found: \d+ phrases; correct: \d+\.', printed)
    assert all(str(tmp_path/'results'/name) in printed for name in PLOT_FILES.values())
    n_train = len(list(read_conll(trained['data']/'train.txt')))
    assert metrics['trained_on'] == {'train': n_train} and f'(trained on: all {n_train:,} sentences)' in printed  # says which split it trained on
    logged, artifacts = logged_evaluation(trained['uri'], trained['run_id'])
    assert logged['test_f1'] == pytest.approx(results['test']['f1'])
    assert logged['test_precision'] == pytest.approx(results['test']['precision'])
    assert logged['eval_valid_f1'] == pytest.approx(logged['best_valid_f1'])  # the evaluation reproduces training's score
    expected = {f'evaluation/{n}' for n in PLOT_FILES.values()} | {'evaluation/metrics.json'}
    expected |= {f'evaluation/predictions_{s}.txt' for s in ('train', 'valid', 'test')}
    assert artifacts >= expected

def test_iob1_data_gives_the_same_entity_scores(trained, tmp_path):
    iob1 = tmp_path/'iob1'
    for split in ('train', 'valid', 'test'):
        write_conll([Sentence(s.tokens, convert_tags(s.tags, 'IOB1')) for s in read_conll(trained['data']/f'{split}.txt')], iob1/f'{split}.txt')
    iob2_scores = evaluate(str(trained['model']), dataset=str(trained['data']), splits='test', results_dir=str(tmp_path/'r2'), verbose=False)
    iob1_scores = evaluate(str(trained['model']), dataset=str(iob1), splits='test', results_dir=str(tmp_path/'r1'), verbose=False)
    for k in ('gold', 'found', 'correct', 'precision', 'recall', 'f1'): assert iob1_scores['test'][k] == iob2_scores['test'][k], k
    sents, pred = read_predictions(tmp_path/'r1'/'predictions_test.txt')
    assert pred == [convert_tags(p, 'IOB1') for p in read_predictions(tmp_path/'r2'/'predictions_test.txt')[1]]

def test_model_without_mlflow_run(trained, tmp_path, capsys):
    model = shutil.copytree(trained['model'], tmp_path/'copy', ignore=shutil.ignore_patterns('mlflow_run.json', 'checkpoints'))
    evaluate(str(model), dataset=str(trained['data']), splits='test', results_dir=str(tmp_path/'results'))
    assert 'no mlflow_run.json' in capsys.readouterr().out
    check_results(tmp_path/'results', trained['data'], splits=('test',))

def test_cli_evaluate(trained):
    res = subprocess.run(['ner-bilstm-crf', 'evaluate', str(trained['model']), '--data', str(trained['data'])], capture_output=True, text=True,
                         cwd=trained['cwd'], timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert re.search(r'processed \d+ tokens with \d+ phrases; found: \d+ phrases; correct: \d+\.', res.stdout)
    metrics = check_results(trained['cwd']/'results', trained['data'])
    logged, artifacts = logged_evaluation(trained['uri'], trained['run_id'])
    assert logged['test_f1'] == pytest.approx(metrics['splits']['test']['f1'])
    assert 'evaluation/bilstm_crf_f1_scores.png' in artifacts
