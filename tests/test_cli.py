"Drive the installed `ner-bilstm-crf` console script from outside, as a user would."
import subprocess, sys

def cli(*args, cwd=None):
    return subprocess.run(['ner-bilstm-crf', *args], capture_output=True, text=True, cwd=cwd, timeout=300)

def test_describe_embedded_dataset(tmp_path):
    res = cli('describe', '--data', 'wnut17', '--plot', str(tmp_path/'lengths.png'), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert 'wnut17: tag scheme IOB2' in res.stdout
    assert '3394' in res.stdout and '1975' in res.stdout
    assert (tmp_path/'lengths.png').stat().st_size > 5000

def test_bad_corpus_error_names_file_and_line(tmp_path):
    for split in ('train', 'valid', 'test'): (tmp_path/f'{split}.txt').write_text("EU I-ORG\nrejects\n")
    res = cli('describe', '--data', str(tmp_path), '--plot', '', cwd=tmp_path)
    assert res.returncode == 1
    assert f"{tmp_path/'train.txt'}:2: expected a token column" in res.stderr
    assert 'Traceback' not in res.stderr

def test_unknown_verb_and_help():
    res = cli('trian')
    assert res.returncode == 1 and "unknown command 'trian'" in res.stderr
    res = cli('describe', '--help')
    assert res.returncode == 0 and 'a data set folder or embedded name' in res.stdout

def test_help_lists_every_verb_and_version():
    from ner_bilstm_crf import __version__
    res = cli('--help')
    assert res.returncode == 0, res.stderr
    for verb in ('describe', 'train', 'evaluate', 'predict'): assert f"\n  {verb} " in res.stdout, verb
    assert '--version' in res.stdout
    res = cli('--version')
    assert res.returncode == 0 and res.stdout.strip() == f"ner-bilstm-crf {__version__}"

def test_each_verb_help_names_the_verb():
    for verb in ('describe', 'train', 'evaluate', 'predict'):
        res = cli(verb, '--help')
        assert res.returncode == 0 and res.stdout.startswith(f'usage: ner-bilstm-crf {verb} '), (verb, res.stdout[:200])
    assert 'char-CNN window, in characters' in ' '.join(cli('train', '--help').stdout.split())  # every model setting is an option

def test_cli_starts_without_torch_or_mlflow():
    code = "import sys; sys.argv = ['ner-bilstm-crf', '--version']\nfrom ner_bilstm_crf.cli import main\ntry: main()\nexcept SystemExit: pass\nprint(sorted(m for m in ('torch', 'mlflow', 'pandas', 'matplotlib') if m in sys.modules))"
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert res.stdout.strip().endswith('[]'), res.stdout + res.stderr

def test_flags_say_what_they_turn_off():
    "A `--no-NAME` flag's help says that it turns NAME off, not what NAME does with '(default: True)'; a verb says what it does."
    helps = {verb: ' '.join(cli(verb, '--help').stdout.split()) for verb in ('train', 'evaluate', 'predict', 'ui')}
    assert '--no-progress turn progress off; it is on unless this flag is given: show a progress bar' in helps['train']
    assert '--no-locked_dropout turn locked_dropout off; it is on unless this flag is given: one dropout mask' in helps['train']
    assert '--no-verbose turn verbose off; it is on unless this flag is given: print the scores' in helps['evaluate']
    assert '--no-progress turn progress off' in helps['predict']
    assert all('(default: True)' not in h for h in helps.values()), helps
    assert 'Try a model in the browser' in helps['ui'] and 'exit status' not in helps['ui']

def test_predict_says_where_its_output_went(demo, tmp_path):
    (tmp_path/'texts.txt').write_text("Justin Bieber was spotted in Los Angeles\n")
    res = cli('predict', str(demo['model']), 'texts.txt', '--no-progress', cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == 'predictions written to predictions.jsonl (the default output; -o FILE writes elsewhere)'
    assert (tmp_path/'predictions.jsonl').is_file()
    res = cli('predict', str(demo['model']), 'texts.txt', '-o', 'out.conll', '--no-progress', cwd=tmp_path)
    assert res.returncode == 0 and res.stdout.strip().splitlines()[-1] == 'predictions written to out.conll', res.stdout + res.stderr
