#!/usr/bin/env python3
"""Scores a leak probe on an Attune data set under leave-one-out: recommend the k unseen item ids just above the
user's last history item, in ascending id order.

Why: where a data set's rows are sorted by item id within a user and several items share the last time, the
file's order decides which of them is held out (Splits.leaveOneOut keeps ties in input order). The held-out item is
then the highest id of that second, just above the history's last item, and this probe, which knows nothing of
the items, finds it. A probe near popularity or below says that the order of tied events no longer gives the
held-out item away (docs/benchmarks.md, "Same-second ties in MovieLens-100K").

Usage: attune-bench/next-ids-heuristic.py <data set dir written by 'attune import'> [k, default 10]

Re-derives the split as Splits.leaveOneOut does for a data set whose events all have positive weight and no
repeat scenes (MovieLens: every rating is a positive event): per user, events in time order with ties in the
order of events.bin, each item's first event a target; users with fewer than 3 targets are not tested; the last
target is the test item, and the history is every target before it (the validation item included, as the
classic models of 'attune evaluate' train on it). Ids must be decimal numbers (they are compared as numbers).
"""
import json
import math
import struct
import sys
from collections import defaultdict


def read_events(path):
    """The users, items and times of events.bin (DatasetIo.writeLog: big-endian columns after a 12-byte header)."""
    with open(path, "rb") as f:
        data = f.read()
    _magic, _version, n = struct.unpack_from(">iii", data, 0)
    at = 12
    users = struct.unpack_from(">%di" % n, data, at)
    at += 4 * n
    items = struct.unpack_from(">%di" % n, data, at)
    at += 4 * n + 2 * n + 2 * n + 4 * n  # items, then types, scenes and values, unused here
    times = struct.unpack_from(">%dq" % n, data, at)
    return users, items, times


def main():
    folder = sys.argv[1]
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    with open(folder + "/items.jsonl", encoding="utf-8") as f:
        item_ids = [int(json.loads(line)["id"]) for line in f if line.strip()]
    catalogue = sorted(item_ids)
    users, items, times = read_events(folder + "/events.bin")
    rows_of = defaultdict(list)
    for r, u in enumerate(users):
        rows_of[u].append(r)
    tested = hits = 0
    ndcg = 0.0
    for u, rows in rows_of.items():
        rows.sort(key=lambda r: times[r])  # stable: ties keep the order of events.bin
        targets = []
        seen = set()
        for r in rows:
            if items[r] not in seen:
                seen.add(items[r])
                targets.append(item_ids[items[r]])
        if len(targets) < 3:
            continue
        test, history = targets[-1], targets[:-1]
        last, excluded = history[-1], set(history)
        picks = [i for i in catalogue if i > last and i not in excluded][:k]
        tested += 1
        if test in picks:
            hits += 1
            ndcg += 1.0 / math.log2(picks.index(test) + 2)
    print("%s: %d test users, next-%d-ids probe HR@%d %.4f, NDCG@%d %.4f"
          % (folder, tested, k, k, hits / tested, k, ndcg / tested))


if __name__ == "__main__":
    main()
