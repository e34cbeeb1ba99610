"""The docs site builds: nbdev's docs step, the part of `nbdev_docs` that runs before Quarto, succeeds on a copy of the
working tree, on a machine without Quarto, and installs nothing.

`nbdev_docs` and `nbdev_proc_nbs` both start by installing Quarto (with sudo) and re-installing the package when no
`quarto` is on PATH, so the step is run here the way they run it, through `nbdev.quarto._pre_docs`, with that one
install call left out and every install path made to fail loudly. The real site is built with Quarto by
.github/workflows/deploy.yaml, from the same top-level `_quarto.yml`."""
import ast, base64, json, os, re, shutil, subprocess, sys, tempfile, time
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
    clean=rel(globtastic(cfg.nbs_path, file_glob='*.ipynb', skip_folder_re='^[_.]')),  # plain nbdev_clean
    quarto_yml=rel([cfg.nbs_path/'_quarto.yml']))), flush=True)  # the one _pre_docs reads and copies into _proc/
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
    def entries(items):  # the pages and globs of the sidebar, inside its sections too
        for item in items: yield from entries(item['contents']) if isinstance(item, dict) and 'section' in item else [item]
    for item in entries(cfg['website']['sidebar']['contents']):
        if isinstance(item, str): assert (proc/item).is_file(), f"sidebar entry {item} is not in _proc/"
        else: assert [f for f in rendered if fnmatch(f, item['auto'])], f"sidebar entry {item} matches no notebook"
    pages = [f for item in entries(cfg['website']['sidebar']['contents']) for f in ([item] if isinstance(item, str) else [f for f in rendered if fnmatch(f, item['auto'])])]
    assert sorted(pages) == sorted(set(pages)) and set(pages) == {f"nbs/{n}" for n in notebooks(root)} and 'nbs/12_showdoc.ipynb' not in pages[:pages.index('nbs/11_cli.ipynb')], pages  # each page once, showdoc after the library

SHOWS = re.compile(r'^\s*(?!#|test_|assert|import|from|def |class |@)[\w.\[\]\'"(), ]+\s*$')  # a last line that is a bare expression

def test_notebooks_keep_their_outputs():
    "A notebook whose cells display results is committed with them: the docs site shows only saved outputs."
    lost = []
    for path in sorted((REPO/'nbs').glob('[0-9]*.ipynb')) + [REPO/'nbs'/'index.ipynb']:
        cells = [c for c in json.loads(path.read_text())['cells'] if c['cell_type'] == 'code' and not ''.join(c['source']).startswith('#|')]
        showing = [c for c in cells if c['source'] and (SHOWS.match(c['source'][-1]) or 'print(' in ''.join(c['source']))]
        if showing and not any(c.get('outputs') for c in showing): lost.append(path.name)
    assert not lost, f"saved without outputs (run them, e.g. with execnb, and commit the results): {lost}"

def processed(docs, name) -> list[dict]:
    "The outputs of every cell of a processed page, in order."
    nb = json.loads((succeeded(docs)/'nbs'/name).read_text())
    return [o for c in nb['cells'] for o in c.get('outputs', [])]

def png_sizes(outputs) -> list[tuple[int, int]]:
    "Width and height of every PNG among `outputs`, read from its header."
    sizes = []
    for o in outputs:
        if 'image/png' not in o.get('data', {}): continue
        png = base64.b64decode(''.join(o['data']['image/png']))
        assert png[:8] == b'\x89PNG\r\n\x1a\n', f"not a PNG: {png[:8]!r}"
        sizes.append((int.from_bytes(png[16:20], 'big'), int.from_bytes(png[20:24], 'big')))
    return sizes

def test_the_evaluation_page_shows_its_plots(docs):
    "F1 per split, F1 per type, the confusion matrix, the training curves: saved as images, so Quarto shows them."
    sizes = png_sizes(processed(docs, '07_evaluate.ipynb'))
    print(f"plots on the processed evaluation page: {sizes}")
    assert len(sizes) >= 3, f"the processed evaluation page has {len(sizes)} plots: {sizes}"
    assert all(w >= 200 and h >= 150 for w, h in sizes), f"a plot too small to read: {sizes}"

