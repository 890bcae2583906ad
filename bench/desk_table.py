#!/usr/bin/env python3
"""Turns pacta-desk's PACTA_DESK_BENCH JSON (stdin) into the Markdown tables
of bench/RESULTS.md.  Used by bench/desk_100k.sh."""
import json
import sys

r = json.load(sys.stdin)
n = r["contracts"]
print("| figure | value |")
print("|---|---|")
print(f"| contracts in the list | {n} |")
print(f"| window shown -> all rows in the visible model | {r['load_from_window_ms'] / 1000:.1f} s |")
print(f"| RSS: window shown (empty list) / all loaded / after the run "
      f"| {r['rss_window_mb']:.0f} / {r['rss_loaded_mb']:.0f} / {r['rss_end_mb']:.0f} MB |")
per = (r["rss_loaded_mb"] - r["rss_window_mb"]) * 1024 * 1024 / max(n, 1)
print(f"| RSS per contract (loaded - empty) / malloc heap in use | {per / 1024:.1f} KB / "
      f"{r['heap_loaded_mb']:.0f} MB |")
print(f"| row widgets (cells) after loading; most rows while scrolling "
      f"| {r['row_widgets']} ({r['cell_widgets']}); {r['row_widgets_max_scroll']} |")
for key, what in (("live", "no filter"), ("live_filtered", "search filter on")):
    a, s = r[key]["event_applied_ms"], r[key]["row_shown_ms"]
    print(f"| live update ({what}): sent -> row model changed, p50 / max | "
          f"{a['p50']:.0f} / {a['max']:.0f} ms |")
    print(f"| live update ({what}): sent -> visible row shows it, p50 / max | "
          f"{s['p50']:.0f} / {s['max']:.0f} ms |")
print(f"| sort by title (click) -> sorted | {r['sort_by_title_ms'] / 1000:.1f} s |")
print()
print("| search text | rows shown | search delay ms | filter ms | keystroke -> list ms |")
print("|---|---|---|---|---|")
for s in r["search"]:
    text = s["text"] or "(cleared)"
    print(f"| `{text}` | {s['shown']} | {s['search_delay_ms']:.0f} | {s['filter_ms']:.0f} "
          f"| {s['keystroke_to_list_ms']:.0f} |")
print()
print("| phase | frames | frame interval p50 / p99 / max ms | main-loop gap p99 / max ms |")
print("|---|---|---|---|")
for name, p in r["phases"].items():
    f, g = p["frame_interval_ms"], p["loop_gap_ms"]
    print(f"| {name} | {f['n']} | {f['p50']:.0f} / {f['p99']:.0f} / {f['max']:.0f} "
          f"| {g['p99']:.0f} / {g['max']:.0f} |")
if not r["ok"]:
    print("\n**The measurement did not finish (see stderr).**")
