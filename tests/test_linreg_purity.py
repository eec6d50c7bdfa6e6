"""linreg imports NumPy and the standard library, nothing else."""

import subprocess
import sys


def test_importing_linreg_pulls_in_no_ui_or_pandas():
    code = (
        "import sys, linreg, linreg.__main__\n"
        "linreg.run_experiment()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'streamlit', 'plotly', 'pandas'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