def html_tables(outputs) -> list[str]:
    return [t for o in outputs for t in re.findall(r'<table.*?</table>', ''.join(o.get('data', {}).get('text/html', '')), re.S)]

def test_the_index_page_shows_a_table(docs):
    "The home page shows the embedded data set's statistics: one row per split, the entity counts in columns."
    tables = html_tables(processed(docs, 'index.ipynb'))
    assert tables, "the processed index page carries no HTML table"
    rows = [re.sub(r'<.*?>', ' ', r).split() for r in re.findall(r'<tr.*?</tr>', tables[0], re.S)]
    assert [r[0] for r in rows[1:]] == ['train', 'valid', 'test']
    assert {'sentences', 'tokens', 'entities'} <= set(rows[0])
    assert all(int(v) > 0 for r in rows[1:] for v in r[1:3]), rows

def test_the_processed_pages_stay_small(docs):
    "Quarto renders only the notebooks (project: render); those pages must stay small enough to browse."
    sizes = {p.name: p.stat().st_size for p in (succeeded(docs)/'nbs').glob('*.ipynb')}
    print(f"processed pages: {sum(sizes.values())/1e6:.2f} MB, largest {max(sizes, key=sizes.get)} {max(sizes.values())/1e3:.0f} kB")
    assert sum(sizes.values()) < 2_000_000, sizes
    assert max(sizes.values()) < 800_000, sizes

TEMP_PATH = re.compile(r'/tmp/|/var/folders/|\\Temp\\|\btmp[a-z0-9_]{8}\b')
LOG_LINE = re.compile(r'^(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?(?:INFO|WARNING|DEBUG)\b', re.M)  # MLflow's and logging's lines

def test_processed_pages_show_no_temp_paths_or_log_lines(docs):
    proc, bad = succeeded(docs), []
    for nb_path in sorted((proc/'nbs').glob('*.ipynb')):
        for i, cell in enumerate(json.loads(nb_path.read_text())['cells']):
            for o in cell.get('outputs', []):
                if 'text/markdown' in o.get('data', {}): continue  # show_doc's signatures, not outputs
                txt = output_text(o)
                if m := TEMP_PATH.search(txt): bad.append(f"{nb_path.name} cell {i}: temp path {txt[max(0, m.start()-60):m.end()+60]!r}")
                if m := LOG_LINE.search(txt): bad.append(f"{nb_path.name} cell {i}: log line {txt[m.start():m.start()+120]!r}")
    assert not bad, '\n'.join(bad)

def test_nbdev_reads_the_top_level_quarto_yml(docs):
    "settings.ini's nbs_path is the repository root, so the `_quarto.yml` nbdev reads and copies to _proc/ is the top-level one."
    assert docs['notebooks'], f"nbdev's config was not read:\n{docs['res'].stderr[-3000:]}"
    assert docs['notebooks']['quarto_yml'] == ['_quarto.yml']
    assert not list((docs['root']/'nbs').glob('_quarto.y*ml')), "a second _quarto.yml in nbs/ would be ignored by nbdev"

SHOW_DOC = re.compile(r'^#+ (\S+)\n\n```python\n\n(.*?)\n```', re.M | re.S)  # show_doc's markdown: "### Name", then the signature

def shown_signatures(proc:Path) -> list[tuple[str, str, str]]:
    "(page, name, signature) of every symbol the processed pages document with show_doc."
    return [(p.name, name, sig.strip()) for p in sorted((proc/'nbs').glob('*.ipynb')) for c in json.loads(p.read_text())['cells']
            for o in c.get('outputs', []) for name, sig in SHOW_DOC.findall(''.join(o.get('data', {}).get('text/markdown', '')))]

def package_classes() -> set[str]:
    "The names of the classes the package's modules define, read from their source."
    return {n.name for p in (REPO/'ner_bilstm_crf').glob('*.py') for n in ast.parse(p.read_text()).body if isinstance(n, ast.ClassDef)}

