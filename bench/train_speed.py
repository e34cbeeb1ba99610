"""Training and decoding speed of the BiLSTM-CRF on CoNLL-2003, with our CRF and with pytorch-crf swapped in.

Usage: python bench/train_speed.py [--batches N] [--threads N] [--data ../shared/data/conll2003]
       python bench/train_speed.py --ddp [--budget_min 9] [--config configs/conll2003.yaml]
Prints a markdown table: tokens per second for a training step (forward, CRF loss, backward, SGD step)
and for decoding (forward + Viterbi), at batch sizes 32 and 128, on the CPU (fp32 and bf16 autocast) and,
where there is one, on CUDA (fp32, fp16 and bf16 autocast); the last columns are our CRF over pytorch-crf.
The model is the default recipe (char-CNN, BiLSTM 200 per direction, 50d words, BIOES tags), randomly
initialised: speed does not depend on the weights. Batches are length-bucketed as in training.

With --ddp it trains the recipe of --config for real, twice, one after the other: one process with 2 threads
(`ner-bilstm-crf train`, batch 32) and 2 processes with 1 thread each (`torchrun --nproc_per_node 2 -m ner_bilstm_crf
train`, batch 16 per rank: the same global batch of 32 and the same schedule), each for at most --budget_min minutes,
and prints tokens per second (the median epoch) and the minutes from launch to each validation F1 threshold, read from
the runs' log lines.
"""
import argparse, datetime, os, platform, re, signal, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch, torchcrf
from ner_bilstm_crf.data import _shared_data
from ner_bilstm_crf.train import TrainConfig, read_splits, run_files, build_model
from ner_bilstm_crf.tagger import to_device, autocast
from ner_bilstm_crf.loader import encode_corpus, make_loader

class PytorchCRF(torch.nn.Module):
    "pytorch-crf behind our CRF's `nll` and `decode`, with the same parameters."
    def __init__(self, ours):
        super().__init__()
        self.ref = torchcrf.CRF(ours.num_tags, batch_first=True)
        with torch.no_grad():
            for name in ('start_transitions', 'end_transitions', 'transitions'): getattr(self.ref, name).copy_(getattr(ours, name))
    def nll(self, emissions, tags, mask, reduction='mean'): return -self.ref(emissions.float(), tags, mask, reduction=reduction)
    def decode(self, emissions, mask):
        paths = self.ref.decode(emissions.float(), mask)
        out = torch.zeros(mask.shape, dtype=torch.long, device=mask.device)
        for i, p in enumerate(paths): out[i, :len(p)] = torch.tensor(p, device=mask.device)
        return out, None

def tokens_per_sec(step, batches, device, warmup=3) -> float:
    "Tokens per second of `step` over `batches` (after `warmup` batches)."
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    for b in batches[:warmup]: step(b)
    sync(); t0 = time.perf_counter()
    for b in batches[warmup:]: step(b)
    sync()
    return sum(int(b['lengths'].sum()) for b in batches[warmup:]) / (time.perf_counter() - t0)

def measure(model, batches, device, amp):
    "Training and decoding tokens per second of `model`."
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    def train_step(b):
        model.train()
        with autocast(device, amp): loss = model.loss(b)
        opt.zero_grad(); loss.backward(); opt.step()
    @torch.no_grad()
    def decode_step(b):
        model.eval()
        with autocast(device, amp): model.crf.decode(model(b), b['mask'])
    return tokens_per_sec(train_step, batches, device), tokens_per_sec(decode_step, batches, device)

EPOCH_LINE = re.compile(r"^(\d\d:\d\d:\d\d) epoch (\d+): .*valid F1 ([\d.]+).*?([\d,]+) tokens/s")

def timed_run(cmd:list[str], threads:int, folder:Path, budget_s:float) -> list[dict]:
    "Run a training command for at most `budget_s` seconds; its epochs: minutes since launch, valid F1 (percent), tokens/s."
    env = {**os.environ, 'OMP_NUM_THREADS': str(threads), 'PYTHONUNBUFFERED': '1'}
    start = datetime.datetime.now()
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try: proc.wait(timeout=budget_s)
    except subprocess.TimeoutExpired: os.killpg(proc.pid, signal.SIGTERM); proc.wait(timeout=120)
    epochs = []
    for log in (folder/'logs').glob('*.log'):
        for line in log.read_text().splitlines():
            if m := EPOCH_LINE.match(line):
                t = datetime.datetime.combine(start.date(), datetime.time.fromisoformat(m[1]))
                if t < start - datetime.timedelta(seconds=1): t += datetime.timedelta(days=1)
                f1 = float(m[3]); f1 = f1 * 100 if f1 <= 1 else f1  # percent, as the thresholds (older logs printed fractions)
                epochs.append(dict(epoch=int(m[2]), minutes=(t - start).total_seconds() / 60, valid_f1=f1, tokens_per_sec=float(m[4].replace(',', ''))))
    return sorted(epochs, key=lambda e: e['epoch'])

