"""Speed of `ner_bilstm_crf.crf.CRF` against pytorch-crf: one training step (nll + backward) and one decode.

Usage: python bench/crf_speed.py [--threads N] [--repeats R]
Prints a markdown table per device (CPU, and CUDA where there is one): median milliseconds over R timed
repeats after warm-up, on the same random inputs (mixed lengths 1..T) and the same parameters for both.
"""
import argparse, os, platform, statistics, time
import torch, torchcrf
from ner_bilstm_crf.crf import CRF

SHAPES = [(64, 50, 9), (32, 128, 17)]

def make_inputs(B, T, K, device, seed=0):
    "Random emissions (requiring grad), gold tags and a left-aligned mask with lengths in 1..T (one of length T)."
    g = torch.Generator().manual_seed(seed)
    em = torch.randn(B, T, K, generator=g)
    lengths = torch.randint(1, T + 1, (B,), generator=g); lengths[0] = T
    mask = torch.arange(T) < lengths[:, None]
    tags = torch.randint(0, K, (B, T), generator=g)
    return em.to(device).requires_grad_(), tags.to(device), mask.to(device)

def twins(K, device):
    "Our CRF and a pytorch-crf CRF with the same parameters."
    ours = CRF(K).to(device)
    ref = torchcrf.CRF(K, batch_first=True).to(device)
    with torch.no_grad():
        for name in ('start_transitions', 'end_transitions', 'transitions'): getattr(ref, name).copy_(getattr(ours, name))
    return ours, ref

def median_ms(fn, device, repeats, warmup):
    "Median wall time of `fn` in milliseconds."
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    for _ in range(warmup): fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3

def bench_shape(B, T, K, device, repeats, warmup):
    "Timings (ms) of ours and pytorch-crf for a training step and a decode."
    ours, ref = twins(K, device)
    em, tags, mask = make_inputs(B, T, K, device)
    def train_ours(): ours.nll(em, tags, mask, reduction='mean').backward()
    def train_ref(): (-ref(em, tags, mask, reduction='mean')).backward()
    def decode_ours():
        with torch.no_grad(): ours.decode(em, mask)
    def decode_ref():
        with torch.no_grad(): ref.decode(em, mask)
    with torch.no_grad():  # same answers before timing anything
        paths = ours.decode(em, mask)[0]
        assert [p[:n].tolist() for p, n in zip(paths.cpu(), mask.sum(1).cpu())] == ref.decode(em, mask)
    return {name: median_ms(fn, device, repeats, warmup) for name, fn in
            [('train_ours', train_ours), ('train_ref', train_ref), ('decode_ours', decode_ours), ('decode_ref', decode_ref)]}

def table(device, rows):
    "Markdown table of the timings."
    lines = [f"\n### {device}\n",
             "| B | T | K | train ours (ms) | train pytorch-crf (ms) | speed-up | decode ours (ms) | decode pytorch-crf (ms) | speed-up |",
             "|---|---|---|---|---|---|---|---|---|"]
    for (B, T, K), r in rows:
        lines.append(f"| {B} | {T} | {K} | {r['train_ours']:.2f} | {r['train_ref']:.2f} | {r['train_ref'] / r['train_ours']:.1f}x "
                     f"| {r['decode_ours']:.2f} | {r['decode_ref']:.2f} | {r['decode_ref'] / r['decode_ours']:.1f}x |")
    return '\n'.join(lines)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help='torch CPU threads (default: all cores)')
    parser.add_argument('--repeats', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, pytorch-crf {getattr(torchcrf, '__version__', '?')}, python {platform.python_version()}, "
          f"CPU threads {torch.get_num_threads()} of {os.cpu_count()} cores"
          + (f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU")
          + f", load average {os.getloadavg()[0]:.2f}")
    print("Lengths uniform in 1..T (one sentence of length T); median of", args.repeats, "repeats after", args.warmup, "warm-up runs.")
    for device in devices:
        rows = [((B, T, K), bench_shape(B, T, K, device, args.repeats, args.warmup)) for B, T, K in SHAPES]
        name = 'CPU' if device.type == 'cpu' else f'CUDA ({torch.cuda.get_device_name()})'
        print(table(name, rows))

if __name__ == '__main__': main()
