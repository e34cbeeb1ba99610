import json, pathlib, pytest

REPO = pathlib.Path(__file__).resolve().parents[1]

@pytest.fixture
def repo(): return REPO

@pytest.fixture(scope='session')
def demo():
    "The demonstration model (trained once, cached in the temporary folder): its folder, tracking URI and run id."
    from ner_bilstm_crf.train import demo_model
    model = demo_model()
    run = json.loads((model/'mlflow_run.json').read_text())
    return dict(model=model, uri=run['tracking_uri'], run_id=run['run_id'])
