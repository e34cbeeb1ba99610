"""Prediction throughput of `NERTagger.predict` on raw text: sentences and tokens per second, end to end.

Usage: python bench/predict_speed.py [--model_dir DIR] [--threads N] [--repeats R] [--batch_sizes 1 16 64 256] [--transformer minilm]
Texts: the 1,287 WNUT-17 test sentences, their tokens joined by spaces into raw text, so tokenizing, batching, the BiLSTM,
Viterbi decoding, the CRF marginals (entity scores) and building the entity dicts are all timed.
Model: DIR if given, else a randomly initialised BiLSTM-CRF of the default size (the `TrainConfig` defaults: 50-d word vectors
for the WNUT-17 training vocabulary, a character CNN, a 200-unit BiLSTM per direction, 25 BIOES tags). A random model does
exactly the work of a trained one of the same size, so its speed is the trained model's.
Prints a markdown table per device (CPU, and CUDA where there is one): the median of R timed runs after one warm-up run.

With --spark N: the local engine against Spark (`predict --engine spark --master local[2]`, MLflow's Spark UDF of the model's
pyfunc) on N texts (the test sentences repeated), `predict_file` end to end for both (reading, tagging, writing JSON Lines);
Spark once with its start included and once more in the running session, and the two outputs checked equal.

With --transformer NAME (e.g. minilm, the extra [transformer]): the static model against the same model with contextual
features from that transformer (random init, the transformer's real weights: the features are computed on the fly for raw
text, so its forward pass is timed), `NERTagger.predict` end to end, at each of --batch_sizes (default 1 32).

With --onnx: torch against ONNX Runtime (the model exported by `export_onnx`) on the same texts in one run, `NERTagger.predict`
end to end for both, at each of --batch_sizes (default 1 32 256) and each of --thread_counts (default 1 2), with the ratio.
"""
import argparse, os, platform, statistics, tempfile, time
from pathlib import Path
import torch
from ner_bilstm_crf.data import load_dataset
from ner_bilstm_crf.train import TrainConfig, build_model, read_splits, run_files, seed_everything
from ner_bilstm_crf.predict import NERTagger, tokenize

def default_model(transformer:str|None=None):
    "A random-init model of the default size, vocabularies from the WNUT-17 training split; with `transformer`, its features too."
    seed_everything(0)
    config = TrainConfig(transformer=transformer)
    return build_model(config, read_splits(config, run_files(config))['train'], log=lambda m: None)

def median_s(fn, device, repeats):
    "Median wall time of `fn` in seconds, after one warm-up call."
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    fn(); sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)

def bench_device(model, device, texts, batch_sizes, repeats):
    "Rows of (what, batch size, seconds) for one device."
    tokens = [[t.text for t in tokenize(text)] for text in texts]
    rows = [('tokenize only', '-', median_s(lambda: [tokenize(t) for t in texts], torch.device('cpu'), repeats))]
    for bs in batch_sizes:
        tagger = NERTagger(model, str(device), batch_size=bs)
        rows.append(('predict (raw text to entities)', bs, median_s(lambda: tagger.predict(texts), device, repeats)))
        rows.append(('tag_tokens (pre-tokenized, tags and marginals)', bs, median_s(lambda: tagger.tag_tokens(tokens), device, repeats)))
    return rows

def table(device, rows, n_texts, n_tokens):
    "Markdown table of the throughput."
    lines = [f"\n### {device}\n", "| what | batch size | sentences/s | tokens/s | ms per sentence |", "|---|---|---|---|---|"]
    for what, bs, s in rows:
        lines.append(f"| {what} | {bs} | {n_texts / s:,.0f} | {n_tokens / s:,.0f} | {s / n_texts * 1e3:.3f} |")
    return '\n'.join(lines)

def compare_onnx(model, texts, batch_sizes, thread_counts, repeats):
    "Rows of (threads, batch size, torch seconds, ONNX Runtime seconds): the same texts through both backends."
    from ner_bilstm_crf.onnx import OnnxTagger, export_onnx
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        exported = export_onnx(model.save(Path(tmp)/'model'), Path(tmp)/'onnx')
        for threads in thread_counts:
            torch.set_num_threads(threads)
            runner = OnnxTagger(exported, threads=threads)
            for bs in batch_sizes:
                by_torch, by_onnx = NERTagger(model, 'cpu', batch_size=bs), NERTagger(runner, 'cpu', batch_size=bs)
                rows.append((threads, bs, median_s(lambda: by_torch.predict(texts), torch.device('cpu'), repeats),
                             median_s(lambda: by_onnx.predict(texts), torch.device('cpu'), repeats)))
    return rows

def onnx_table(rows, n_texts):
    "Markdown table of torch against ONNX Runtime."
    lines = ["| threads | batch size | torch sentences/s | ONNX Runtime sentences/s | ONNX / torch |", "|---|---|---|---|---|"]
    for threads, bs, t, o in rows: lines.append(f"| {threads} | {bs} | {n_texts / t:,.0f} | {n_texts / o:,.0f} | {t / o:.2f}x |")
    return '\n'.join(lines)

def compare_transformer(static, contextual, texts, batch_sizes, repeats):
    "Rows of (batch size, static seconds, contextual seconds): the same texts through both models."
    cpu, rows = torch.device('cpu'), []
    for bs in batch_sizes:
        a, b = NERTagger(static, 'cpu', batch_size=bs), NERTagger(contextual, 'cpu', batch_size=bs)
        rows.append((bs, median_s(lambda: a.predict(texts), cpu, repeats), median_s(lambda: b.predict(texts), cpu, repeats)))
    return rows

