"""Check that a model scores the same through `NERTagger` (the prediction API) as through `ner-bilstm-crf evaluate`.

Usage: python bench/tagger_agreement.py MODEL_DIR --data ../shared/data/conll2003 [--split test] [--encoding utf-8]
Runs the `evaluate` verb on one split (results in a temporary folder) and reads its conlleval scores. Then it loads
the model with `NERTagger.load`, tags the split's token lists with `NERTagger.predict`, writes the entities back as
tags in the gold scheme, and scores them the same way. It prints both rows and the number of sentences whose
entities differ. It exits with 1 if the F1 or any sentence's tags differ.
"""
import argparse, json, subprocess, sys, tempfile
from pathlib import Path
from ner_bilstm_crf.data import dataset_dir, split_files, read_conll, detect_scheme, spans_to_tags
from ner_bilstm_crf.evaluate import conlleval_scores, read_predictions
from ner_bilstm_crf.predict import NERTagger

def cli_scores(model_dir:str, data:str, split:str, encoding:str) -> tuple[dict, list[list[str]]]:
    "Scores of one split from the `ner-bilstm-crf evaluate` command, with its predicted tags."
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(['ner-bilstm-crf', 'evaluate', model_dir, '--data', data, '--splits', split, '--encoding', encoding,
                        '--results_dir', out], check=True, stdout=subprocess.DEVNULL)
        _, pred = read_predictions(Path(out)/f'predictions_{split}.txt', encoding=encoding)
        return json.loads((Path(out)/'metrics.json').read_text())['splits'][split], pred

def tagger_scores(model_dir:str, data:str, split:str, encoding:str) -> tuple[dict, list[list[str]], list[list[str]]]:
    "Scores of one split from `NERTagger.predict` on its token lists, with the gold and predicted tags."
    sentences = list(read_conll(split_files(dataset_dir(data))[split], encoding=encoding))
    gold = [s.tags for s in sentences]
    scheme = detect_scheme(gold)
    entities = NERTagger.load(model_dir).predict([s.tokens for s in sentences])
    pred = [spans_to_tags([(e['label'], e['token_start'], e['token_end']) for e in ents], len(s.tokens), scheme)
            for s, ents in zip(sentences, entities)]
    return conlleval_scores(gold, pred), gold, pred

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('model_dir')
    p.add_argument('--data', required=True, help='data set folder or embedded name')
    p.add_argument('--split', default='test')
    p.add_argument('--encoding', default='utf-8')
    args = p.parse_args()
    cli, cli_pred = cli_scores(args.model_dir, args.data, args.split, args.encoding)
    tagger, gold, pred = tagger_scores(args.model_dir, args.data, args.split, args.encoding)
    print(f"{args.model_dir} on {args.data} {args.split}\n")
    print("| path | precision | recall | F1 |\n|---|---|---|---|")
    for name, s in (('ner-bilstm-crf evaluate', cli), ('NERTagger.load(...).predict', tagger)):
        print(f"| {name} | {100 * s['precision']:.2f} | {100 * s['recall']:.2f} | {100 * s['f1']:.2f} |")
    differ = sum(a != b for a, b in zip(cli_pred, pred))
    print(f"\nF1 {'identical' if cli['f1'] == tagger['f1'] else 'DIFFERENT'}; {differ} of {len(gold)} sentences tagged differently")
    sys.exit(0 if cli['f1'] == tagger['f1'] and differ == 0 else 1)

if __name__ == '__main__': main()
