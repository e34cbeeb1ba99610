"The README is made from nbs/index.ipynb and gives exactly the two commands CI runs."
import json, re, subprocess, sys

def sh_blocks(text): return re.findall(r"```sh\n(.*?)\n```", text, flags=re.S)

def test_readme_matches_index_notebook(repo):
    readme = (repo/'README.md').read_text()
    nb = json.loads((repo/'nbs'/'index.ipynb').read_text())
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': assert src in readme, f"README.md lacks index.ipynb's text: {src[:80]!r}"

def test_readme_gives_two_commands_and_ci_runs_the_test_one(repo):
    commands = sh_blocks((repo/'README.md').read_text())
    assert len(commands) == 2, commands
    main_cmd, test_cmd = commands
    assert main_cmd.startswith('pip install') and 'ner-bilstm-crf' in main_cmd
    assert 'nbdev_test' in test_cmd and 'pytest' in test_cmd
    ci_lines = (repo/'.ci'/'run').read_text().splitlines()
    assert test_cmd in ci_lines, f".ci/run does not run the README's test command {test_cmd!r}"

def python_blocks(text): return re.findall(r"```python\n(.*?)\n```", text, flags=re.S)

SNIPPETS = r'''
import json, sys
from pathlib import Path
blocks, ns = json.loads(Path('blocks.json').read_text()), {}
for i, block in enumerate(blocks):
    if '../shared/data' in block and not Path('../shared/data/conll2003').is_dir():
        print(f'SKIP {i}: the CoNLL data is not in ../shared/data'); continue
    exec(compile(block, f'README snippet {i}', 'exec'), ns)
    print(f'RAN {i}', flush=True)
print('NAMES ' + json.dumps(sorted(k for k in ns if not k.startswith('_'))))
'''

def test_every_python_snippet_runs(repo, tmp_path):
    "Each ```python block of the README runs as written, in order, after the one import line of the first; in a fresh folder whose ../shared is the project's."
    blocks = python_blocks((repo/'README.md').read_text())
    assert blocks[0].startswith('from ner_bilstm_crf import ') and not any('import' in b for b in blocks[1:]), "one import line, in the first snippet"
    work = tmp_path/'work'; work.mkdir()
    if (repo.parent/'shared').is_dir(): (tmp_path/'shared').symlink_to(repo.parent/'shared')  # the CoNLL copy, read in place
    (work/'blocks.json').write_text(json.dumps(blocks))
    done = subprocess.run([sys.executable, '-c', SNIPPETS], cwd=work, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    ran = re.findall(r'^(RAN|SKIP) (\d+)', done.stdout, re.M)
    assert [int(i) for _, i in ran] == list(range(len(blocks))), done.stdout
    if not (repo.parent/'shared'/'data'/'conll2003').is_dir(): print("the CoNLL snippet was skipped: no ../shared/data/conll2003 here")
    names = set(json.loads(done.stdout.split('NAMES ', 1)[1]))
    assert {'result', 'wnut', 'conll', 'spanish', 'sentences'} <= names or 'SKIP' in done.stdout, names
    assert sorted(p.name for p in (work/'ner-work').iterdir()) == ['logs', 'mlartifacts', 'mlruns.db', 'mlruns.db.lock', 'processed', 'results', 'runs']  # workdir holds everything (the lock guards the store's first use)
    assert sorted(p.name for p in work.iterdir()) == ['blocks.json', 'ner-work']