def transformer_table(rows, n_texts, name):
    "Markdown table of the static model against the one with transformer features."
    lines = [f"| batch size | static sentences/s | + {name} features sentences/s | static / {name} |", "|---|---|---|---|"]
    for bs, s, t in rows: lines.append(f"| {bs} | {n_texts / s:,.0f} | {n_texts / t:,.0f} | {t / s:.1f}x |")
    return '\n'.join(lines)

def compare_spark(model, texts, n, master):
    "Rows of (engine, seconds, sentences): the same N texts through predict_file's local and Spark engines; the outputs agree."
    import json
    from ner_bilstm_crf.predict import predict_file, spark_session
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp); folder = model.save(tmp/'model'); src = tmp/'texts.txt'
        src.write_text('\n'.join(texts[i % len(texts)] for i in range(n)) + '\n', encoding='utf-8')
        def timed(name, **kw):
            t0 = time.perf_counter(); out = predict_file(str(folder), str(src), str(tmp/f'{name}.jsonl'), progress=False, device='cpu', **kw)
            rows.append((name, time.perf_counter() - t0)); return [json.loads(l) for l in out.read_text().splitlines()]
        local = timed('local engine (this process)')
        cold = timed(f'spark {master}, its start included', engine='spark', master=master)
        spark = spark_session(master)  # kept running: the next call reuses it
        try: warm = timed(f'spark {master}, session already running', engine='spark', master=master)
        finally: spark.stop()
    by_text = lambda rows: [r['entities'] for r in sorted(rows, key=lambda r: r.get('id', 0))]
    assert by_text(cold) == by_text(warm) and [r['entities'] for r in local] == by_text(warm), "the engines disagree"
    return rows

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model_dir', help='a trained model folder (default: a random-init model of the default size)')
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help='torch CPU threads (default: all cores)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--batch_sizes', type=int, nargs='+', default=None, help='default: 1 16 64 256 (1 32 256 with --onnx)')
    parser.add_argument('--onnx', action='store_true', help='compare torch and ONNX Runtime instead')
    parser.add_argument('--thread_counts', type=int, nargs='+', default=[1, 2], help='CPU threads of each backend, with --onnx')
    parser.add_argument('--spark', type=int, metavar='N', help='compare the local engine and Spark on N texts')
    parser.add_argument('--master', default='local[2]', help='the Spark master, with --spark')
    parser.add_argument('--transformer', help="compare the static model with the same plus this transformer's features, e.g. minilm")
    parser.add_argument('--limit', type=int, default=None, help='use only the first N test sentences')
    args = parser.parse_args()
    args.batch_sizes = args.batch_sizes or ([1, 32, 256] if args.onnx else [1, 32] if args.transformer else [1, 16, 64, 256])
    torch.set_num_threads(args.threads)
    texts = [' '.join(s.tokens) for s in load_dataset()['test'][:args.limit]]
    n_tokens = sum(len(tokenize(t)) for t in texts)
    model = NERTagger.load(args.model_dir, 'cpu').model if args.model_dir else default_model()
    c = model.config
    print(f"torch {torch.__version__}, python {platform.python_version()}, CPU threads {torch.get_num_threads()} of {os.cpu_count()} cores"
          + (f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU") + f", load average {os.getloadavg()[0]:.2f}")
    print(f"model: {args.model_dir or 'random init, default size'} (word_dim {c.word_dim}, char {c.char_encoder}, hidden {c.hidden_size}x2, "
          f"{c.n_tags} {c.tag_scheme} tags, {sum(p.numel() for p in model.parameters()):,} parameters)")
    print(f"texts: {len(texts):,} WNUT-17 test sentences as raw text, {n_tokens:,} tokens; median of {args.repeats} runs after a warm-up")
    if args.spark:
        print(f"predict_file end to end, {args.spark:,} texts, JSON Lines out; the local engine with {torch.get_num_threads()} torch threads\n")
        print("| engine | seconds | sentences/s | vs local |\n|---|---|---|---|")
        rows = compare_spark(model.cpu(), texts, args.spark, args.master)
        for name, s in rows: print(f"| {name} | {s:.1f} | {args.spark / s:,.0f} | {rows[0][1] / s:.2f}x |")
        return
    if args.transformer:
        contextual = default_model(args.transformer)
        print(f"+ {args.transformer} features: layers {contextual.config.transformer_layers}, {contextual.config.subword_pooling} pooling, "
              f"{sum(p.numel() for p in contextual.parameters()):,} trainable parameters beside the frozen transformer; NERTagger.predict end to end\n")
        print(transformer_table(compare_transformer(model.cpu(), contextual, texts, args.batch_sizes, args.repeats), len(texts), args.transformer))
        return
    if args.onnx:
        import onnxruntime
        print(f"onnxruntime {onnxruntime.__version__}; NERTagger.predict end to end for both (tokenize, emissions, Viterbi, marginals, entities)\n")
        print(onnx_table(compare_onnx(model.cpu(), texts, args.batch_sizes, args.thread_counts, args.repeats), len(texts)))
        return
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices:
        print(table(device, bench_device(model.to(device), device, texts, args.batch_sizes, args.repeats), len(texts), n_tokens))

if __name__ == '__main__': main()
