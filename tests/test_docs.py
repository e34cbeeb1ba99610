"""The docs site builds: nbdev's docs step, the part of `nbdev_docs` that runs before Quarto, succeeds on a copy of the
working tree, on a machine without Quarto, and installs nothing.

`nbdev_docs` and `nbdev_proc_nbs` both start by installing Quarto (with sudo) and re-installing the package when no
`quarto` is on PATH, so the step is run here the way they run it, through `nbdev.quarto._pre_docs`, with that one
install call left out and every install path made to fail loudly. The real site is built with Quarto by
.github/workflows/deploy.yaml, from the same top-level `_quarto.yml`."""
import json, os, re, shutil, subprocess, sys, time
from fnmatch import fnmatch
from pathlib import Path
import pytest, yaml

REPO = Path(__file__).resolve().parents[1]

# Run in the copy, as `nbdev_docs` runs in a checkout. Prints what nbdev's notebook globs find, then the step's time.
DOCS_STEP = r'''
import json, shutil, time
from pathlib import Path
import nbdev.quarto as q
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from fastcore.xtras import globtastic

def refuse(*args, **kwargs): raise AssertionError(f"the docs step tried to install something: {args}")
assert shutil.which('quarto') is None, shutil.which('quarto')
q._ensure_quarto = lambda: None  # where nbdev_docs/nbdev_proc_nbs would install Quarto: processing does not need it
q.install = q.install_quarto = q.system = q._sprun = refuse  # and every way left to install something or run Quarto

cfg = get_config()
rel = lambda files: sorted(Path(f).resolve().relative_to(cfg.config_path.resolve()).as_posix() for f in files)
print('NOTEBOOKS ' + json.dumps(dict(test_and_export=rel(nbglob()),  # what plain nbdev_test and nbdev_export process
    clean=rel(globtastic(cfg.nbs_path, file_glob='*.ipynb', skip_folder_re='^[_.]')))), flush=True)  # plain nbdev_clean
t0 = time.perf_counter()
q._pre_docs(n_workers=N_WORKERS)  # nbdev_proc_nbs: _quarto.yml/nbdev.yml, _modidx.py, sidebar, notebooks into _proc/
print('DOCS-STEP ' + json.dumps(dict(seconds=time.perf_counter() - t0)))
'''
N_WORKERS = 1  # two notebook processes on two cores spin each other's torch threads (see .ci/run's nbdev_test)

def working_tree_files(repo:Path) -> list[str]:
    "The files git tracks or would track (not the ignored ones), as they are in the working tree: uncommitted work included."
    if not shutil.which('git') or not (repo/'.git').exists(): pytest.skip("needs git and a git checkout to list the working tree's files")
    out = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=repo,
                         capture_output=True, check=True).stdout.decode()
    return sorted({f for f in out.split('\0') if f and (repo/f).is_file()})  # skips files deleted but not yet committed

def path_without_quarto() -> str:
    return os.pathsep.join(d for d in os.environ.get('PATH', '').split(os.pathsep)
                           if d and not (Path(d)/'quarto').exists() and not (Path(d)/'quarto.exe').exists())

@pytest.fixture(scope='module')
def docs(tmp_path_factory):
    "Copy the working tree, run the docs step in the copy; its folder, result, the files copied and what the step printed."
    files = working_tree_files(REPO)
    root = tmp_path_factory.mktemp('docs')/REPO.name
    for f in files:
        (root/f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO/f, root/f)
    env = {**os.environ, 'PATH': path_without_quarto(), 'PYTHONPATH': str(root), 'MPLBACKEND': 'Agg'}
    env.pop('IN_TEST', None)  # where set (by a notebook running pytest), nbdev would skip building _modidx.py
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, '-c', DOCS_STEP.replace('N_WORKERS', str(N_WORKERS))], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    printed = {l.split(' ', 1)[0]: json.loads(l.split(' ', 1)[1]) for l in res.stdout.splitlines()
               if l.startswith(('NOTEBOOKS ', 'DOCS-STEP '))}
    return dict(root=root, files=files, res=res, notebooks=printed.get('NOTEBOOKS'), step=printed.get('DOCS-STEP'),
                seconds=time.perf_counter() - t0)

def succeeded(docs):
    res = docs['res']
    hint = ("\nnbdev runs only the export, show_doc and import cells of a notebook for its docs page: a test cell that "
            "mixes imports with other code runs there without the cells before it. Move its imports to the notebook's "
            "hidden import cell.") if 'Error in notebook' in res.stderr else ''
    if res.returncode != 0 or not docs['step']: pytest.fail(
        f"nbdev's docs step failed (exit {res.returncode}).{hint}\n"
        f"--- stderr (end) ---\n{res.stderr[-6000:]}\n--- stdout (end) ---\n{res.stdout[-2000:]}")
    return docs['root']/'_proc'

def notebooks(root): return sorted(p.name for p in (root/'nbs').glob('*.ipynb'))

