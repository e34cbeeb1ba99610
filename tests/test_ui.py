"The web UI: its Streamlit script driven by `AppTest` (typing, the threshold, the n-best view, the upload), and `ner-bilstm-crf ui` in headless Chromium."
import base64, json, os, re, shutil, signal, subprocess, time, urllib.request
from pathlib import Path
import pytest
from helpers import free_port, running

pytest.importorskip('streamlit')
from streamlit.testing.v1 import AppTest

@pytest.fixture(scope='module')
def tagger(demo):
    from ner_bilstm_crf.predict import NERTagger
    return NERTagger.load(demo['model'], device='cpu')

@pytest.fixture
def app(demo):
    from ner_bilstm_crf.ui import ui_script
    at = AppTest.from_string(ui_script(demo['model']), default_timeout=120).run()
    assert not at.exception, at.exception
    return at

def rows(at, i=0): return at.dataframe[i].value.to_dict('records') if i == 0 else at.table[0].value.to_dict('records')  # 1: the n-best table

def test_typing_tags_the_new_text(app, tagger):
    from ner_bilstm_crf.ui import entity_rows
    from ner_bilstm_crf.predict import highlight_html
    text = "Barack Obama met Angela Merkel in Berlin on Monday."
    app.text_area(key='text').input(text).run()
    entities = tagger.predict(text)
    assert rows(app) == entity_rows(entities)
    assert len(entities) > 0  # the check above is not vacuous
    assert app.html[0].value == highlight_html(text, entities, tagger.labels)
    for e in entities: assert f'title="{e["label"]} {e["score"]:.2f}"' in app.html[0].value

def test_threshold_hides_unsure_entities(app, tagger):
    from ner_bilstm_crf.ui import EXAMPLE_TEXT, entity_rows
    entities = tagger.predict(EXAMPLE_TEXT)
    scores = sorted(e['score'] for e in entities)
    cut = round((scores[0] + scores[-1]) / 2 / 0.05) * 0.05  # a step of the slider between the least and most sure
    app.slider(key='threshold').set_value(cut).run()
    kept = [e for e in entities if e['score'] >= cut]
    assert rows(app) == entity_rows(kept)
    assert 0 < len(kept) < len(entities)
    assert app.html[0].value.count('<mark') == len(kept) + len(tagger.labels)  # the entities, and the legend's labels

def test_nbest_view_of_the_chosen_sentence(app, tagger):
    from ner_bilstm_crf.ui import EXAMPLE_TEXT, sentences_of, nbest_rows
    sentences = sentences_of(EXAMPLE_TEXT)
    assert len(sentences) == 2
    first = rows(app, 1)
    assert len(first) == 5 and first == nbest_rows(EXAMPLE_TEXT, sentences[0], tagger.nbest([t.text for t in sentences[0]], 5))
    app.selectbox(key='sentence').set_value(1)
    app.slider(key='n').set_value(3).run()
    second = rows(app, 1)
    assert second == nbest_rows(EXAMPLE_TEXT, sentences[1], tagger.nbest([t.text for t in sentences[1]], 3))
    assert [r['rank'] for r in second] == [1, 2, 3]
    assert [r['probability'] for r in second] == sorted([r['probability'] for r in second], reverse=True)
    assert second[0]['tags'] == ' '.join(tagger.tag_tokens([[t.text for t in sentences[1]]])[0][0])

def test_upload_offers_jsonl_and_conll(app, tagger, tmp_path):
    from ner_bilstm_crf.data import load_dataset, write_conll
    lines = ['Justin Bieber was spotted in Los Angeles', 'nothing here']
    app.file_uploader(key='upload').upload('tweets.txt', '\n'.join(lines).encode(), 'text/plain').run()
    assert not app.exception, app.exception
    assert [b.label for b in app.get('download_button')] == ['Download JSON Lines', 'Download CoNLL']
    assert app.caption[-1].value == 'tweets.txt: read as text; 2 texts tagged'
    preview = [json.loads(l) for l in app.code[0].value.splitlines()]
    assert preview == [dict(text=t, entities=e) for t, e in zip(lines, tagger.predict(lines))]
    write_conll(load_dataset()['test'][:3], tmp_path/'three.conll')
    app.file_uploader(key='upload').clear().upload('three.conll', (tmp_path/'three.conll').read_bytes()).run()
    assert app.caption[-1].value == 'three.conll: read as conll; 3 texts tagged'
    assert [json.loads(l)['text'] for l in app.code[0].value.splitlines()] == [' '.join(s.tokens) for s in load_dataset()['test'][:3]]

