"Helpers shared by the tests that drive the package from outside."
import json, os, signal, socket, subprocess, sys, time, urllib.request
from contextlib import contextmanager
from pathlib import Path
import pytest
from ner_bilstm_crf.data import load_dataset, write_conll

def small_dataset(folder:Path, n_train:int=300, n_eval:int=100) -> Path:
    "The first sentences of each WNUT-17 split, written as a data set folder."
    wnut = load_dataset()
    for split, n in dict(train=n_train, valid=n_eval, test=n_eval).items(): write_conll(wnut[split][:n], folder/f'{split}.txt')
    return folder

def free_port() -> int:
    "A TCP port free on 127.0.0.1."
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def post(url:str, body) -> dict:
    "POST `body` as JSON to `url`; the JSON answer."
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=60) as r: return json.loads(r.read())

@contextmanager
def served(model_uri:str, tracking_uri:str, folder:Path):
    "`mlflow models serve` of `model_uri` on a free local port, up and answering /ping; yields its /invocations URL."
    port, log = free_port(), open(folder/'serve.log', 'w')
    env = {**os.environ, 'MLFLOW_TRACKING_URI': tracking_uri, 'MLFLOW_REGISTRY_URI': tracking_uri}
    server = subprocess.Popen([sys.executable, '-m', 'mlflow', 'models', 'serve', '-m', model_uri, '--env-manager', 'local', '--host', '127.0.0.1',
                               '--port', str(port)], env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(240):
            if server.poll() is not None: pytest.fail(f"mlflow models serve exited: {(folder/'serve.log').read_text()[-2000:]}")
            try: urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1); break
            except OSError: time.sleep(0.5)
        else: pytest.fail("mlflow models serve did not answer /ping within 120 s")
        yield f"http://127.0.0.1:{port}/invocations"
    finally:
        os.killpg(server.pid, signal.SIGTERM); server.wait(timeout=30); log.close()

@contextmanager
def running(cmd:list[str], url:str, log_path:Path, seconds:int=120):
    "Run `cmd` (a server) in its own process group until `url` answers; stop it on exit."
    log = open(log_path, 'w')
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(seconds * 2):
            if server.poll() is not None: pytest.fail(f"{cmd[0]} exited with status {server.returncode}: {log_path.read_text()[-2000:]}")
            try: urllib.request.urlopen(url, timeout=1); break
            except OSError: time.sleep(0.5)
        else: pytest.fail(f"{url} did not answer within {seconds} s: {log_path.read_text()[-2000:]}")
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM); server.wait(timeout=30); log.close()
