"""benchmarks/peers.py on a short workload, with the peers CI has (BrainPy is a dependency).

The peers benchmark is only worth its table if every simulator computes the
same thing: here sk_stdp (dense and CSR rows) and the BrainPy model written in
the benchmark run a short Masquelier-sized workload and must agree on every
neuron's output spike count and, to float rounding, on the weights.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import peers, render  # noqa: E402


def test_the_workloads_are_the_same_for_every_peer():
    X, W0 = peers.make_inputs(peers.WORKLOADS["masquelier"])
    X2, W02 = peers.make_inputs(peers.WORKLOADS["masquelier"])
    assert X.shape == (60_000, 2000) and W0.shape == (4, 2000)
    assert (X == X2).all() and (W0 == W02).all()
    assert abs(X.mean() - 0.064) < 1e-3


def test_sk_stdp_and_brainpy_agree_on_a_short_run(tmp_path):
    out = tmp_path / "peers.json"
    # Run from another directory: the script must not depend on the working directory.
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "peers.py"), "--workloads",
                    "masquelier", "--peers", "sk_stdp,sk_stdp_csr,brainpy", "--steps", "3000",
                    "--rounds", "1", "--json", str(out)], check=True, cwd=tmp_path,
                   capture_output=True, text=True)
    run = json.loads(out.read_text())
    assert run["meta"]["date"] and run["meta"]["versions"]["sk_stdp"]
    (workload,) = run["workloads"]
    rows = {r["peer"]: r for r in workload["rows"]}
    assert set(rows) == {"sk_stdp", "sk_stdp_csr", "brainpy"}
    assert rows["sk_stdp"]["output_spikes"] > 0
    for row in rows.values():
        assert row["spike_counts_equal"], row
        assert row["max_weight_difference"] < 1e-5, row
        assert row["steps_per_s"] > 0
    assert rows["sk_stdp"]["vs_fastest_peer"] > 0
    # The table renders from such a file.
    header, body = render.peers(run)
    assert len(body) == 3 and len(header) == len(body[0])


def test_rerunning_some_workloads_keeps_the_others_with_their_dates(tmp_path):
    path = tmp_path / "peers.json"
    earlier = dict(date="2026-01-01", load_average=[1.0, 2.0])
    path.write_text(json.dumps(dict(meta=earlier, workloads=[
        dict(name="sparse", rows=[]), dict(name="masquelier", rows=["old"])])))
    peers.write_json(path, [dict(name="masquelier", rows=["new"])],
                     dict(date="2026-02-02", load_average=[0.5, 0.7]))
    run = json.loads(path.read_text())
    assert [w["name"] for w in run["workloads"]] == ["sparse", "masquelier"]
    assert run["workloads"][1]["rows"] == ["new"]
    assert run["workloads"][0]["date"] == "2026-01-01"
    assert run["meta"]["date"] == "2026-02-02"
    assert run["meta"]["sections"]["sparse"]["date"] == "2026-01-01"
