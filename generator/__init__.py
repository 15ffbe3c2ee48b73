"""Paper Radar: a lab's daily research digest.

The pipeline, one module per stage:

    sources/  fetch the day's new papers (arXiv)          -> list[Paper]
    store     everything the digest keeps between runs    (papers, days, caches)
    rank      score candidates for the lab's radar        -> list[Ranked]
    summarize explain the featured papers                 -> dict[id, Summary]
    write     Markdown posts, one per language            -> content/
    site      the Pelican plugin: day JSON, feeds         -> output/

`pipeline` chains the stages for one day; `cli` is the `digest` command over it.
"""

__version__ = "0.1.0"
