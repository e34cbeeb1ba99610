"""Time to accuracy: validation and test F1 against wall-clock time and epochs, for training recipes side by side.

Usage: python bench/time_to_f1.py --configs configs/conll2003_classic.yaml configs/conll2003.yaml [--seed 1]
       [--thresholds 90 91] [--budget_min 15] [--out runs/time_to_f1] [--plot bench/time_to_f1.png] [any `train` option]
Each recipe is trained by `train` with two more callbacks: a clock that records the seconds spent training and
validating so far (scoring the test set is not counted) and stops the run after --budget_min minutes, and a test-set
scorer. Both land in each epoch's record (`seconds`, `test_f1`), so in history.json and in the run's MLflow metrics.
Prints one row per recipe: when validation F1 first reached each threshold (minutes and epoch), the best validation
F1 and the test F1 of that epoch; draws valid and test F1 against minutes for every recipe in one plot.
A recipe whose output folder already holds a finished history with `seconds` is read, not retrained (--retrain to force).
"""
import argparse, json, time
from dataclasses import replace
from pathlib import Path
import torch
from ner_bilstm_crf.data import split_files, dataset_dir, read_conll
from ner_bilstm_crf.loader import encode_corpus
from ner_bilstm_crf.learner import Callback, CancelFitException, ValidationCB, best_record
from ner_bilstm_crf.train import TrainConfig, attach_features, train

class ClockCB(Callback):
    "Record the seconds of training and validation so far as `seconds`, and stop once `budget` seconds have passed."
    order = 15  # after ValidationCB (10), before the test scorer
    def __init__(self, budget:float): self.budget, self.seconds = budget, 0.
    def before_epoch(self, learn):
        if self.seconds >= self.budget: raise CancelFitException
        self.start = time.perf_counter()
    def after_epoch(self, learn):
        self.seconds += time.perf_counter() - self.start
        learn.record['seconds'] = self.seconds

class TestF1CB(ValidationCB):
    "The test split's entity F1 after each epoch, as `test_f1`, scored after the clock has stopped."
    order = 30
    def __init__(self, config:TrainConfig):
        super().__init__(None, config.batch_size * 4, config.amp, metric='test_f1'); self.config = config
    def before_fit(self, learn):
        c = self.config
        test = split_files(dataset_dir(c.dataset))['test']
        corpus = encode_corpus(test, learn.model.vocabs, cache_dir=c.cache_dir, scheme=c.tag_scheme, encoding=c.encoding)
        self.corpus = attach_features(c, dict(test=list(read_conll(test, encoding=c.encoding))), dict(test=corpus))['test']  # a transformer recipe's test features, cached once
        super().before_fit(learn)

def run_recipe(config:TrainConfig, budget_min:float, retrain:bool) -> list[dict]:
    "The per-epoch history of `config`, trained now unless a finished one with timings exists."
    path = Path(config.output_dir)/'history.json'
    if retrain or not path.is_file() or 'seconds' not in json.loads(path.read_text())[0]:
        train(config, callbacks=[ClockCB(60 * budget_min), TestF1CB(config)])
    return json.loads(path.read_text())

def first_reached(history:list[dict], threshold:float) -> dict|None:
    "The first epoch whose validation F1 reached `threshold` (in %), or None."
    return next((h for h in history if h['valid_f1'] >= threshold), None)

def plot(curves:dict, thresholds:list[float], path:str):
    "Valid (dashed) and test (solid) F1 against minutes, one colour per recipe."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (name, history), colour in zip(curves.items(), plt.rcParams['axes.prop_cycle'].by_key()['color']):
        minutes = [h['seconds'] / 60 for h in history]
        ax.plot(minutes, [h['test_f1'] for h in history], '-o', ms=3, color=colour, label=f'{name}: test')
        ax.plot(minutes, [h['valid_f1'] for h in history], '--', color=colour, alpha=0.7, label=f'{name}: valid')
    for t in thresholds: ax.axhline(t, color='grey', lw=0.6, ls=':')
    best = max(h[k] for hs in curves.values() for h in hs for k in ('valid_f1', 'test_f1'))
    ax.set(xlabel='wall-clock minutes (training and validation)', ylabel='entity F1 (%)', ylim=(best - 8, best + 1),
           title='Time to F1')
    ax.grid(alpha=0.3); ax.legend(fontsize=8, loc='lower right'); fig.tight_layout(); fig.savefig(path, dpi=110)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog='Every other option is a `train` option (ner-bilstm-crf train --help).')
    p.add_argument('--configs', nargs='+', required=True, help='YAML recipes to compare')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--thresholds', type=float, nargs='+', default=[92, 93, 94], help='validation F1 levels, in %%')
    p.add_argument('--budget_min', type=float, default=15, help='stop each recipe after this many minutes of training')
    p.add_argument('--out', default='runs/time_to_f1', help='one model folder per recipe goes here')
    p.add_argument('--plot', default='bench/time_to_f1.png')
    p.add_argument('--retrain', action='store_true')
    args, train_options = p.parse_known_args()
    curves = {}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, seed {args.seed}, budget {args.budget_min:g} min\n")
    print('| recipe | epochs | ' + ' | '.join(f'valid F1 ≥ {t:g}: min (epoch)' for t in args.thresholds) + ' | best valid F1 (epoch, min) | its test F1 |')
    print('|---|---|' + '---|' * len(args.thresholds) + '---|---|')
    for path in args.configs:
        name = Path(path).stem
        config = replace(TrainConfig.from_args(['--config', path, *train_options]), seed=args.seed, progress=False,
                         output_dir=str(Path(args.out)/f'{name}-seed{args.seed}'))
        history = curves[name] = run_recipe(config, args.budget_min, args.retrain)
        reached = [first_reached(history, t) for t in args.thresholds]
        best = best_record(history)
        cells = ['not reached' if h is None else f"{h['seconds'] / 60:.1f} ({h['epoch']})" for h in reached]
        print(f"| {name} | {len(history)} | {' | '.join(cells)} | {best['valid_f1']:.2f} ({best['epoch']}, {best['seconds'] / 60:.1f}) "
              f"| {best['test_f1']:.2f} |", flush=True)
    plot(curves, args.thresholds, args.plot)
    print(f"\nplot: {args.plot}")

if __name__ == '__main__': main()
