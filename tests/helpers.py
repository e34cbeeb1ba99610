"Helpers shared by the tests that drive the package from outside."
import socket
from pathlib import Path
from ner_bilstm_crf.data import load_dataset, write_conll

def small_dataset(folder:Path, n_train:int=300, n_eval:int=100) -> Path:
    "The first sentences of each WNUT-17 split, written as a data set folder."
    wnut = load_dataset()
    for split, n in dict(train=n_train, valid=n_eval, test=n_eval).items(): write_conll(wnut[split][:n], folder/f'{split}.txt')
    return folder

def free_port() -> int:
    "A TCP port free on 127.0.0.1."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]
