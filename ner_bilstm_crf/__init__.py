__version__ = "0.1.0"

# The front door: `from ner_bilstm_crf import NERTagger, train, TrainConfig, load_dataset, evaluate, stats_table, read_conll`.
# Each name is imported from its module on first use, so `import ner_bilstm_crf` (and the CLI) starts without torch or MLflow.
_FRONT_DOOR = dict(load_dataset='data', stats_table='data', read_conll='data', TrainConfig='train', train='train', demo_model='train', evaluate='evaluate', NERTagger='predict')
__all__ = ['__version__', *_FRONT_DOOR]

def __getattr__(name):
    if name not in _FRONT_DOOR: raise AttributeError(f"module 'ner_bilstm_crf' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f'ner_bilstm_crf.{_FRONT_DOOR[name]}'), name)
    globals()[name] = value  # `train` and `evaluate` are also module names: the function wins, as with `from .train import *`
    return value
