"""Start-up time of the command line and of the prediction module: median wall time of fresh Python processes.

Usage: python bench/cli_startup.py [--runs 10] [--source DIR ...]
Times, in new processes, (1) `ner-bilstm-crf --help` (the console script's code: import the CLI, print the verbs) and
(2) `import ner_bilstm_crf.predict`. With --source, each DIR is a checkout whose package is timed instead of the
installed one (put first on PYTHONPATH), so an older commit and this one are measured side by side in one run.
Prints a markdown table: source, median and min seconds of each, and which heavy libraries each imported.
"""
import argparse, os, statistics, subprocess, sys, time

HELP = "import sys; sys.argv = ['ner-bilstm-crf', '--help']\nfrom ner_bilstm_crf.cli import main\ntry: main()\nexcept SystemExit: pass"
IMPORT = "import ner_bilstm_crf.predict"
HEAVY = "\nimport sys; print('HEAVY', ','.join(m for m in ('torch', 'mlflow', 'pandas', 'matplotlib') if m in sys.modules) or '-', file=sys.stderr)"

def timed(code:str, source:str|None, runs:int) -> tuple[float, float, str]:
    "Median and least wall seconds of `runs` fresh processes running `code`, and the heavy modules it imported."
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [source, os.environ.get('PYTHONPATH')])))
    times, heavy = [], ''
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, '-c', code + HEAVY], env=env, capture_output=True, text=True, cwd=source or None)
        times.append(time.perf_counter() - t0)
        heavy = next((l.split(' ', 1)[1] for l in done.stderr.splitlines() if l.startswith('HEAVY ')), f'failed: {done.stderr[-200:]}')
    return statistics.median(times), min(times), heavy

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--runs', type=int, default=10, help='processes timed per measurement')
    p.add_argument('--source', nargs='*', default=[None], help='checkouts to time (default: the installed package)')
    args = p.parse_args()
    print(f"{args.runs} runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print("| source | `--help` median (s) | `--help` min (s) | imports | `import predict` median (s) | imports |")
    print("|---|---|---|---|---|---|")
    for source in args.source:
        h, hmin, hheavy = timed(HELP, source, args.runs)
        i, _, iheavy = timed(IMPORT, source, args.runs)
        print(f"| {source or 'installed'} | {h:.2f} | {hmin:.2f} | {hheavy} | {i:.2f} | {iheavy} |", flush=True)

if __name__ == '__main__': main()
