"""``python -m linreg``: the article's numbers, JSON output and clean errors."""

import json
import subprocess
import sys

import pytest

from linreg.__main__ import join_negative_values, main, with_flags

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
        (["--lr", "-1"], "error: --lr must be > 0.0, got -1.0"),
        (["--n", "1"], "error: --n must be >= 2, got 1"),
        (["--train-ratio", "0.01", "--n", "10"], "error: the train split must not be empty"),
        (["--n-iters", "2000000"], "error: --n-iters must be <= 1,000,000"),
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # argparse alone would take these negative numbers for options ("expected one argument")
        (["--lr", "-1e-3"], "error: --lr must be > 0.0, got -0.001\n"),
        (["--lr", "-1E3"], "error: --lr must be > 0.0, got -1000.0\n"),
        (["--lr", "-.5"], "error: --lr must be > 0.0, got -0.5\n"),
        (["--lr", "-inf"], "error: --lr must be finite, got -inf\n"),
        (["--lr", "-nan"], "error: --lr must be finite, got nan\n"),
        (["--x-min", "-inf"], "error: --x-min must be finite, got -inf\n"),
        (["--n", "-5"], "error: --n must be >= 2, got -5\n"),
        (["--noise", "-1e-3"], "error: --noise must be >= 0.0, got -0.001\n"),
        # limits of float64, named by the flag the user gave
        (["--noise", "1e308"], "error: --noise must be <= 1e+150, got 1e+308\n"),
        (["--slope", "1e308"], "error: --slope must be <= 1e+150, got 1e+308\n"),
        (["--x-min", "-1e308", "--x-max", "1e308"], "error: --x-min must be >= -1e+150, got -1e+308\n"),
        (["--lr", "1e308"], "error: --lr must be <= 1000.0, got 1e+308\n"),
        (["--x-min", "0", "--x-max", "1e-300"], "error: --x-max - --x-min must be >= 1e-150, got 1e-300\n"),
        (
            ["--slope", "1e150", "--x-max", "1e10"],
            "|--slope| * max(|--x-min|, |--x-max|) + |--intercept| + 10 * --noise",
        ),
        (["--noise", "1e150"], "10 * --noise must be <= 1e+150"),
        (["--x-min", "5", "--x-max", "5"], "error: --x-min must be < --x-max, got --x-min=5.0, --x-max=5.0\n"),
        (["--tol", "2"], "error: --tol must be < 1.0, got 2.0\n"),
        (["--seed", str(10**40)], "error: --seed must be <= 4,294,967,295, got an integer of 41 digits\n"),
        (
            ["--train-ratio", "0.01", "--n", "10"],
            "error: the train split must not be empty: --n=10 with --train-ratio=0.01",
        ),
    ],
)
def test_main_names_the_flag_and_the_rule(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m linreg: error: ")
    assert message in err
    assert "usage:" not in err  # the library's message, not argparse's


def test_negative_numbers_in_scientific_notation_are_values(capsys):
    assert main(["--json", "--x-min", "-1e3", "--x-max", "-1E1", "--lr", "1e-7", "--n-iters", "10"]) == 0
    params = json.loads(capsys.readouterr().out)["params"]
    assert (params["x_min"], params["x_max"], params["lr"]) == (-1000.0, -10.0, 1e-7)


@pytest.mark.parametrize(
    ("argv", "joined"),
    [
        (["--lr", "-1e-3", "--n", "5"], ["--lr=-1e-3", "--n", "5"]),
        (["--x-min=-1e3"], ["--x-min=-1e3"]),
        (["--lr", "-h"], ["--lr", "-h"]),  # not a number: argparse reports it
        (["--lr", "5"], ["--lr", "5"]),
        (["--", "--lr", "-1"], ["--", "--lr", "-1"]),
        (["--lr"], ["--lr"]),
    ],
)
def test_join_negative_values(argv, joined):
    assert join_negative_values(argv) == joined


def test_with_flags_replaces_whole_parameter_names_only():
    assert with_flags("n=10, n_iters=5, x_min < x_max, standardized, noise") == (
        "--n=10, --n-iters=5, --x-min < --x-max, standardized, --noise"
    )


@pytest.mark.parametrize("args", [["--lr", "-h"], ["--json", "-1e3"]])
def test_what_is_not_a_value_still_gives_the_usage_error(capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert "usage: python -m linreg" in capsys.readouterr().err
