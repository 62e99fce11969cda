"""Benchmark an OAI-PMH harvest: ListRecords over every page of a large catalogue.

Run as `python benchmarks/oai.py [--sessions N] [--page-size P]`. It fills a
scratch archive home with N published sessions (four programme items and four
speakers each, in 20 series), starts the real portal (`archive serve`) on a
free loopback port and harvests `/oai?verb=ListRecords&metadataPrefix=oai_dc`
to the end, following resumption tokens. It prints one JSON object: pages,
records, bytes, whole-harvest seconds and p50/p95/max per page, for the first
and the last tenth of the pages apart (keyset paging should keep them alike).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.api import free_port, wait_until_up  # noqa: E402

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def fill(home: Path, sessions: int) -> None:
    """Create the catalogue with `sessions` published sessions."""
    from core.catalogue import open_catalogue
    from core.catalogue.schema import Appearance, Person, ProgrammeItem, Series, Session
    from core.settings import load_settings

    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    try:
        with catalogue.session() as db:
            series = [Series(slug=f"serie-{n}", title=f"Série {n}") for n in range(20)]
            people = [Person(slug=f"p-{n}", name=f"Personne {n}") for n in range(200)]
            db.add_all(series + people)
            for n in range(sessions):
                session = Session(
                    slug=f"seance-{n:06d}",
                    title=f"Séance {n}",
                    date=date(2000, 1, 1) + timedelta(days=n),
                    description="Une séance du séminaire. " * 20,
                    place="Paris",
                    series=series[n % 20],
                    published=True,
                )
                for i in range(4):
                    item = ProgrammeItem(position=i, kind="talk", title=f"Exposé {n}.{i}")
                    item.appearances.append(Appearance(person=people[(n + i) % 200]))
                    session.items.append(item)
                db.add(session)
    finally:
        catalogue.dispose()


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.5), 1), "p95_ms": round(pick(0.95), 1), "max_ms": ordered[-1]}


def harvest(port: int) -> dict:
    """Harvest every page; return the figures."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    args = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    connection.request("GET", "/oai?" + urlencode(args))  # warm: first queries, templates
    connection.getresponse().read()
    times_ms, records, size = [], 0, 0
    started = time.perf_counter()
    while True:
        tick = time.perf_counter()
        connection.request("GET", "/oai?" + urlencode(args))
        body = connection.getresponse().read()
        times_ms.append(round((time.perf_counter() - tick) * 1000, 1))
        size += len(body)
        listed = ET.fromstring(body).find(f"{OAI}ListRecords")
        records += len(listed.findall(f"{OAI}record"))
        token = listed.findtext(f"{OAI}resumptionToken")
        if not token:
            break
        args = {"verb": "ListRecords", "resumptionToken": token}
    tenth = max(1, len(times_ms) // 10)
    return {
        "pages": len(times_ms),
        "records": records,
        "bytes": size,
        "harvest_s": round(time.perf_counter() - started, 2),
        "first_pages": _percentiles(times_ms[:tenth]),
        "last_pages": _percentiles(times_ms[-tenth:]),
    }


def main() -> int:
    """Fill, serve, harvest, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="oai-bench-"))
    tick = time.perf_counter()
    fill(home, args.sessions)
    fill_s = round(time.perf_counter() - tick, 1)
    port = free_port()
    env = {**os.environ, "ARCHIVE_HOME": str(home), "ARCHIVE_OAI_PAGE_SIZE": str(args.page_size)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "--home", str(home), "serve", "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        wait_until_up(port, path="/oai?verb=Identify")
        figures = harvest(port)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(json.dumps({"sessions": args.sessions, "page_size": args.page_size,
                      "fill_s": fill_s, **figures}, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