def ddp_main(args):
    "1 process x 2 threads against 2 processes x 1 thread, one after the other, on the recipe of --config."
    repo, thresholds = Path(__file__).resolve().parents[1], (90, 92, 93, 94)  # valid F1 in percent
    config, data = str((repo/args.config).resolve()), Path(args.data) if args.data else _shared_data('conll2003')
    if data is None: return
    vectors = data.parent/'glove'/'glove.6B.50d.conll2003.txt.gz'  # the recipe's relative paths, made absolute
    common = ['train', '--config', config, '--dataset', str(data.resolve()), '--embeddings', str(vectors.resolve()), '--no-progress', '--tracking_uri', 'sqlite:///mlruns.db', '--experiment', 'ddp-bench', '--output_dir', 'model']
    setups = {'1 process x 2 threads, batch 32': ([sys.executable, '-m', 'ner_bilstm_crf', *common, '--batch_size', '32'], 2),
              '2 processes x 1 thread, batch 16 each (32 in all)': ([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
                                                                  '-m', 'ner_bilstm_crf', *common, '--batch_size', '16'], 1)}
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores; {args.config}, at most {args.budget_min} min a run\n")
    print("| setup | epochs done | tokens/s (median epoch) | " + " | ".join(f"valid F1 >= {t}: min (epoch)" for t in thresholds) + " | best valid F1 |")
    print("|---|---|---|" + "---|" * len(thresholds) + "---|")
    for name, (cmd, threads) in setups.items():
        with tempfile.TemporaryDirectory() as tmp:
            epochs = timed_run(cmd, threads, Path(tmp), args.budget_min * 60)
        reached = [next((f"{e['minutes']:.1f} ({e['epoch']})" for e in epochs if e['valid_f1'] >= t), 'not reached') for t in thresholds]
        speed = statistics.median(e['tokens_per_sec'] for e in epochs) if epochs else float('nan')
        best = max(epochs, key=lambda e: e['valid_f1'], default=dict(valid_f1=float('nan'), epoch=0))
        print(f"| {name} | {len(epochs)} | {speed:,.0f} | " + " | ".join(reached) + f" | {best['valid_f1']:.2f} ({best['epoch']}) |", flush=True)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--ddp', action='store_true', help='train --config for real: 1 process x 2 threads against 2 processes x 1 thread (torchrun)')
    p.add_argument('--config', default='configs/conll2003.yaml', help='with --ddp: the recipe, relative to the repo root')
    p.add_argument('--budget_min', type=float, default=9, help='with --ddp: the most minutes each run may train')
    p.add_argument('--batches', type=int, default=40, help='timed batches per measurement (after 3 warm-up batches)')
    p.add_argument('--threads', type=int, default=torch.get_num_threads())
    p.add_argument('--data', default=None, help='a CoNLL-2003 folder (default: shared/data/conll2003 beside the repo)')
    args = p.parse_args()
    if args.ddp: return ddp_main(args)
    torch.set_num_threads(args.threads)
    data = Path(args.data) if args.data else _shared_data('conll2003')
    if data is None: return
    config = TrainConfig(dataset=str(data))
    train_sents = read_splits(config, run_files(config))['train']
    torch.manual_seed(0)
    base = build_model(config, train_sents, log=lambda m: None)
    corpus = encode_corpus(Path(data)/'train.txt', base.vocabs, cache_dir=tempfile.mkdtemp(), scheme='BIOES')
    print(f"torch {torch.__version__}, pytorch-crf {torchcrf.__version__}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} threads; CoNLL-2003 train, {args.batches} timed batches per cell\n")
    print("| device | amp | batch | train tok/s (ours) | train tok/s (pytorch-crf) | decode tok/s (ours) | decode tok/s (pytorch-crf) | train ratio | decode ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    devices = [('cpu', ('none', 'bf16'))] + ([('cuda', ('none', 'fp16', 'bf16'))] if torch.cuda.is_available() else [])
    for dev, amps in devices:
        device = torch.device(dev)
        for bs in (32, 128):
            loader = make_loader(corpus, bs, shuffle=True, seed=0)
            batches = [to_device(b, device) for _, b in zip(range(args.batches + 3), loader)]
            for amp in amps:
                ours = build_model(config, train_sents, log=lambda m: None).to(device)
                ours.load_state_dict(base.state_dict())
                theirs = build_model(config, train_sents, log=lambda m: None).to(device)
                theirs.load_state_dict(base.state_dict()); theirs.crf = PytorchCRF(base.crf).to(device)
                (t_ours, d_ours), (t_ref, d_ref) = measure(ours, batches, device, amp), measure(theirs, batches, device, amp)
                print(f"| {dev} | {amp} | {bs} | {t_ours:,.0f} | {t_ref:,.0f} | {d_ours:,.0f} | {d_ref:,.0f} | {t_ours / t_ref:.2f}x | {d_ours / d_ref:.2f}x |", flush=True)

if __name__ == '__main__': main()
