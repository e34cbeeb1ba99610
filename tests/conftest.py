import os, pathlib, pytest

REPO = pathlib.Path(__file__).resolve().parents[1]

@pytest.fixture
def repo(): return REPO

@pytest.fixture
def shared_data():
    "The research data folder beside the repo, or a skip with the reason."
    path = REPO.parent/'shared'/'data'
    if not path.is_dir(): pytest.skip(f"research data not found at {path} (the CoNLL sets are not shipped)")
    return path
