"""Accuracy of a training recipe over several seeds: test entity F1 (conlleval) as mean and standard deviation.

Usage: python bench/accuracy.py --config configs/conll2003.yaml --seeds 1 2 3 [--out runs/accuracy] [any `train` option, e.g. --epochs N --tag_scheme IOB2]
Trains one model per seed with `train` (every run tracked in MLflow, experiment from the config), scores the
best model of each with `evaluate` on the valid and test splits, and prints a markdown table: seed, epochs
run, best epoch, valid F1, test F1, wall time, device; then the mean and standard deviation over seeds.
Runs whose output folder already holds a finished model are evaluated, not retrained (--retrain to force); their wall
time reads 'earlier run'.
"""
import argparse, json, platform, statistics, time
from dataclasses import replace
from pathlib import Path
import torch
from ner_bilstm_crf.train import TrainConfig, train
from ner_bilstm_crf.tagger import resolve_device
from ner_bilstm_crf.evaluate import evaluate
from ner_bilstm_crf.learner import best_record

def cpu_name() -> str:
    "The CPU model, from /proc/cpuinfo where there is one."
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def device_name(config:TrainConfig) -> str:
    device = resolve_device(config.device)
    if device.type == 'cuda': return torch.cuda.get_device_name(device)
    return f"{cpu_name()} x{torch.get_num_threads()} threads"

def run_seed(config:TrainConfig, retrain:bool) -> dict:
    "Train (unless finished before) and evaluate one seed."
    out = Path(config.output_dir)
    trained = retrain or not (out/'history.json').is_file()
    t0 = time.perf_counter()
    if trained: train(config)
    wall = time.perf_counter() - t0 if trained else None
    history = json.loads((out/'history.json').read_text())
    scores = evaluate(str(out), config.dataset, splits='valid,test', encoding=config.encoding,
                      results_dir=str(out/'results'), device=config.device, verbose=False)
    best = best_record(history)
    return dict(seed=config.seed, epochs=len(history), best_epoch=best['epoch'], valid_f1=scores['valid']['f1'],
                test_f1=scores['test']['f1'], wall_min=wall and wall / 60)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog='Every other option is a `train` option (ner-bilstm-crf train --help).')
    p.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    p.add_argument('--out', default=None, help='folder of the per-seed models (default: the recipe\'s output_dir)')
    p.add_argument('--retrain', action='store_true', help='train again even where a finished model exists')
    args, train_options = p.parse_known_args()
    base = TrainConfig.from_args(train_options)
    out = Path(args.out or base.output_dir)
    rows = []
    print(f"{' '.join(train_options)}: {base.dataset}, {base.tag_scheme} tags, device {device_name(base)}\n")
    print("| seed | epochs | best epoch | valid F1 | test F1 | wall (min) |")
    print("|---|---|---|---|---|---|")
    for seed in args.seeds:
        row = run_seed(replace(base, seed=seed, output_dir=str(out/f'seed{seed}')), args.retrain)
        rows.append(row)
        wall = 'earlier run' if row['wall_min'] is None else f"{row['wall_min']:.1f}"
        print(f"| {seed} | {row['epochs']} | {row['best_epoch']} | {row['valid_f1']:.2f} | {row['test_f1']:.2f} | {wall} |", flush=True)
    test = [r['test_f1'] for r in rows]
    valid = [r['valid_f1'] for r in rows]
    sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0
    print(f"\ntest F1 {statistics.mean(test):.2f} ± {sd(test):.2f}, valid F1 {statistics.mean(valid):.2f} ± {sd(valid):.2f} over {len(rows)} seed(s)")

if __name__ == '__main__': main()
