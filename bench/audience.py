"""The audience figures of issue 3, in one run: imports, then segments.

    python bench/audience.py [--quick]

Runs bench/audience_import.py (CSV import rows/s and peak RSS against raw sqlite3.executemany)
and bench/audience_segments.py (segment count and id listing against hand-written SQL), each
in its own process, one after the other so they do not compete for the machine. --quick runs
the smaller size only (100,000 rows). Run either script alone for its own options.
"""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv):
    quick = "--quick" in argv
    runs = [
        ["audience_import.py", *(["--rows", "100000"] if quick else [])],
        ["audience_segments.py", *(["--sizes", "100000"] if quick else [])],
    ]
    failed = 0
    for script, *args in runs:
        print(f"\n=== {script} {' '.join(args)}".rstrip(), flush=True)
        failed |= subprocess.run([sys.executable, str(HERE / script), *args], check=False).returncode
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
