"""Benchmark the search index on a deterministic French-like corpus.

    python benchmarks/search.py --hours 100 [--index DIR] [--seed 7]

Generates about 9,000 words per hour of speech (segments of 8-30 words,
sessions of 2-3 hours, ~2,000 speakers, one Zipf (s=1) vocabulary of 60,000
accented words whose top ranks are French function words, elisions included),
builds the index with the project's own `index.writer.rebuild`, then times 200
queries of each kind on a warm searcher (highlighted top 10) and prints one
JSON object. `--index DIR` reuses an index already built there.

Query kinds: rare (a word expected 3-30 times), common (one of the 30 most
frequent searchable words), two_words (mid + frequent word), phrase (three
consecutive spoken words), speaker (a word + a speaker filter), prefix (a
word's start without its last 3 letters, then *), facets (a word + counts by
speaker, organisation, series and year).

`--cuts 0.3` ends that share of segments mid-sentence (no full stop, and the
next segment keeps the speaker), as Whisper cuts speech; the index then joins
them into passages (`index.documents.passages`), and "cut_recall" reports how
many of up to 200 two-word phrases (no stop word) said across such a cut are
found.

`--updates 3` then times the per-session reindex (`index.writer.replace_session`,
what `worker.indexing.reindex` calls once the catalogue is read) replacing the
one of the first sessions lasting nearest 3 hours, by the same documents, that many
times: "update" reports the median and slowest seconds, the median CPU time, and how long a warm
searcher then takes to serve the new state (`refresh_median_s`). The index's
content is unchanged afterwards, so a built `--index` stays reusable.

The searcher keeps frequent words' decoded posting lists (`index.termcache`,
as a portal process does); `--postings-cache-mb 0` measures without them.

Searches see what the portal's do: the sessions the catalogue publishes, handed
in with each request; `--drafts 0.1` leaves one session in ten out of that set,
so that the visibility mask has documents to hide.

Hostile kinds (20 queries each, reported under "hostile"): stars (`*`, `**`,
`?*`, `?`), infix (`*e* *a*`: two patterns without a literal start), leading
(`*tion`), one_letter (`p*`), many_patterns (six two-letter prefixes),
word_range (`[b TO t]`). They also report their mean CPU time per query
(`cpu_mean_ms`), and normal kinds the p95 of each query's CPU time
(`cpu_p95_ms`, `cpu_p99_ms`, `cpu_max_ms`), which other work on the machine inflates much less than
latency. `--clients N` then times the
normal kinds again (50 queries each, within `--load-s` seconds) while N
threads of the same process loop on hostile queries, as anonymous visitors
could: reported under "under_load". With `--clients-on normal` the threads
loop on normal queries instead: the control, what saturation alone costs (one
warm searcher serves one search at a time).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.documents import SegmentDocument, WordTiming  # noqa: E402
from index.search import Searcher, SearchRequest  # noqa: E402
from index.store import current_generation  # noqa: E402
from index.writer import rebuild, replace_session  # noqa: E402

WORDS_PER_HOUR = 9_000
VOCABULARY = 60_000
SPEAKERS = 2_000
ORGS = 300
SERIES = 25
QUERIES_PER_KIND = 200
HOSTILE_PER_KIND = 20
LOADED_PER_KIND = 50

_ONSETS = "b c d f g j l m n p r s t v ch pr tr gr bl cr fl pl".split()
_VOWELS = "a e i o u é è ê à â ô ou ai au eu".split()
_SUFFIXES = [
    "",
    "",
    "",
    "tion",
    "tions",
    "ment",
    "ments",
    "ité",
    "ités",
    "eur",
    "eurs",
    "age",
    "ique",
    "iques",
    "er",
    "ée",
    "ées",
    "ait",
    "isme",
    "iste",
    "elle",
]
# The most frequent ranks of the vocabulary, as in real French speech.
_FUNCTION = (
    "de la le et les des en un une du que qui dans pour est pas sur au plus par ce "
    "il nous on à avec se ne sont mais comme ou elle cette aussi je vous très tout "
    "ont"
).split()
_ELISIONS = {"le": "l'", "la": "l’", "de": "d'", "que": "qu'", "je": "j'"}
_VOWEL_STARTS = tuple("aeiouéèêàâô")


def _vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set(_FUNCTION)
    ordered: list[str] = list(_FUNCTION)
    while len(ordered) < VOCABULARY:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        stem = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables))
        if rng.random() < 0.15:
            stem = rng.choice(_VOWELS) + stem  # some words start with a vowel (elisions)
        word = stem + rng.choice(_SUFFIXES)
        if word not in words:
            words.add(word)
            ordered.append(word)
    return ordered  # rank order: ordered[0] is the most frequent


_STOP = frozenset(_FUNCTION)


@dataclass
class Corpus:
    """A deterministic corpus: one Zipf (s=1) vocabulary, speakers, sessions."""

    hours: int
    seed: int
    cuts: float = 0.0  # share of segments cut mid-sentence

    def __post_init__(self) -> None:
        self.cut_phrases: list[tuple[str, str]] = []  # (session, '"last first"') across cuts
        rng = random.Random(self.seed)
        self.vocab = _vocabulary(rng)
        self.cum_weights = list(itertools.accumulate(1.0 / r for r in range(1, VOCABULARY + 1)))
        self.orgs = [f"Organisation {self._name(rng)}" for _ in range(ORGS)]
        self.speakers = [
            (
                f"speaker-{i:04d}",
                f"{self._name(rng).title()} {self._name(rng).upper()}",
                rng.choice(self.orgs),
            )
            for i in range(SPEAKERS)
        ]
        self.speaker_weights = list(itertools.accumulate(1.0 / r for r in range(1, SPEAKERS + 1)))

    def _name(self, rng: random.Random) -> str:
        return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(2))

    def expected_count(self, rank: int) -> float:
        """Return how often the word of 0-based `rank` is expected in the whole corpus."""
        return self.hours * WORDS_PER_HOUR / ((rank + 1) * self.cum_weights[-1])

    def documents(self) -> Iterator[SegmentDocument]:
        """Yield the corpus's segments, session after session."""
        rng = random.Random(self.seed + 1)
        words_left = self.hours * WORDS_PER_HOUR
        segment_id = 0
        session_no = 0
        while words_left > 0:
            session_no += 1
            session_words = min(words_left, int(rng.uniform(2, 3) * WORDS_PER_HOUR))
            words_left -= session_words
            for doc in self._session(rng, session_no, session_words, segment_id):
                segment_id = doc.segment_id + 1
                yield doc

    def _session(
        self, rng: random.Random, number: int, n_words: int, first_id: int
    ) -> Iterator[SegmentDocument]:
        series = rng.randrange(SERIES)
        day = date(2005, 1, 1) + timedelta(days=rng.randrange(20 * 365))
        people = rng.choices(self.speakers, cum_weights=self.speaker_weights, k=12)
        tokens = rng.choices(self.vocab, cum_weights=self.cum_weights, k=n_words)
        common = dict(
            session_slug=f"session-{number:05d}",
            session_title=f"Séance {number}",
            language="fr",
            series_slug=f"series-{series:02d}",
            series_title=f"Série {series}",
            session_date=day,
        )
        t_ms, i, seg_id = 0, 0, first_id
        # Its own generator, so that the corpus without cuts stays the same.
        cutter = random.Random(self.seed * 1_000 + number)
        cut_after: tuple[str, tuple[str, str, str]] | None = None
        while i < len(tokens):
            n = 8 + int(23 * rng.random() ** 2.1)
            pieces = []
            for token in tokens[i : i + n]:
                if pieces and pieces[-1] in _ELISIONS and token.startswith(_VOWEL_STARTS):
                    pieces[-1] = _ELISIONS[pieces[-1]] + token  # "le" + "urbanisme"
                else:
                    pieces.append(token)
            i += n
            words = []
            for piece in pieces:
                duration = rng.randrange(200, 600) * (1 + piece.count("'") + piece.count("’"))
                words.append(WordTiming(t_ms, t_ms + duration, piece))
                t_ms += duration
            slug, name, org = rng.choice(people)
            text = " ".join(pieces).capitalize()
            if cut_after is not None:
                (slug, name, org), text = cut_after[1], " ".join(pieces)
                searchable = not {cut_after[0], pieces[0]} & _STOP  # stop words match nothing
                if searchable and len(self.cut_phrases) < 200:
                    phrase = f'"{cut_after[0]} {pieces[0]}"'
                    self.cut_phrases.append((common["session_slug"], phrase))
            cut = self.cuts > 0 and cutter.random() < self.cuts
            cut_after = (pieces[-1], (slug, name, org)) if cut else None
            yield SegmentDocument(
                segment_id=seg_id,
                start_ms=words[0].start_ms,
                end_ms=t_ms,
                text=text if cut else text + ".",
                words=tuple(words),
                item_title=f"Point {1 + i // 3000}",
                speaker_slug=slug,
                speaker_name=name,
                affiliation=org,
                **common,
            )
            seg_id += 1
            t_ms += rng.randrange(300, 1500)


