"Tag text from outside the package: the demonstration model, loaded from disk and from MLflow, files in and out, and the model served over HTTP."
import json, subprocess, urllib.error
from pathlib import Path
import pytest
from ner_bilstm_crf.data import load_dataset, read_conll, write_conll, tags_to_spans
from ner_bilstm_crf.predict import NERTagger, tokenize, predict_file, log_tagger, highlight_html
from helpers import post, served

TEXTS = ["Justin Bieber and Selena Gomez were spotted in Los Angeles last night!",
         "I'm watching the Lakers game with @paulwalk at Staples Center 🏀 http://bit.ly/abc",
         "Barack Obama's visit to Zürich — great news for the Swiss.",
         "Happy birthday to Taylor Swift ! #Swifties", "New video from Lady Gaga on YouTube",
         "nothing to see here", "", "   \t "]

@pytest.fixture(scope='module')
def trained(demo):
    "The demonstration model (the embedded WNUT-17, trained once and cached): its folder and tracking URI."
    return demo['model'], demo['uri']

@pytest.fixture(scope='module')
def tagger(trained): return NERTagger.load(trained[0], device='cpu')

@pytest.fixture(scope='module')
def logged(trained):
    "The model logged as an MLflow pyfunc to its training run: the model URI."
    return log_tagger(trained[0])

def check_entities(text, entities, labels):
    for e in entities:
        assert text[e['start']:e['end']] == e['text'], (text, e)
        assert e['label'] in labels and 0 < e['score'] <= 1, e
        assert set(e) >= {'text', 'label', 'start', 'end', 'score'}

def test_tokens_are_slices_of_the_text():
    texts = ["Peter's friends didn't visit the U.S. in Jan. 1996; they paid $30,000.50.", "Zu\u0308rich, 東京, Москва, हिन्दी",
             "👍🏽 great 👨‍👩‍👧 family 🇨🇭 😂😂 @user #tag :) https://x.org/a?b=1).", "“curly” ‘quotes’ — Peter’s\u00a0dog\n\tnext line", "", " \n "]
    for text in texts:
        tokens = tokenize(text)
        assert all(text[t.start:t.end] == t.text for t in tokens)
        assert ''.join(t.text for t in tokens) == ''.join(text.split())  # every non-space character, once, in order
    assert [t.text for t in tokenize(texts[0])][:6] == ['Peter', "'s", 'friends', 'did', "n't", 'visit']
    assert 'U.S.' in [t.text for t in tokenize(texts[0])] and '30,000.50' in [t.text for t in tokenize(texts[0])]
    assert [t.text for t in tokenize(texts[2])][:4] == ['👍🏽', 'great', '👨‍👩‍👧', 'family']

def test_predict_raw_text(tagger):
    found = tagger.predict(TEXTS)
    assert len(found) == len(TEXTS)
    for text, ents in zip(TEXTS, found): check_entities(text, ents, tagger.labels)
    assert sum(map(len, found)) > 0, "the model found no entity at all: the checks above were vacuous"
    assert found[-2:] == [[], []]  # empty and blank texts
    assert tagger.predict(TEXTS[0]) == found[0]
    assert tagger.predict('') == []

def test_pretokenized_input_matches_joined_text(tagger):
    sentences = load_dataset()['test'][:100]
    tokenized = tagger.predict([s.tokens for s in sentences])
    joined = [' '.join(s.tokens) for s in sentences]
    for text, ents in zip(joined, tokenized): check_entities(text, ents, tagger.labels)
    spans = [[(e['label'], e['token_start'], e['token_end']) for e in ents] for ents in tokenized]
    tags = [t for t, _ in tagger.tag_tokens([s.tokens for s in sentences])]
    assert spans == [tags_to_spans(t) for t in tags]

def test_long_text_is_split_and_rejoined(tagger):
    text = ' '.join(TEXTS[:5] * 200)  # 1,000 sentences, about 12,000 tokens, one text
    small = NERTagger(tagger.model, 'cpu', max_tokens=64)
    ents = small.predict(text)
    check_entities(text, ents, tagger.labels)
    per_copy = sum(len(e) for e in tagger.predict(TEXTS[:5]))
    assert len(ents) >= 100 * per_copy > 0  # entities all through the text, not only in its first piece
    assert max(e['end'] for e in ents) > len(text) * 0.99

def test_disk_and_mlflow_give_the_same_entities(trained, tagger, logged):
    import mlflow, pandas as pd
    model_dir, uri = trained
    assert logged.startswith('runs:/') and logged.endswith('/model')
    run = json.loads((model_dir/'mlflow_run.json').read_text())
    assert logged.split('/')[1] == run['run_id']
    mlflow.set_tracking_uri(uri)
    loaded = mlflow.pyfunc.load_model(logged)
    from_disk = NERTagger.load(model_dir, device='cpu').predict(TEXTS)
    assert loaded.predict(TEXTS) == from_disk
    assert loaded.predict(pd.DataFrame({'text': TEXTS})) == from_disk
    assert json.loads(json.dumps(from_disk)) == from_disk  # plain JSON
    assert from_disk == tagger.predict(TEXTS)


