"""Ninox client benchmark: record parsing with schema codecs, and batch-save request counts.

Run: ``.venv/bin/python benchmarks/ninox_client.py``. Prints figures; asserts nothing about time.

1. Records parsed per second: a JSON page of records with 12 typed fields (text, number,
   boolean, date, datetime, time, timeinterval, appointment, choice, multi, ref, location) is
   parsed into ``Record`` objects, raw (no codecs) and with the schema codecs.
2. Batch save of 10,000 records through an ``httpx.MockTransport``: number of requests sent
   against the minimum ``ceil(n / chunk_size)``, for several chunk sizes, and wall time.
"""

from __future__ import annotations

import json
import math
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx

from ninoxsdk import Appointment, Location, NinoxClient
from ninoxsdk.fields import TableCodec
from ninoxsdk.models import schema_from_json
from ninoxsdk.resources import _ops as ops

SCHEMA = {
    "seq": 1,
    "types": {
        "A": {
            "caption": "Contacts",
            "fields": {
                "A": {"base": "string", "caption": "Name"},
                "B": {"base": "number", "caption": "Score"},
                "C": {"base": "boolean", "caption": "Active"},
                "D": {"base": "date", "caption": "Born"},
                "E": {"base": "datetime", "caption": "Next call"},
                "F": {"base": "time", "caption": "Opens"},
                "G": {"base": "timeinterval", "caption": "Spent"},
                "H": {"base": "appointment", "caption": "Meeting"},
                "I": {
                    "base": "choice",
                    "caption": "Stage",
                    "values": {"1": {"caption": "Lead"}, "2": {"caption": "Customer"}},
                },
                "J": {
                    "base": "multi",
                    "caption": "Tags",
                    "values": {"1": {"caption": "vip"}, "2": {"caption": "new"}},
                },
                "K": {"base": "ref", "caption": "Company"},
                "L": {"base": "location", "caption": "Where"},
            },
        }
    },
}


def wire_record(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "sequence": 1000 + i,
        "createdAt": "2025-03-02T09:14:05",
        "createdBy": "root",
        "modifiedAt": "2025-03-04T16:40:11",
        "modifiedBy": "u8f2k1",
        "fields": {
            "Name": f"Person {i}",
            "Score": i * 1.5,
            "Active": i % 2 == 0,
            "Born": "1990-05-17",
            "Next call": "2025-03-10T13:00:00",
            "Opens": "08:30:00",
            "Spent": "12:30:00.250",
            "Meeting": "2025-03-10T13:00:00 - 2025-03-10T14:00:00",
            "Stage": "Lead" if i % 3 else "Customer",
            "Tags": ["vip", "new"],
            "Company": 7,
            "Where": "Main St 1, Berlin <52.52,13.405>",
        },
    }


def bench_parse(n: int = 5000, repeat: int = 5) -> None:
    codec = TableCodec(schema_from_json(SCHEMA).tables[0])
    body = json.dumps([wire_record(i) for i in range(n)]).encode()
    response = httpx.Response(200, content=body)
    for label, parse in (
        ("raw fields (no codecs)", ops.records_parser(None)),
        ("schema codecs (12 typed fields)", ops.records_parser(codec)),
    ):
        best = math.inf
        for _ in range(repeat):
            start = time.perf_counter()
            records = parse(response)
            best = min(best, time.perf_counter() - start)
        assert len(records) == n
        rate = n / best
        print(f"  parse {label:34s}: {rate:>10,.0f} records/s  ({1e6 / rate:.1f} µs/record)")
    sample = ops.records_parser(codec)(httpx.Response(200, json=[wire_record(3)]))[0].fields
    assert isinstance(sample["Meeting"], Appointment)
    assert isinstance(sample["Where"], Location)


def bench_batch_save(n: int = 10_000) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/schema"):
            return httpx.Response(200, json=SCHEMA)
        items = json.loads(request.content)
        return httpx.Response(
            200,
            json=[{"id": i + 1, "fields": it["fields"]} for i, it in enumerate(items)],
        )

    records = [
        {
            "Name": f"Person {i}",
            "Score": i,
            "Active": True,
            "Born": date(1990, 5, 17),
            "Next call": datetime(2025, 3, 10, 13, tzinfo=timezone.utc),
            "Spent": timedelta(minutes=90),
            "Stage": "Lead",
            "Tags": ["vip"],
            "Company": 7,
        }
        for i in range(n)
    ]
    for chunk in (100, 250, 1000):
        counter = {"writes": 0, "all": 0}

        def counting(request: httpx.Request, counter: dict[str, int] = counter) -> httpx.Response:
            counter["all"] += 1
            if request.method == "POST":
                counter["writes"] += 1
            return handler(request)

        client = httpx.Client(transport=httpx.MockTransport(counting))
        with NinoxClient(api_key="bench-key-123456", http_client=client, min_interval=0) as nx:
            table = nx.database("T1", "db1").table("Contacts")
            start = time.perf_counter()
            saved = table.save(records, chunk_size=chunk)
            elapsed = time.perf_counter() - start
        client.close()
        assert len(saved) == n
        minimum = math.ceil(n / chunk)
        print(
            f"  save {n:,} records, chunk {chunk:>4}: {counter['writes']:>4} write requests "
            f"(minimum {minimum}), {counter['all'] - counter['writes']} schema read, "
            f"{elapsed:.2f} s ({n / elapsed:,.0f} records/s incl. validation + encoding)"
        )
    polite = math.ceil(n / 100) * 0.25
    print(
        f"  (with the default 0.25 s gap, 10k records at chunk 100 also wait >= {polite:.0f} s; "
        "the runs above use min_interval=0)"
    )


def main() -> None:
    print("ninoxsdk benchmark")
    bench_parse()
    bench_batch_save()


if __name__ == "__main__":
    main()