def three_hour_session(corpus: Corpus, among: int = 12) -> tuple[str, list[SegmentDocument]]:
    """Return the slug and documents of the first sessions' one lasting nearest 3 hours."""
    sessions = itertools.groupby(corpus.documents(), key=lambda d: d.session_slug)
    first = [(slug, list(docs)) for slug, docs in itertools.islice(sessions, among)]
    return min(first, key=lambda pair: abs(pair[1][-1].end_ms - 3 * 3_600_000))


def time_updates(index_dir: Path, corpus: Corpus, searcher: Searcher, runs: int) -> dict:
    """Time replacing one ~3-hour session (as a reindex after an edit does) `runs` times.

    CPU time too (the writer works in this process): latency on a shared
    machine mostly measures the neighbours.
    """
    slug, docs = three_hour_session(corpus)
    update_s, cpu_s, refresh_s = [], [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        replace_session(index_dir, slug, docs, timeout_s=30)
        update_s.append(time.perf_counter() - started)
        cpu_s.append(time.process_time() - started_cpu)
        started = time.perf_counter()
        searcher.refresh()
        refresh_s.append(time.perf_counter() - started)
    return {
        "session_hours": round(docs[-1].end_ms / 3_600_000, 2),
        "segments": len(docs),
        "runs": runs,
        "median_s": round(statistics.median(update_s), 2),
        "max_s": round(max(update_s), 2),
        "cpu_median_s": round(statistics.median(cpu_s), 2),
        "refresh_median_s": round(statistics.median(refresh_s), 2),
    }


def queries(corpus: Corpus, seed: int) -> dict[str, list[SearchRequest]]:
    """Return the benchmark's requests, by kind."""
    rng = random.Random(seed + 2)
    n = QUERIES_PER_KIND
    content = corpus.vocab[len(_FUNCTION) :]  # stop words are not searchable
    # Rare: expected 3 to 30 times in the whole corpus.
    rare = [w for r, w in enumerate(corpus.vocab) if 3 <= corpus.expected_count(r) <= 30]
    rare = rare or corpus.vocab[-1000:]
    mid = content[100:3000]
    top_speakers = [s[0] for s in corpus.speakers[:200]]
    return {
        "rare": [SearchRequest(q=w) for w in rng.sample(rare, n)],
        "common": [SearchRequest(q=rng.choice(content[:30])) for _ in range(n)],
        "two_words": [
            SearchRequest(q=f"{rng.choice(mid)} {rng.choice(content[:300])}") for _ in range(n)
        ],
        "phrase": [SearchRequest(q=f'"{p}"') for p in _phrases(corpus, rng, n)],
        "speaker": [
            SearchRequest(q=rng.choice(content[:1000]), speaker=rng.choice(top_speakers))
            for _ in range(n)
        ],
        # A word's start without its ending, as a researcher truncates inflections.
        "prefix": [
            SearchRequest(q=w[: max(4, len(w) - 3)] + "*") for w in rng.sample(content[100:5000], n)
        ],
        "facets": [SearchRequest(q=rng.choice(content[:1000]), with_facets=True) for _ in range(n)],
    }


def hostile_queries(corpus: Corpus, seed: int) -> dict[str, list[SearchRequest]]:
    """Return the requests that once expanded to most of the dictionary, by kind."""
    rng = random.Random(seed + 3)
    n = HOSTILE_PER_KIND
    letters = "abcdefghijlmnoprstuv"
    content = corpus.vocab[len(_FUNCTION) :]
    stars = ["*", "**", "?*", "?", "??", "*?*"]
    return {
        "stars": [SearchRequest(q=stars[i % len(stars)]) for i in range(n)],
        "infix": [
            SearchRequest(q=f"*{rng.choice('aeiou')}* *{rng.choice('aeiou')}*") for _ in range(n)
        ],
        "leading": [SearchRequest(q="*" + rng.choice(_SUFFIXES[3:])) for _ in range(n)],
        "one_letter": [SearchRequest(q=rng.choice(letters) + "*") for _ in range(n)],
        "many_patterns": [
            SearchRequest(q=" ".join(w[:2] + "*" for w in rng.sample(content[:2000], 6)))
            for _ in range(n)
        ],
        "word_range": [
            SearchRequest(q="[{} TO {}]".format(*sorted(rng.sample(letters, 2)))) for _ in range(n)
        ],
    }


def _phrases(corpus: Corpus, rng: random.Random, n: int) -> list[str]:
    # Three consecutive spoken words, from segments of the first sessions.
    small = Corpus(hours=min(corpus.hours, 20), seed=corpus.seed)
    docs = [d for d in itertools.islice(small.documents(), 20_000) if len(d.words) > 3]
    result = []
    for doc in rng.sample(docs, n):
        words = [w.text for w in doc.words]
        k = rng.randrange(len(words) - 3)
        result.append(" ".join(words[k : k + 3]))
    return result


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def rank(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(share * len(ordered))) - 1)], 2)

    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": rank(0.95),
        "p99_ms": rank(0.99),
        "max_ms": round(ordered[-1], 2),
    }


