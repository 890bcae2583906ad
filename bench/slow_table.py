#!/usr/bin/env python3
"""Reads a pactad log on stdin and prints its "slow statement" lines
(--slow-statement-ms, server/db_slow.c) as a Markdown table: one row per
statement text, with how often it was slow and its slowest run.

    bench/slow_table.py [TITLE] < pactad.log
"""
import json
import re
import sys

# a statement's select list, when long, is the same for many of pactad's
# statements: the table shows what tells them apart
SELECT_LIST = re.compile(r"^SELECT (.{60,}?) FROM ")


def main():
    title = sys.argv[1] if len(sys.argv) > 1 else "Statements over the slow bound"
    rows = {}
    for line in sys.stdin:
        if '"slow statement"' not in line:
            continue
        try:
            e = json.loads(line)
        except ValueError:
            continue
        key = (e.get("connection", "?"), e.get("sql", ""))
        r = rows.setdefault(key, {"n": 0, "max": 0.0, "sum": 0.0, "full": 0, "sorts": 0})
        ms = float(e.get("ms", 0))
        r["n"] += 1
        r["sum"] += ms
        r["max"] = max(r["max"], ms)
        r["full"] = max(r["full"], int(e.get("full_scan_steps", 0)))
        r["sorts"] = max(r["sorts"], int(e.get("sorts", 0)))
    print(f"{title}: {sum(r['n'] for r in rows.values())} in {len(rows)} statement(s)")
    if not rows:
        return
    print()
    print("| times | mean ms | max ms | connection | full-scan steps (max) | sorts | statement |")
    print("|---:|---:|---:|---|---:|---:|---|")
    for (conn, sql), r in sorted(rows.items(), key=lambda kv: -kv[1]["sum"]):
        text = SELECT_LIST.sub("SELECT … FROM ", sql, count=1)
        text = text if len(text) <= 400 else text[:397] + "..."
        text = text.replace("|", "\\|")
        print(f"| {r['n']} | {r['sum'] / r['n']:.1f} | {r['max']:.1f} | {conn} | "
              f"{r['full']} | {r['sorts']} | `{text}` |")


if __name__ == "__main__":
    main()
