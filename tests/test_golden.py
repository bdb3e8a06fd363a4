"""The shipped scenarios give exactly the results kept in tests/golden/.

When a change is meant to move simulated numbers, regenerate with `.venv/bin/python
tests/golden.py` and let the diff of tests/golden/ show what moved."""

import pytest
from golden import FILES, GOLDEN, SCENARIOS, outputs


@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_scenarios_match_their_golden_files(name):
    now = outputs(name)
    for file in FILES:
        kept = (GOLDEN / name / file).read_bytes()
        if now[file] != kept:
            old, new = kept.decode().splitlines(), now[file].decode().splitlines()
            first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
            pytest.fail(f"{name}/{file} differs from the golden file from line {first + 1}:\n"
                        f"  golden: {old[first] if first < len(old) else '(end)'}\n"
                        f"  now:    {new[first] if first < len(new) else '(end)'}\n"
                        "If the change is meant, regenerate: .venv/bin/python tests/golden.py")