def test_processed_pages_show_classes_as_classes(docs):
    "nbdev's own renderer writes `def CRF(`; settings.ini names `ClassRenderer` (12_showdoc), which writes `class CRF(`."
    sigs, classes = shown_signatures(succeeded(docs)), package_classes()
    shown = {name: sig for _, name, sig in sigs if name in classes}
    assert {'CRF', 'BiLSTMCRF', 'Tagged', 'Token', 'Sentence', 'Vocab', 'Callback', 'ClassRenderer'} <= set(shown), sorted(shown)
    wrong = [f"{page}: {sig.splitlines()[0]}" for page, name, sig in sigs if name in classes and not sig.startswith(f'class {name}(')]
    assert not wrong, "class signatures not written as classes:\n" + '\n'.join(wrong)
    assert shown['Tagged'] == ("class Tagged(\n    tags:list[str], # one tag per token\n"
                               "    scores:list[float] | None, # P(tag) of each token's tag, or None\n):")
    assert shown['Callback'] == 'class Callback():'
    functions = {name: sig for _, name, sig in sigs if name in ('load_dataset', 'predict_batches')}
    assert [s.splitlines()[0] for s in functions.values()] == [f'def {n}(' for n in functions] and len(functions) == 2, functions

# Every numbered notebook: its saved outputs (what the docs site shows) must be what its code shows now, timings and
# memory addresses masked. Those that describe a CoNLL set show it only where ../shared/data holds it.
RERUN = sorted(p.name for p in (REPO/'nbs').glob('[0-9]*.ipynb'))

def skip_without_shared_data(name:str):
    "Skip where notebook `name` shows research data from ../shared/data and this checkout has none beside it."
    if re.search(r'shared/data|_shared_data\(', (REPO/'nbs'/name).read_text()) and not any((r/'shared'/'data').is_dir() for r in (REPO, REPO.parent)):
        pytest.skip(f"{name} shows research data and ../shared/data is absent: its saved outputs cannot be reproduced")

SKIPPED_CELL = re.compile(r'^#\|\s*(notest|slow|cuda)\b', re.M)  # cells neither nbdev_test nor the saved outputs run
DURATION = re.compile(r'\d+(?:\.\d+)?\s?(?:s|ms|µs|us|min)\b')

RUN_NB = '''
import os, re, sys
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
src, out, skipped = sys.argv[1], sys.argv[2], re.compile(sys.argv[3], re.M)
os.chdir(os.path.dirname(src))
nb = read_nb(src)
shell = CaptureShell()
shell.run_cell('%matplotlib inline')
shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or bool(skipped.search(c.source)) or 'nbdev_export(' in c.source)
write_nb(nb, out)
'''

ADDRESS = re.compile(r' at 0x[0-9a-f]+')

def shown(nb_path) -> dict:
    "What each code cell shows, by cell id: stdout and results as text (durations masked), images as present, no stderr."
    def view(o):
        if o['output_type'] == 'stream': return ['stream', DURATION.sub('<time>', ''.join(o['text']))]
        if o['output_type'] == 'error': return ['error', o.get('ename'), o.get('evalue')]
        data = o.get('data', {})
        txt = {k: DURATION.sub('<time>', ''.join(v)) for k, v in data.items() if k.startswith('text/')}
        txt = {k: ADDRESS.sub('', v) for k, v in txt.items()}  # memory addresses (nbdev_clean strips them from saved outputs)
        return [o['output_type'], txt, sorted(k for k in data if k.startswith('image/'))]
    cells = json.loads(Path(nb_path).read_text())['cells']
    return {c['id']: [view(o) for o in c.get('outputs', []) if o.get('name') != 'stderr']
            for c in cells if c['cell_type'] == 'code' and not SKIPPED_CELL.search(''.join(c['source']))
            and 'nbdev_export(' not in ''.join(c['source'])}