def test_model_card_of_an_exported_model(demo, tmp_path):
    from ner_bilstm_crf.predict import export_model
    from ner_bilstm_crf.ui import ui_script
    out = export_model(str(demo['model']), str(tmp_path/'onnx'))
    at = AppTest.from_string(ui_script(out), default_timeout=120).run()
    assert not at.exception, at.exception
    card = dict(re.findall(r'<dt[^>]*>(.*?)</dt><dd[^>]*>(.*?)</dd>', at.sidebar.markdown[0].value))  # the card, as card_html writes it
    assert card['runs with'] == 'ONNX Runtime (exported)'
    assert card['data set'] == 'wnut17' and card['tag scheme'] == 'BIOES'
    assert card['MLflow run'] == demo['run_id']

CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

class Page:
    "A page open in headless Chromium, driven over the DevTools protocol: the DOM once it shows something, and screenshots."
    def __init__(self, url:str, profile:Path, width:int=1400, height:int=1700):
        port = free_port()
        self.browser = subprocess.Popen([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars',
                                         f'--remote-debugging-port={port}', f'--user-data-dir={profile}', f'--window-size={width},{height}', url],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(120):
            try: pages = json.loads(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=1).read()); break
            except OSError: time.sleep(0.5)
        else: pytest.fail("chromium's DevTools endpoint did not answer within 60 s")
        from websockets.sync.client import connect
        self.ws, self.calls = connect(next(p for p in pages if p['type'] == 'page')['webSocketDebuggerUrl'], max_size=None), 0

    def call(self, method:str, **params):
        self.calls += 1
        self.ws.send(json.dumps(dict(id=self.calls, method=method, params=params)))
        while (answer := json.loads(self.ws.recv())).get('id') != self.calls: pass
        return answer['result']

    def dom_when(self, shown, seconds:int=90) -> str:
        "The page's HTML once `shown(html)` is true (the app has rendered), or the test fails."
        for _ in range(seconds * 2):
            # while the page is still loading there may be no document yet: the result then has no value; poll again
            dom = self.call('Runtime.evaluate', expression='document.documentElement.outerHTML', returnByValue=True)['result'].get('value') or ''
            if shown(dom): return dom
            time.sleep(0.5)
        pytest.fail(f"the page did not show what was expected within {seconds} s; it ends: {dom[-1500:]}")

    def screenshot(self, path:Path) -> Path:
        path.write_bytes(base64.b64decode(self.call('Page.captureScreenshot', format='png')['data']))
        return path

    def close(self):
        self.ws.close(); os.killpg(self.browser.pid, signal.SIGTERM); self.browser.wait(timeout=30)

@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install -y chromium) for the browser test")
def test_ui_in_headless_chromium(demo, tagger, tmp_path):
    from ner_bilstm_crf.ui import EXAMPLE_TEXT
    entities = tagger.predict(EXAMPLE_TEXT)
    assert len(entities) > 0
    marks = [f'title="{e["label"]} {e["score"]:.2f}">{e["text"]}<sub' for e in entities]
    port = free_port()
    with running(['ner-bilstm-crf', 'ui', str(demo['model']), '--port', str(port)], f"http://127.0.0.1:{port}/_stcore/health", tmp_path/'ui.log'):
        page = Page(f"http://127.0.0.1:{port}", tmp_path/'profile')
        try:
            dom = page.dom_when(lambda html: all(m in html for m in marks) and 'Model card' in html)
            time.sleep(2)  # let the data grids draw before the picture
            shot = page.screenshot(Path(os.environ.get('NER_UI_SCREENSHOT_DIR', tmp_path))/'ui.png')
        finally: page.close()
    assert 'Named-entity recognition' in dom
    assert 'Confidence threshold' in dom and 'The n best readings of a sentence' in dom
    for label in tagger.labels: assert f'>{label}</mark>' in dom  # the legend
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
