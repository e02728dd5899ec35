"""Run every benchmark (benchmarks/bench_*.py) and print one table.

    python benchmarks/run.py            # full size, as quoted in the closing notes
    python benchmarks/run.py --scale 0.1 # a tenth of the rows, for a quick look
    python benchmarks/run.py --only ingest

Each module exposes `run(scale: float) -> list[Result]`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Result  # noqa: E402


def _modules(only: str | None) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if only is None or only in n]


def _format(result: Result) -> str:
    ratio = f"{result.ratio:.2f}x {result.baseline_name}" if result.ratio else ""
    return (
        f"| {result.name:<52} | {result.value:>14,.1f} {result.unit:<8} "
        f"| {result.target:<14} | {ratio:<28} |"
    )


def main() -> None:
    """Parse the options, run the selected benchmarks, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full row counts")
    parser.add_argument("--only", default=None, help="run benchmark modules whose name has this")
    args = parser.parse_args()
    print(
        f"fraudwatch benchmarks on {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"scale {args.scale}"
    )
    rows: list[Result] = []
    for name in _modules(args.only):
        print(f"running {name} …", flush=True)
        module = importlib.import_module(name)
        results = module.run(args.scale)
        for result in results:
            print("  " + _format(result), flush=True)
        rows.extend(results)
    print()
    print(f"| {'benchmark':<52} | {'figure':>23} | {'target':<14} | {'vs baseline':<28} |")
    print(f"|{'-' * 54}|{'-' * 25}|{'-' * 16}|{'-' * 30}|")
    for result in rows:
        print(_format(result))


if __name__ == "__main__":
    main()