def run_notebook(src:Path, out:Path, tmp:Path, timeout:int=300):
    "Execute `src` as the saved outputs were made (execnb, in nbs/, temp files under `tmp`), saving it with fresh outputs to `out`."
    env = {**os.environ, 'PYTHONPATH': str(REPO), 'MPLBACKEND': 'Agg', 'TMPDIR': str(tmp)}
    res = subprocess.run([sys.executable, '-c', RUN_NB, str(src), str(out), SKIPPED_CELL.pattern],
                         env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, f"{src.name} failed to run:\n{res.stderr[-4000:]}"

def output_differences(saved:dict, fresh:dict) -> list[str]:
    return [f"cell {cid}:\n  saved: {str(out)[:400]}\n  fresh: {str(fresh.get(cid))[:400]}"
            for cid, out in saved.items() if out != fresh.get(cid)]

@pytest.fixture(scope='module')
def fresh_outputs(tmp_path_factory):
    "What a notebook shows when run now (temp files in the usual temporary folder, as when its outputs were saved: the cached demo model); every notebook runs once, two at a time, started on first use."
    from concurrent.futures import ThreadPoolExecutor
    root = tmp_path_factory.mktemp('fresh')
    def run(name:str) -> dict:
        run_notebook(REPO/'nbs'/name, root/name, Path(tempfile.gettempdir()), timeout=1800)
        return shown(root/name)
    from ner_bilstm_crf.train import demo_model
    demo_model()  # trained once, before two notebooks ask for it at the same time
    with ThreadPoolExecutor(2) as pool:
        runs = {name: pool.submit(run, name) for name in RERUN}
        yield lambda name: runs[name].result()
        for f in runs.values(): f.cancel()

@pytest.mark.parametrize('name', RERUN)
def test_saved_outputs_match_what_the_code_shows(name, fresh_outputs):
    "The docs site shows saved outputs: they must be what the notebook's code shows now."
    skip_without_shared_data(name)
    diffs = output_differences(shown(REPO/'nbs'/name), fresh_outputs(name))
    assert not diffs, (f"{name}: saved outputs differ from a fresh run; refresh them with `python tests/test_docs.py nbs/{name}` "
                       f"and commit:\n" + '\n'.join(diffs))

def test_the_check_fails_on_an_altered_output(tmp_path, fresh_outputs):
    "A copy of a notebook whose saved output was changed by hand is caught, naming the cell."
    name = '09a_tokenizer.ipynb'
    skip_without_shared_data(name)
    nb = json.loads((REPO/'nbs'/name).read_text())
    cell = next(c for c in nb['cells'] if c['cell_type'] == 'code' and c.get('outputs'))
    out = cell['outputs'][0]
    if out['output_type'] == 'stream': out['text'] = ['an output nobody ran\n']
    else: out['data']['text/plain'] = ['an output nobody ran']
    altered = tmp_path/'altered.ipynb'; altered.write_text(json.dumps(nb))
    fresh = fresh_outputs(name)  # the run the check above made
    assert output_differences(shown(REPO/'nbs'/name), fresh) == []
    diffs = output_differences(shown(altered), fresh)
    assert len(diffs) == 1, diffs
    assert diffs[0].startswith(f"cell {cell['id']}:") and 'an output nobody ran' in diffs[0], diffs

if __name__ == '__main__':  # python tests/test_docs.py nbs/NAME.ipynb ...: save each notebook's outputs as a fresh run makes them
    for nb in map(Path, sys.argv[1:]):
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp)/nb.name
            run_notebook(nb.resolve(), fresh, Path(tempfile.gettempdir()), timeout=1800)  # the usual temp folder: the cached demo model
            nb_json = json.loads(fresh.read_text())
            for c in nb_json['cells']:
                if 'outputs' in c: c['outputs'] = [o for o in c['outputs'] if o.get('name') != 'stderr']
            fresh.write_text(json.dumps(nb_json, indent=1, ensure_ascii=False) + '\n')  # warnings and notes on stderr are not what the page shows
            subprocess.run(['nbdev_clean', '--fname', str(fresh)], check=True)
            staged = nb.with_name(f'.{nb.name}.fresh'); shutil.copyfile(fresh, staged); os.replace(staged, nb)
        print(f"{nb}: outputs refreshed")