def test_mlflow_serves_the_model_over_http(trained, tagger, logged, tmp_path):
    with served(logged, trained[1], tmp_path) as url:
        expected = tagger.predict(TEXTS)
        assert post(url, {'inputs': TEXTS}) == {'predictions': expected}
        assert post(url, {'dataframe_split': {'columns': ['text'], 'data': [[t] for t in TEXTS]}}) == {'predictions': expected}
        assert post(url, {'inputs': TEXTS[0]}) == {'predictions': expected[:1]}
        with pytest.raises(urllib.error.HTTPError) as err: post(url, {'texts': TEXTS})  # not a field of MLflow's scoring protocol
        assert err.value.code == 400
        for bad, says in (([None], 'input 0 is null, not a text'), ([TEXTS[0], 1], 'input 1 is 1 (int), not a text')):  # never the texts "None", "1"
            with pytest.raises(urllib.error.HTTPError) as err: post(url, {'inputs': bad})
            message = json.loads(err.value.read())['message']
            assert err.value.code == 400 and says in message, (bad, message)
        for rows, says in (([[None]], 'input 0 is null, not a text'), ([[TEXTS[0]], [None]], 'input 1 is null, not a text'), ([[1]], 'input 0 is 1 (int), not a text')):
            with pytest.raises(urllib.error.HTTPError) as err: post(url, {'dataframe_split': {'columns': ['text'], 'data': rows}})
            message = json.loads(err.value.read())['message']
            assert err.value.code == 400 and says in message, (rows, message)
        with pytest.raises(urllib.error.HTTPError) as err: post(url, {'dataframe_records': [{'text': None}]})
        assert err.value.code == 400

def test_predict_file_text_to_jsonl(trained, tagger, tmp_path):
    src = tmp_path/'texts.txt'
    src.write_text('\n'.join(TEXTS) + '\n', encoding='utf-8')
    out = predict_file(str(trained[0]), str(src), str(tmp_path/'out.jsonl'), device='cpu', progress=False)
    rows = [json.loads(line) for line in out.read_text(encoding='utf-8').splitlines()]
    assert [r['text'] for r in rows] == TEXTS
    assert [r['entities'] for r in rows] == tagger.predict(TEXTS)

def test_predict_file_conll_to_conll(trained, tagger, tmp_path):
    sentences = load_dataset()['test'][:80]
    src = write_conll(sentences, tmp_path/'test.txt')
    out = predict_file(str(trained[0]), str(src), str(tmp_path/'out.conll'), device='cpu', progress=False, batch_size=16)
    back = list(read_conll(out))
    assert [s.tokens for s in back] == [s.tokens for s in sentences]
    assert [tags_to_spans(s.tags) for s in back] == [tags_to_spans(t) for t, _ in tagger.tag_tokens([s.tokens for s in sentences])]
    assert all(t == 'O' or t[0] in 'BI' for s in back for t in s.tags)  # IOB2 by default

def test_predict_command(trained, tagger, tmp_path):
    (tmp_path/'texts.txt').write_text('\n'.join(TEXTS) + '\n', encoding='utf-8')
    res = subprocess.run(['ner-bilstm-crf', 'predict', str(trained[0]), 'texts.txt', '-o', 'out.jsonl'], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path/'out.jsonl').read_text(encoding='utf-8').splitlines()]
    assert [r['entities'] for r in rows] == tagger.predict(TEXTS)

def test_highlight_escapes_and_marks(tagger):
    text = TEXTS[0] + ' <script>alert(1)</script>'
    ents = tagger.predict(text)
    markup = highlight_html(text, ents)
    assert '<script>' not in markup and '&lt;script&gt;' in markup
    assert markup.count('<mark') == len(ents)


def sentence_tags(tagger, sentences, scheme):
    "Tags of `sentences` from `NERTagger.predict` on their token lists: entities written back as tags of `scheme`."
    from ner_bilstm_crf.data import spans_to_tags
    found = tagger.predict([s.tokens for s in sentences])
    return [spans_to_tags([(e['label'], e['token_start'], e['token_end']) for e in ents], len(s), scheme) for s, ents in zip(sentences, found)]

def check_one_path(model_dir, dataset, tmp_path, encoding='utf-8'):
    "`evaluate`'s predictions file and `NERTagger.predict` give every test sentence the same tags."
    from ner_bilstm_crf.data import dataset_dir, detect_scheme
    from ner_bilstm_crf.evaluate import evaluate, read_predictions
    evaluate(str(model_dir), dataset, splits='test', encoding=encoding, results_dir=str(tmp_path), verbose=False)
    sentences, pred = read_predictions(tmp_path/'predictions_test.txt', encoding='utf-8')
    tagger = NERTagger.load(model_dir, device='cpu')
    assert sentence_tags(tagger, sentences, detect_scheme(s.tags for s in sentences)) == pred
    assert sum(t != 'O' for p in pred for t in p) > 0, "no entity at all: the comparison was vacuous"

def test_evaluate_and_tagger_agree_on_wnut17_test(trained, tmp_path):
    check_one_path(trained[0], 'wnut17', tmp_path)

def test_evaluate_and_tagger_agree_on_conll2003_test(trained, tmp_path):
    conll = Path(__file__).resolve().parents[2]/'shared'/'data'/'conll2003'
    if not conll.is_dir(): pytest.skip(f"CoNLL-2003 not found at {conll} (research data, never shipped)")
    from ner_bilstm_crf.data import Sentence, read_conll, write_conll
    names = dict(PER='person', LOC='location', ORG='corporation', MISC='product')  # the demo model's types, so that evaluate accepts the data
    renamed = [Sentence(s.tokens, [t if t == 'O' else f"{t[:2]}{names[t[2:]]}" for t in s.tags]) for s in read_conll(conll/'test.txt')]
    data = tmp_path/'conll2003-as-wnut'
    for split in ('train', 'valid', 'test'): write_conll(renamed, data/f'{split}.txt')  # a temporary copy, deleted with tmp_path
    check_one_path(trained[0], str(data), tmp_path/'results')
