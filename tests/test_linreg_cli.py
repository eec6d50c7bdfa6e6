"""``python -m linreg``: the article's numbers, JSON output and clean errors."""

import json
import subprocess
import sys

import pytest

JSON_KEYS = {
    "w_1", "w_2", "r2_test", "mse_test", "mse_train", "n_iter", "converged", "diverged", "stop_reason",
    "ols_w_1", "ols_w_2", "max_stable_lr", "condition_number", "seconds",
}  # fmt: skip


def run(*args):
    return subprocess.run([sys.executable, "-m", "linreg", *args], capture_output=True, text=True, timeout=120)


def test_human_output_prints_the_article_result():
    out = run()
    assert out.returncode == 0, out.stderr
    assert "R² on Test Data = 0.95" in out.stdout
    assert "Final Model: w_1=3.48, w_2=9.57" in out.stdout
    assert "least squares           3.480336          9.565125" in out.stdout
    assert "true line               3.500000         10.000000" in out.stdout
    assert "condition number: 1.247e+04" in out.stdout
    assert "stable below lr = 0.0006223" in out.stdout
    for label in ("MSE", "RMSE", "MAE", "R²"):
        assert f"\n{label} " in out.stdout


def test_json_output():
    out = run("--json")
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert JSON_KEYS <= record.keys()
    assert round(record["w_1"], 6) == 3.480336 and round(record["w_2"], 6) == 9.565101
    assert round(record["r2_test"], 2) == 0.95
    assert record["n_iter"] == 100_000 and record["converged"] is True and record["diverged"] is False
    assert record["ols_w_1"] == pytest.approx(3.480336, abs=1e-6)
    assert record["max_stable_lr"] == pytest.approx(6.22e-4, rel=1e-3)
    assert record["seconds"] > 0


def test_flags_change_the_run():
    record = json.loads(run("--json", "--standardize", "--lr", "0.5", "--n-iters", "50", "--seed", "7").stdout)
    assert record["params"]["seed"] == 7 and record["params"]["standardize"] is True
    assert record["converged"] is True and record["max_stable_lr"] == pytest.approx(2.0)


def test_divergence_is_reported_not_raised():
    out = run("--json", "--lr", "0.01")
    assert out.returncode == 0
    record = json.loads(out.stdout)
    assert record["diverged"] is True and "stable bound" in record["stop_reason"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "-1"], "error: lr must be > 0.0, got -1.0"),
        (["--n", "1"], "error: n must be >= 2, got 1"),
        (["--train-ratio", "0.01", "--n", "10"], "error: the train split must not be empty"),
        (["--n-iters", "2000000"], "error: n_iters must be <= 1,000,000"),
    ],
)
def test_bad_values_exit_2_with_the_library_message(args, message):
    out = run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--lr", "abc"]])
def test_bad_flags_give_the_usage_error(args):
    out = run(*args)
    assert out.returncode == 2
    assert "usage: python -m linreg" in out.stderr and "Traceback" not in out.stderr
