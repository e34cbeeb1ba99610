"Batch tagging on Spark (local[2]) through MLflow's spark_udf: the same entities as the local engine, registered models, one-line errors."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

pyspark = pytest.importorskip('pyspark', reason="pyspark is not installed (pip install 'ner_bilstm_crf[spark]'): the Spark tests skip")
if not (shutil.which('java') or os.environ.get('JAVA_HOME')):
    pytest.skip("no Java runtime (java on PATH or JAVA_HOME): the Spark tests skip; apt-get install openjdk-17-jre-headless", allow_module_level=True)

from ner_bilstm_crf.data import load_dataset
from ner_bilstm_crf.predict import NERTagger, predict_file, spark_predict, spark_session, register_tagger
from ner_bilstm_crf.train import TrainConfig, train, demo_model
from helpers import small_dataset

@pytest.fixture(scope='module')
def spark():
    "One SparkSession on local[2] for the module: spark_predict uses it and leaves it running."
    session = spark_session('local[2]')
    yield session
    session.stop()

def entities_of(parquet) -> list:
    import pandas as pd
    rows = pd.read_parquet(parquet).sort_values('id')
    assert rows['id'].tolist() == list(range(len(rows)))
    return [[dict(e) for e in es] for es in rows['entities']]

def test_spark_tags_the_wnut17_test_texts_as_the_local_engine(spark, tmp_path):
    model = demo_model()
    texts = tmp_path/'wnut17_test.txt'
    texts.write_text('\n'.join(' '.join(s.tokens) for s in load_dataset()['test']) + '\n', encoding='utf-8')
    local = [json.loads(l)['entities'] for l in predict_file(str(model), str(texts), str(tmp_path/'local.jsonl'), device='cpu', progress=False).read_text().splitlines()]
    on_spark = entities_of(predict_file(str(model), str(texts), str(tmp_path/'spark.parquet'), engine='spark', master='local[2]'))
    assert len(on_spark) == len(local) == 1287 and sum(map(len, local)) > 100
    assert on_spark == local

def test_a_registered_champion_tags_parquet_by_its_models_uri(spark, tmp_path):
    import pandas as pd
    uri = f"sqlite:///{tmp_path}/mlruns.db"
    data = small_dataset(tmp_path/'data', n_train=150, n_eval=50)
    result = train(TrainConfig(dataset=str(data), epochs=1, hidden_size=16, char_filters=8, progress=False, output_dir=str(tmp_path/'X'),
                               tracking_uri=uri, experiment='spark', cache_dir=str(tmp_path/'processed'), log_dir=str(tmp_path/'logs')))
    assert register_tagger(result['output_dir'], 'spark-ner')['alias'] == 'champion'
    texts = ["Justin Bieber was spotted in Los Angeles", "Nothing here", "Selena Gomez and Taylor Swift in New York"]
    pd.DataFrame({'id': [10, 11, 12], 'text': texts, 'other': [1, 2, 3]}).to_parquet(tmp_path/'in.parquet')
    out = spark_predict('models:/spark-ner@champion', str(tmp_path/'in.parquet'), str(tmp_path/'out.jsonl'), tracking_uri=uri)
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    assert [r['id'] for r in rows] == [10, 11, 12] and [r['text'] for r in rows] == texts
    assert [r['entities'] for r in rows] == NERTagger.load('models:/spark-ner@champion', 'cpu', uri).predict(texts)

def test_a_bad_column_is_one_line(spark, tmp_path):
    import pandas as pd
    pd.DataFrame({'body': ['a text']}).to_parquet(tmp_path/'in.parquet')
    with pytest.raises(ValueError, match=r"in\.parquet: no 'text' column to tag \(it has body\)$"):
        spark_predict(str(demo_model()), str(tmp_path/'in.parquet'), str(tmp_path/'out.parquet'))

def test_a_bad_input_path_is_one_line_from_the_cli(tmp_path):
    res = subprocess.run(['ner-bilstm-crf', 'predict', str(demo_model()), str(tmp_path/'missing*.txt'), '-o', str(tmp_path/'out.parquet'),
                          '--engine', 'spark', '--master', 'local[2]'], capture_output=True, text=True, timeout=300)
    assert res.returncode == 1
    assert res.stderr.splitlines() == [f"ner-bilstm-crf: error: no input {tmp_path/'missing*.txt'} (a text file, folder or glob of them, or Parquet with a 'text' column)"]
    assert not (tmp_path/'out.parquet').exists()
