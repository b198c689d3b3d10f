"""Print every figure the benchmarks reported in this run as one table."""

import json
import sys

from common import RESULTS

VERDICTS = {True: "met", False: "MISSED", None: ""}


def main() -> int:
    if not RESULTS.exists():
        print("No benchmark results.")
        return 1
    rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    headers = ["benchmark", "figure", "value", "unit", "target", "verdict"]
    table = [[r["bench"], r["metric"], str(r["value"]), r["unit"], r["target"], VERDICTS[r["ok"]]] for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
    return 0 if all(r["ok"] is not False for r in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
