"The README is made from nbs/index.ipynb and gives exactly the two commands CI runs."
import json, re

def sh_blocks(text): return re.findall(r"```sh\n(.*?)\n```", text, flags=re.S)

def test_readme_matches_index_notebook(repo):
    readme = (repo/'README.md').read_text()
    nb = json.loads((repo/'nbs'/'index.ipynb').read_text())
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown': assert src in readme, f"README.md lacks index.ipynb's text: {src[:80]!r}"

def test_readme_gives_two_commands_and_ci_runs_the_test_one(repo):
    commands = sh_blocks((repo/'README.md').read_text())
    assert len(commands) == 2, commands
    main_cmd, test_cmd = commands
    assert main_cmd.startswith('pip install') and 'ner-bilstm-crf' in main_cmd
    assert 'nbdev_test' in test_cmd and 'pytest' in test_cmd
    ci_lines = (repo/'.ci'/'run').read_text().splitlines()
    assert test_cmd in ci_lines, f".ci/run does not run the README's test command {test_cmd!r}"