def test_docs_step_succeeds_without_quarto_and_installs_nothing(docs):
    succeeded(docs)
    print(f"docs step: {docs['step']['seconds']:.0f} s processing, {docs['seconds']:.0f} s in all")

def test_every_notebook_is_processed(docs):
    proc, root = succeeded(docs), docs['root']
    assert notebooks(root), "no notebooks in nbs/"
    missing = [n for n in notebooks(root) if not (proc/'nbs'/n).is_file()]
    assert not missing, f"not in _proc/nbs/: {missing}"

def test_nbdev_commands_find_exactly_the_notebooks_in_nbs(docs):
    "With nbs_path = . nbdev's globs start at the repository root: nothing outside nbs/ may be a notebook."
    expected, found = [f"nbs/{n}" for n in notebooks(docs['root'])], docs['notebooks']
    assert found, f"the globs were not listed:\n{docs['res'].stderr[-3000:]}"
    assert found['test_and_export'] == expected
    assert found['clean'] == expected

TRACEBACK = re.compile(r'Traceback')
ERROR = re.compile(r'Traceback|\w*Error\b')
PROGRESS_BAR = re.compile(r'\d+%\|.*\||\d+/\d+ \[\d+:\d+|\bit/s\]|\bs/it\]')  # tqdm: " 40%|████   | 2/5 [00:01<00:02, 1.2it/s]"

def output_text(o) -> str:
    "All the text of a cell output: stream text, error name, value and traceback, every mime type's data."
    parts = [o.get('text', ''), o.get('ename', ''), o.get('evalue', ''), *o.get('traceback', [])]
    parts += [v if isinstance(v, (str, list)) else json.dumps(v) for v in o.get('data', {}).values()]
    return '\n'.join(''.join(p) if isinstance(p, list) else p for p in parts)

def test_processed_notebooks_show_no_tracebacks_or_progress_bars(docs):
    proc, bad = succeeded(docs), []
    for nb_path in sorted((proc/'nbs').glob('*.ipynb')):
        for i, cell in enumerate(json.loads(nb_path.read_text())['cells']):
            for o in cell.get('outputs', []):
                txt, first = output_text(o), ''.join(cell.get('source', '')).strip().splitlines()[:1]
                is_error = o.get('output_type') == 'error' or (o.get('name') == 'stderr' and ERROR.search(txt))
                if is_error or TRACEBACK.search(txt): bad.append(f"{nb_path.name} cell {i} {first}: error output {txt[-300:]!r}")
                if PROGRESS_BAR.search(txt): bad.append(f"{nb_path.name} cell {i} {first}: progress bar {txt[:200]!r}")
    assert not bad, '\n'.join(bad)

def test_the_top_level_quarto_yml_configures_proc(docs):
    proc, root = succeeded(docs), docs['root']
    quartos = [f for f in docs['files'] if Path(f).name in ('_quarto.yml', '_quarto.yaml')]
    assert quartos == ['_quarto.yml'], f"there must be exactly one Quarto configuration, at the top: {quartos}"
    assert (proc/'_quarto.yml').read_bytes() == (root/'_quarto.yml').read_bytes()
    cfg = yaml.safe_load((proc/'_quarto.yml').read_text())
    for f in cfg.get('metadata-files', []): assert (proc/f).is_file(), f"metadata file {f} is not in _proc/"
    for f in [cfg['format']['html']['css']]: assert (proc/f).is_file(), f"css {f} is not in _proc/"
    rendered = [p.relative_to(proc).as_posix() for p in proc.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts]
    targets = cfg['project'].get('render', ['*'])
    assert sorted(f for f in rendered if any(fnmatch(f, g) for g in targets)) == [f"nbs/{n}" for n in notebooks(root)]
    for item in cfg['website']['sidebar']['contents']:
        if isinstance(item, str): assert (proc/item).is_file(), f"sidebar entry {item} is not in _proc/"
        else: assert [f for f in rendered if fnmatch(f, item['auto'])], f"sidebar entry {item} matches no notebook"

SHOWS = re.compile(r'^\s*(?!#|test_|assert|import|from|def |class |@)[\w.\[\]\'"(), ]+\s*$')  # a last line that is a bare expression

def test_notebooks_keep_their_outputs():
    "A notebook whose cells display results is committed with them: the docs site shows only saved outputs."
    lost = []
    for path in sorted((REPO/'nbs').glob('[0-9]*.ipynb')) + [REPO/'nbs'/'index.ipynb']:
        cells = [c for c in json.loads(path.read_text())['cells'] if c['cell_type'] == 'code' and not ''.join(c['source']).startswith('#|')]
        showing = [c for c in cells if c['source'] and (SHOWS.match(c['source'][-1]) or 'print(' in ''.join(c['source']))]
        if showing and not any(c.get('outputs') for c in showing): lost.append(path.name)
    assert not lost, f"saved without outputs (run them, e.g. with execnb, and commit the results): {lost}"
