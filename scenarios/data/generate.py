#!/usr/bin/env python3
"""Writes the made-up sample exports in this folder (see README.md).

Deterministic: a fixed seed, so running it again gives the same files.
Usage: python3 scenarios/data/generate.py
"""

import json
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20241002
HASH_SPACE = 2**128
DAY = datetime(2024, 10, 2, tzinfo=timezone.utc)  # a Wednesday
MINUTES = 24 * 60
MISSING_MINUTES = 6
TENANTS = 2000


def write_json(name, value, indent):
    # The AWS CLI prints its JSON with json.dump(indent=4).
    (HERE / name).write_text(json.dumps(value, indent=indent) + "\n")


def shards(rng):
    """A stream created with 4 even shards; shard 1 split in the middle
    (children 4 and 5), then shard 5 split again (children 6 and 7)."""

    def sequence(low):
        # 56-digit sequence numbers that grow with the stream's history.
        return str(low * 10**52 + rng.randrange(10**52))

    width = HASH_SPACE // 4
    ranges = {i: (i * width, (i + 1) * width - 1) for i in range(4)}
    ranges[3] = (3 * width, HASH_SPACE - 1)
    listed = {i: {"start_seq": sequence(4960)} for i in range(4)}

    def split(parent, children, era):
        start, end = ranges[parent]
        middle = start + (end - start) // 2 + 1
        ranges[children[0]] = (start, middle - 1)
        ranges[children[1]] = (middle, end)
        listed[parent]["end_seq"] = sequence(era)
        for child in children:
            listed[child] = {"parent": parent, "start_seq": sequence(era + 1)}

    split(1, (4, 5), 4961)
    split(5, (6, 7), 4963)
    out = []
    for i in sorted(listed):
        entry = {"ShardId": f"shardId-{i:012d}"}
        if "parent" in listed[i]:
            entry["ParentShardId"] = f"shardId-{listed[i]['parent']:012d}"
        entry["HashKeyRange"] = {"StartingHashKey": str(ranges[i][0]), "EndingHashKey": str(ranges[i][1])}
        sequence_range = {"StartingSequenceNumber": listed[i]["start_seq"]}
        if "end_seq" in listed[i]:
            sequence_range["EndingSequenceNumber"] = listed[i]["end_seq"]
        entry["SequenceNumberRange"] = sequence_range
        out.append(entry)
    return {"Shards": out}


def smooth(x):
    """0 below 0, 1 above 1, an S-curve between."""
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def mean_rate(hour):
    """Records per second at `hour` (0..24) of a weekday."""
    night, peak, afternoon, late_afternoon = 600.0, 2400.0, 1950.0, 1800.0
    if hour < 6:
        return night
    if hour < 9:
        return night + (peak - night) * smooth((hour - 6) / 3)
    if hour < 11:
        return peak
    if hour < 13:
        return peak + (afternoon - peak) * smooth((hour - 11) / 2)
    if hour < 17:
        return afternoon + (late_afternoon - afternoon) * (hour - 13) / 4
    if hour < 22:
        return late_afternoon + (night - late_afternoon) * smooth((hour - 17) / 5)
    return night


def traffic(rng):
    """Per-minute sums of records and bytes, with a few minutes missing."""
    missing = set(rng.sample(range(1, MINUTES - 1), MISSING_MINUTES))
    wobble = 0.0
    minutes = []
    for m in range(MINUTES):
        hour = m / 60
        # Slow drift (AR(1)) on top of overdispersed Poisson counts.
        wobble = 0.9 * wobble + rng.gauss(0, 0.01)
        mean = mean_rate(hour) * 60 * (1 + wobble)
        records = max(0, round(rng.gauss(mean, 8 * math.sqrt(mean))))
        size = 600 * (1 + 0.04 * math.sin(2 * math.pi * (hour - 9) / 24)) + rng.gauss(0, 6)
        if m not in missing:
            minutes.append((m, float(records), float(round(records * size))))
    return minutes


def metrics_json(minutes):
    newest_first = sorted(minutes, reverse=True)
    stamps = [(DAY + timedelta(minutes=m)).isoformat() for m, _, _ in newest_first]

    def result(id_, label, column):
        return {
            "Id": id_,
            "Label": label,
            "Timestamps": stamps,
            "Values": [row[column] for row in newest_first],
            "StatusCode": "Complete",
        }

    return {
        "MetricDataResults": [result("records", "IncomingRecords", 1), result("bytes", "IncomingBytes", 2)],
        "Messages": [],
    }


def metrics_csv(minutes):
    lines = ["time_s,records_per_s,bytes_per_s"]
    first = minutes[0][0]
    for m, records, data in minutes:
        lines.append(f"{(m - first) * 60},{records / 60!r},{data / 60!r}")
    return "\n".join(lines) + "\n"


def keys(rng, total_records):
    """Tenants by record count: one hot tenant, a few warm ones, a tail."""
    others = rng.sample([t for t in range(10000) if t != 7], TENANTS - 1)
    head = [0.22, 0.06, 0.045, 0.035, 0.03]
    tail_weights = [rng.lognormvariate(0, 0.2) / (rank + 5) for rank in range(1, TENANTS - len(head) + 1)]
    tail_share = 1 - sum(head)
    scale = tail_share / sum(tail_weights)
    shares = [s * rng.uniform(0.97, 1.03) for s in head] + sorted((w * scale for w in tail_weights), reverse=True)
    rows = []
    for tenant, share in zip([7] + others, shares):
        count = round(share * total_records)
        size = 600 * rng.lognormvariate(0, 0.12)
        rows.append((f"tenant-{tenant:04d}", count, round(count * size)))
    rows.sort(key=lambda row: row[1], reverse=True)
    return rows


def main():
    rng = random.Random(SEED)
    write_json("orders-list-shards.json", shards(rng), 4)
    minutes = traffic(rng)
    write_json("orders-metrics.json", metrics_json(minutes), 4)
    (HERE / "orders-metrics.csv").write_text(metrics_csv(minutes))
    table = keys(rng, round(sum(records for _, records, _ in minutes)))
    quoted = ['"partition_key","count","bytes"'] + [f'"{k}","{c}","{b}"' for k, c, b in table]
    (HERE / "orders-keys.csv").write_text("\n".join(quoted) + "\n")
    write_json("orders-keys-khs.json", [{"partitionKey": k, "count": c} for k, c, _ in table[:10]], 2)


if __name__ == "__main__":
    main()
