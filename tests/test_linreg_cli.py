"""``python -m linreg``: the article's numbers, JSON output and clean errors."""

import json
import subprocess
import sys

import numpy as np
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


def test_json_gives_per_coefficient_arrays_and_keeps_w_1_w_2_for_one_feature(capsys):
    assert main(["--json", "--n-iters", "10"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["feature_names"] == ["x"] and record["coef"] == [record["w_1"]]
    assert record["intercept"] == record["w_2"] and record["ols_coef"] == [record["ols_w_1"]]
    assert record["ols_intercept"] == record["ols_w_2"] and record["status"] == "max_iter"


def test_a_bundled_table_converges_with_the_real_data_defaults(capsys):
    assert main(["--data", "longley", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["feature_names"]) == len(record["coef"]) == len(record["ols_coef"]) == 6
    assert "w_1" not in record and record["status"] == "converged" and record["identifiable"] is True
    assert record["params"]["standardize"] is True and record["params"]["lr"] is None
    assert record["lr"] == record["suggested_lr"] and record["params"]["data"] == "longley"
    assert record["ols_intercept"] == pytest.approx(-4081068.036, rel=1e-9)  # its 12 training years


def test_a_bundled_table_in_words():
    out = run("--data", "norris")
    assert out.returncode == 0, out.stderr
    assert "Data: NIST StRD Norris" in out.stdout and "Status: converged" in out.stdout
    assert "on standardized x" in out.stdout


def test_the_article_flags_apply_to_tables_too(capsys):
    assert main(["--data", "norris", "--json", "--no-standardize", "--lr", "1e-6", "--n-iters", "5"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["params"]["standardize"] is False and record["lr"] == 1e-6 and record["n_iter"] == 5


def test_a_csv_file_without_intercept(tmp_path, capsys):
    rng = np.random.RandomState(0)
    table = np.column_stack([rng.normal(size=(40, 3)), np.zeros(40)])
    table[:, 3] = table[:, :2] @ [2.0, -1.0] + 0.01 * rng.normal(size=40)
    path = tmp_path / "cal.csv"
    np.savetxt(path, table, delimiter=",", header="a,b,unused,y", comments="")
    argv = ["--csv", str(path), "--target", "y", "--features", "a, b", "--no-intercept", "--json"]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["feature_names"] == ["a", "b"] and record["intercept"] == 0 and record["ols_intercept"] == 0
    assert record["coef"] == pytest.approx([2.0, -1.0], abs=0.01) and record["status"] == "converged"
    assert record["params"]["fit_intercept"] is False and record["params"]["features"] == ["a", "b"]


def test_what_reading_a_csv_did_goes_to_stderr(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n0,1\n1,3\n2,\n3,7\n4,9\n5,11\n")
    assert main(["--csv", str(path), "--target", "y", "--json", "--train-ratio", "0.6"]) == 0
    out = capsys.readouterr()
    assert "Dropped 1 of 6 rows with a missing value in y." in out.err
    record = json.loads(out.out)
    assert record["ols_coef"] == pytest.approx([2.0]) and record["source"] == "t.csv: 5 rows"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--csv", "f.csv"], "--csv needs --target"),
        (["--data", "longley", "--csv", "f.csv", "--target", "y"], "--data and --csv are alternatives"),
        (["--data", "longley", "--slope", "2"], "--slope set synthetic data; they do not apply"),
        (["--target", "y"], "--target and --features go with --csv"),
        (["--data", "iris"], "invalid choice: 'iris'"),
    ],
)
def test_data_flags_that_do_not_go_together_give_the_usage_error(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: python -m linreg" in err and message in err


def test_csv_problems_name_the_file_and_columns(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("a,y\n1,2\n2,4\n3,7\n")
    for argv, message in [
        (["--csv", str(tmp_path / "missing.csv"), "--target", "y"], "cannot read --csv"),
        (["--csv", str(path), "--target", "z"], "t.csv has no column named 'z'; its columns are a, y."),
        (["--csv", str(path), "--target", "y", "--split-seed", "-1"], "--split-seed must be >= 0"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2 and message in capsys.readouterr().err
