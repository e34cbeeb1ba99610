"""07_evaluate in a real Jupyter kernel (nbclient + ipykernel), as a reader runs it: its plots display as PNG images,
not as `<Figure size 500x350 with 1 Axes>` (nbdev's own executor renders figures that a live kernel did not)."""
import json, shutil
from pathlib import Path
import pytest

nbclient, nbformat = pytest.importorskip('nbclient'), pytest.importorskip('nbformat')
pytest.importorskip('ipykernel')
REPO = Path(__file__).resolve().parents[1]

def test_evaluate_notebook_shows_its_plots_in_a_live_kernel(tmp_path):
    nb = nbformat.read(REPO/'nbs'/'07_evaluate.ipynb', as_version=4)
    for cell in nb.cells: cell.outputs = [] if cell.cell_type == 'code' else None
    nbclient.NotebookClient(nb, timeout=900, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}}).execute()
    plots = [c for c in nb.cells if c.cell_type == 'code' and c.source.splitlines()[-1].strip() == 'fig']
    assert len(plots) >= 4, [c.source[:60] for c in plots]
    for cell in plots:
        data = [o.get('data', {}) for o in cell.outputs if o.output_type in ('execute_result', 'display_data')]
        assert any('image/png' in d for d in data), f"no PNG for {cell.source[:80]!r}: {[list(d) for d in data]}"
        assert not any(d.get('text/plain', '').startswith('<Figure') and 'image/png' not in d for d in data), cell.source[:80]
