"The house rules that code review would otherwise have to remember: data flows one way, and the front door opens."
import ast, subprocess, sys
from pathlib import Path
import pytest

ORDER = ['data', 'model', 'transformer', 'crf', 'loader', 'tagger', 'learner', 'train', 'evaluate', 'onnx', 'tokenizer', 'ner_tagger', 'display', 'registry', 'predict_files', 'predict', 'ui', 'cli']
ORDER += ['showdoc']  # the docs' show_doc renderer (nbdev is a dev dependency): it imports nothing of the package
ORDER += ['__main__']  # `python -m ner_bilstm_crf`: the CLI as a module, what torchrun starts
PACKAGE = Path(__file__).resolve().parents[1]/'ner_bilstm_crf'

def package_imports(module:str) -> set[str]:
    "The modules of the package that `module` imports, anywhere in its code."
    tree, found = ast.parse((PACKAGE/f'{module}.py').read_text()), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module: found.add(node.module.split('.')[0])
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith('ner_bilstm_crf.'): found.add(node.module.split('.')[1])
        if isinstance(node, ast.Call) and getattr(node.func, 'attr', None) == 'import_module': found.add('*dynamic*')
    return found - {'_modidx'}

@pytest.mark.parametrize('module', ORDER)
def test_module_imports_only_earlier_modules(module):
    earlier = set(ORDER[:ORDER.index(module)])
    imported = package_imports(module) - {'*dynamic*'}
    assert imported <= earlier, f"{module} imports {sorted(imported - earlier)}, which come after it"

def test_the_crf_knows_nothing_of_words():
    assert package_imports('crf') == set()

PREDICTION = ['tokenizer', 'ner_tagger', 'display', 'registry', 'predict_files', 'predict']  # notebooks 09*: predict gathers the other five

def test_evaluate_and_prediction_do_not_import_train():
    assert 'train' not in set().union(*map(package_imports, ['evaluate', *PREDICTION]))

def test_predict_gathers_the_public_names_of_the_prediction_modules():
    import importlib
    predict = importlib.import_module('ner_bilstm_crf.predict')
    parts = {m: importlib.import_module(f'ner_bilstm_crf.{m}').__all__ for m in PREDICTION[:-1]}
    assert sorted(predict.__all__) == sorted(n for names in parts.values() for n in names)
    assert all(getattr(predict, n) is getattr(importlib.import_module(f'ner_bilstm_crf.{m}'), n) for m, names in parts.items() for n in names)

def test_every_module_is_in_the_order():
    assert {p.stem for p in PACKAGE.glob('*.py')} - {'__init__', '_modidx'} == set(ORDER)

def test_front_door():
    code = ("import sys\nimport ner_bilstm_crf\nassert 'torch' not in sys.modules\n"
            "from ner_bilstm_crf import NERTagger, train, TrainConfig, load_dataset, evaluate\n"
            "print(NERTagger.__module__, train.__module__, TrainConfig.__module__, load_dataset.__module__, evaluate.__module__)")
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ['ner_bilstm_crf.ner_tagger', 'ner_bilstm_crf.train', 'ner_bilstm_crf.train', 'ner_bilstm_crf.data', 'ner_bilstm_crf.evaluate']