def _time(
    searcher: Searcher,
    requests: list[SearchRequest],
    budget_s: float,
    cpu: list[float] | None = None,
) -> list[float]:
    """Return the latency (ms) of each request, stopping once `budget_s` seconds are spent.

    `cpu`, if given, receives each request's CPU time (ms) too: on a shared
    machine, latency percentiles mostly measure the neighbours.
    """
    samples = []
    stop_at = time.perf_counter() + budget_s
    for request in requests:
        started, started_cpu = time.perf_counter(), time.thread_time()
        results = searcher.search(request)
        samples.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - started_cpu) * 1000)
        assert all(hit.snippet_html for hit in results.hits)
        if started > stop_at:
            break
    return samples


def _hostile_client(
    searcher: Searcher, requests: list[SearchRequest], stop: threading.Event, done: list[int]
) -> None:
    """Loop on hostile requests until `stop` is set (or 10,000 of them)."""
    for request in itertools.islice(itertools.cycle(requests), 10_000):
        if stop.is_set():
            return
        searcher.search(request)
        done.append(1)


def _under_load(
    searcher: Searcher,
    normal: dict[str, list[SearchRequest]],
    hostile: list[SearchRequest],
    clients: int,
    load_s: float,
) -> dict[str, object]:
    """Time normal requests while `clients` threads loop on hostile ones, within `load_s`."""
    stop, done = threading.Event(), []
    threads = [
        threading.Thread(target=_hostile_client, args=(searcher, hostile[i:], stop, done))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    figures: dict[str, object] = {}
    stop_at = time.perf_counter() + load_s
    try:
        for kind, requests in normal.items():
            left = max(0.0, stop_at - time.perf_counter())
            samples = _time(searcher, requests[:LOADED_PER_KIND], left)
            figures[kind] = {**_percentiles(samples), "n": len(samples)}
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    figures["hostile_done"] = len(done)
    return figures


def main() -> None:
    """Build (or reuse) an index, time the queries and print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=100)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--limitmb", type=int, default=512)
    parser.add_argument("--drafts", type=float, default=0.1, help="share of unpublished sessions")
    parser.add_argument("--clients", type=int, default=0, help="hostile threads (0: none)")
    parser.add_argument("--clients-on", choices=("hostile", "normal"), default="hostile")
    parser.add_argument("--load-s", type=float, default=120.0, help="time budget under load")
    parser.add_argument("--skip-normal", action="store_true", help="only hostile figures")
    parser.add_argument("--cuts", type=float, default=0.0, help="share of mid-sentence cuts")
    parser.add_argument(
        "--postings-cache-mb", type=float, default=None, help="kept posting lists (0: none)"
    )
    parser.add_argument("--updates", type=int, default=3, help="timed session reindexes (0: none)")
    args = parser.parse_args()

    corpus = Corpus(args.hours, args.seed, args.cuts)
    index_dir = args.index or Path(tempfile.mkdtemp(prefix="search-bench-"))
    build_s = None
    segments = None
    if current_generation(index_dir) is None:
        started = time.perf_counter()
        segments = rebuild(
            index_dir, corpus.documents(), procs=args.procs, limitmb=args.limitmb, timeout_s=5
        )
        build_s = round(time.perf_counter() - started, 1)
    gen = current_generation(index_dir)
    size_mb = round(sum(p.stat().st_size for p in gen.iterdir()) / 2**20, 1)

    cache = {} if args.postings_cache_mb is None else {"postings_cache_mb": args.postings_cache_mb}
    searcher = Searcher(index_dir, **cache)
    sessions = searcher.tables.values.get("session", [])
    every = round(1 / args.drafts) if args.drafts > 0 else 0
    published = frozenset(s for i, s in enumerate(sessions) if not every or i % every)
    top = 10  # the README's figures are for a highlighted top 10, whatever the portal's page size
    normal = {
        kind: [replace(r, page_size=top, published=published) for r in requests]
        for kind, requests in queries(corpus, args.seed).items()
    }
    hostile = {
        kind: [replace(r, page_size=top, published=published) for r in requests]
        for kind, requests in hostile_queries(corpus, args.seed).items()
    }
    figures: dict[str, dict[str, float]] = {}
    for kind, requests in normal.items() if not args.skip_normal else ():
        for request in requests[:10]:  # warm caches for this kind
            searcher.search(request)
        cpu: list[float] = []
        figures[kind] = _percentiles(_time(searcher, requests, float("inf"), cpu))
        cpu_figures = _percentiles(cpu)
        figures[kind]["cpu_p95_ms"] = cpu_figures["p95_ms"]
        figures[kind]["cpu_p99_ms"] = cpu_figures["p99_ms"]
        figures[kind]["cpu_max_ms"] = cpu_figures["max_ms"]
    hostile_figures: dict[str, dict[str, float]] = {}
    for kind, requests in hostile.items():
        # CPU time too: what a query costs, whatever else shares the machine.
        started_cpu = time.thread_time()
        samples = _time(searcher, requests, float("inf"))
        cpu_ms = (time.thread_time() - started_cpu) * 1000
        hostile_figures[kind] = {
            **_percentiles(samples),
            "cpu_mean_ms": round(cpu_ms / len(samples), 2),
        }
    under_load = None
    if args.clients:
        pool = hostile if args.clients_on == "hostile" else normal
        mixed = [r for group in zip(*pool.values(), strict=False) for r in group]
        under_load = _under_load(searcher, normal, mixed, args.clients, args.load_s)
    cut_recall = None
    if corpus.cut_phrases:
        found = sum(
            searcher.search(SearchRequest(q=q, session=slug, page_size=1)).total > 0
            for slug, q in corpus.cut_phrases
        )
        cut_recall = {"phrases": len(corpus.cut_phrases), "found": found}
    segments = segments if segments is not None else searcher.doc_count()
    update = time_updates(index_dir, corpus, searcher, args.updates) if args.updates else None
    print(
        json.dumps(
            {
                "hours": args.hours,
                "segments": segments,
                "build_s": build_s,
                "size_mb": size_mb,
                "drafts": len(sessions) - len(published),
                "queries": figures,
                "hostile": hostile_figures,
                **({"update": update} if update else {}),
                **({"cuts": args.cuts, "cut_recall": cut_recall} if cut_recall else {}),
                **(
                    {
                        "clients": args.clients,
                        "clients_on": args.clients_on,
                        "under_load": under_load,
                    }
                    if under_load
                    else {}
                ),
            }
        )
    )
    if args.index is None:
        shutil.rmtree(index_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
