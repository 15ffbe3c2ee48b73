"""The store: one paper once across days and versions, stable files, nothing lost on a crash."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from generator.dayview import read_whole_day
from generator.errors import BuildError, StoreError
from generator.files import write_atomic
from generator.pipeline import find_code_url, new_papers
from generator.records import Note, SourceRef
from generator.store import Store, day_format, day_to_json, dumps, note_from_json, paper_from_json, paper_to_json
from generator.labels import badges, note_text
from tests.support.days import day, paper

MONDAY, TUESDAY = date(2026, 6, 1), date(2026, 6, 2)


def test_a_paper_seen_on_an_earlier_day_is_not_new_in_any_version(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = paper(1)
    store.mark_seen(MONDAY, [first, paper(2)])
    candidates = [replace(first, version=2), paper(3)]
    assert [p.id for p in new_papers(candidates, store.seen_before(TUESDAY))] == [paper(3).id]


def test_rerunning_a_day_sees_its_own_papers_as_new(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.mark_seen(TUESDAY, [paper(1)])
    assert new_papers([paper(1)], store.seen_before(TUESDAY)) == [paper(1)]


def test_mark_seen_replaces_the_days_rows_and_keeps_a_stable_order(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.mark_seen(TUESDAY, [paper(3), paper(1)])
    store.mark_seen(MONDAY, [paper(2)])
    store.mark_seen(TUESDAY, [paper(1), paper(3)])
    text = (tmp_path / "seen" / "2026-06.tsv").read_text()
    rows = [
        (when, key) for when, number in (("2026-06-01", 2), ("2026-06-02", 1), ("2026-06-02", 3))
        for key in (f"arxiv:2606.0000{number}", f"title:papernumber{number}onmedicalimagesegmentation|lovelace")
    ]
    assert text == "".join(f"{key}\t1\t{when}\n" for when, key in sorted(rows))


def test_rows_of_older_stores_are_arxiv_ids_and_any_identity_makes_a_paper_seen(tmp_path: Path) -> None:
    (tmp_path / "seen").mkdir()
    (tmp_path / "seen" / "2026-06.tsv").write_text("2606.00001\t1\t2026-06-01\n")
    store = Store(tmp_path)
    hf = replace(paper(1), source="huggingface", sources=(SourceRef("huggingface", "2606.00001", "https://hf.co/papers/2606.00001", upvotes=3),))
    journal = replace(paper(2), source="journals", id="10.1016/j.media.2026.1", doi="10.1016/j.media.2026.1")
    store.mark_seen(date(2026, 5, 29), [journal])
    seen = store.seen_before(TUESDAY)
    assert new_papers([hf, journal, replace(paper(2), title="Paper number 2 on medical image segmentation!"), paper(3)], seen) == [paper(3)]


def test_malformed_seen_file_is_a_store_error_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "seen").mkdir()
    (tmp_path / "seen" / "2026-06.tsv").write_text("2606.00001\t1\t2026-06-02\ngarbage\n")
    with pytest.raises(StoreError, match=r"2026-06.tsv:2: malformed line"):
        Store(tmp_path).seen_before(TUESDAY)


def test_day_round_trip_and_archive(tmp_path: Path) -> None:
    store = Store(tmp_path)
    digest = day(count=4, featured=2)
    path = store.write_day(digest)
    data = json.loads(path.read_text())
    assert data == day_to_json(digest)
    assert [p["rank"] for p in data["papers"]] == [1, 2, 3, 4]
    assert store.days() == [TUESDAY]
    archive = list(store.archive(before=date(2026, 6, 3)))
    assert [p for _, p in archive] == [e.ranked.paper for e in digest.entries]
    assert list(store.archive(before=TUESDAY)) == []


def test_notes_are_stored_as_their_kind_and_values_and_read_back() -> None:
    notes = (Note("llm_failed", {"failed": 2, "total": 30}), Note("brief_no_llm"))
    data = day_to_json(day(notes=notes))
    assert data["format"] == 4
    assert data["notes"] == [{"kind": "llm_failed", "failed": 2, "total": 30}, {"kind": "brief_no_llm"}]
    assert data["papers"][0]["summary_reason"] == {"kind": "paper_no_llm_key"}
    assert tuple(note_from_json(item) for item in data["notes"]) == notes


def test_a_day_stored_with_text_notes_still_reads_and_shows_them_as_they_are(tmp_path: Path) -> None:
    store = Store(tmp_path)
    data = day_to_json(day())
    data.update(format=1, notes=["Summaries are extractive: no LLM key was set."])
    data["papers"][0]["summary_reason"] = "no OPENAI_API_KEY"
    write_atomic(store.day_path(TUESDAY), dumps(data))
    current = store.read_day(TUESDAY)  # as it is published (generator/site.py): notes of kind "text"
    assert current is not None and current["notes"] == [{"kind": "text", "text": data["notes"][0]}]
    assert current["papers"][0]["summary_reason"] == {"kind": "text", "text": "no OPENAI_API_KEY"}
    stored = store.load_day(TUESDAY)
    assert stored is not None
    for lang in ("en", "zh"):
        assert [note_text(n, lang) for n in stored.notes] == data["notes"]
        reason = stored.entries[0].summary.reason
        assert reason is not None and note_text(reason, lang) == "no OPENAI_API_KEY"


def test_a_format_2_day_reads_back_as_the_typed_day_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path)
    original = day()
    data = day_to_json(original)
    data["format"] = 2
    for item in data["papers"]:
        item["matched"] = [f"{m['kind']}:{m['name']}" for m in item["matched"]]
        del item["sources"], item["upvotes"]
    write_atomic(store.day_path(TUESDAY), dumps(data))
    stored = store.load_day(TUESDAY)
    assert stored is not None
    assert [e.ranked.matched for e in stored.entries] == [e.ranked.matched for e in original.entries]
    assert [e.ranked.paper.sources for e in stored.entries] == [
        (SourceRef("arxiv", e.ranked.paper.id, e.ranked.paper.url, "cs.CV"),) for e in original.entries
    ]
    assert stored == replace(original, entries=tuple(
        replace(e, ranked=replace(e.ranked, paper=stored.entries[i].ranked.paper)) for i, e in enumerate(original.entries)
    ))


def test_a_format_3_day_reads_back_with_arxivs_category_as_arxiv_spells_it(tmp_path: Path) -> None:
    store = Store(tmp_path)
    listed = replace(paper(1), sources=(
        SourceRef("arxiv", "2606.00001", "https://arxiv.org/abs/2606.00001", "cs.CV"),
        SourceRef("huggingface", "2606.00001", "https://huggingface.co/papers/2606.00001", upvotes=42,
                  fields=(("github_repo", "https://github.com/lab/medseg"),)),
    ))
    original = day(first=listed)
    current = day_to_json(original)
    assert [ref["badge"] for ref in current["papers"][0]["sources"]] == ["arXiv (cs.CV)", "HF ▲ 42"]
    data = json.loads(dumps(current))
    data["format"] = 3
    data["papers"][0]["sources"][0]["badge"] = "arXiv (CS.CV)"  # as format 3 worded it
    write_atomic(store.day_path(TUESDAY), dumps(data))
    assert store.read_day(TUESDAY) == current
    assert store.load_day(TUESDAY) == original


def test_a_day_round_trips_through_the_store_as_its_typed_record(tmp_path: Path) -> None:
    store = Store(tmp_path)
    original = day(notes=(
        Note("source_failed", {"source": "medrxiv", "error": "HTTP 503"}),
        Note("source_failed", {"source": "journals", "part": "Medical Image Analysis", "error": "HTTP 404"}),
    ))
    store.write_day(original)
    assert store.load_day(TUESDAY) == original
    assert store.failed_sources(TUESDAY) == {("medrxiv", None), ("journals", "Medical Image Analysis")}
    assert store.failed_sources(TUESDAY - timedelta(days=1)) == frozenset()  # no digest that day


def test_a_note_of_unknown_kind_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="unknown note"):
        note_from_json({"kind": "from-the-future"})


def test_rewriting_an_unchanged_day_leaves_its_file_alone(tmp_path: Path) -> None:
    store = Store(tmp_path)
    digest = day(notes=(Note("llm_budget", {"limit": "DIGEST['llm']['max_papers'] = 2", "count": 1}),))
    path = store.write_day(digest)
    mtime = path.stat().st_mtime_ns
    store.write_day(digest)
    assert path.stat().st_mtime_ns == mtime


def test_paper_json_round_trip() -> None:
    original = paper(7)
    assert paper_from_json(paper_to_json(original)) == original


def test_a_paper_made_without_a_listing_is_stored_with_its_own_so_each_badge_is_in_the_json() -> None:
    # The pipeline's merge gives every paper its listings; a record made by hand may have none. The
    # page words its badge from the paper (labels.badges), radar.js shows the JSON's: they must agree.
    unlisted = replace(paper(7), sources=())
    data = paper_to_json(unlisted)
    assert [ref["badge"] for ref in data["sources"]] == badges(unlisted) == ["arXiv (cs.CV)"]
    assert paper_from_json(data) == paper(7)


@pytest.mark.parametrize(("text", "version"), [
    ('{\n "format": 4,\n "date": "2026-06-02"}', 4), ('{"format": 3, "papers": []}', 3),
    ('{"date": "2026-06-02", "format": 4}', None), ('{"papers": []}', None), ("", None)])
def test_a_day_files_format_is_read_from_its_first_bytes(tmp_path: Path, text: str, version: int | None) -> None:
    path = tmp_path / "2026-06-02.json"
    path.write_text(text, "utf-8")
    assert day_format(path) == version
    assert day_format(Store(tmp_path).write_day(day())) == 4


def test_unreadable_day_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "days").mkdir()
    (tmp_path / "days" / "2026-06-02.json").write_text("{not json")
    with pytest.raises(StoreError, match="unreadable day file"):
        Store(tmp_path).read_day(TUESDAY)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"papers": "x"}', '{"format": 3, "papers": [{"id": "x"}]}'])
def test_the_store_and_the_site_refuse_the_same_day_files(tmp_path: Path, text: str) -> None:
    (tmp_path / "days").mkdir()
    (tmp_path / "days" / "2026-06-02.json").write_text(text)
    with pytest.raises(StoreError, match="unreadable day file"):
        Store(tmp_path).load_day(TUESDAY)
    with pytest.raises(BuildError, match="unreadable day file"):  # the site reads day files by the same rule
        read_whole_day(tmp_path / "days" / "2026-06-02.json")


def test_cache_survives_a_torn_last_line(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.cache("llm", "a", {"tldr": "x"}, bucket="2026-06")
    store.cache("llm", "b", {"tldr": "y"}, bucket="2026-06")
    with (tmp_path / "cache" / "llm" / "2026-06.jsonl").open("a") as handle:
        handle.write('{"key": "c", "val')  # a crash mid-write
    reopened = Store(tmp_path)
    assert reopened.cached("llm", "a") == {"tldr": "x"}
    assert reopened.cached("llm", "b") == {"tldr": "y"}
    assert reopened.cached("llm", "c") is None


def test_write_atomic_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    target = tmp_path / "a" / "post.md"
    assert write_atomic(target, "hello\n") is True
    mtime = target.stat().st_mtime_ns
    assert write_atomic(target, "hello\n") is False
    assert target.stat().st_mtime_ns == mtime
    assert [p.name for p in target.parent.iterdir()] == ["post.md"]  # no temporary left


@pytest.mark.parametrize(
    ("abstract", "url"),
    [
        ("Code is at https://github.com/lab/med-sam.", "https://github.com/lab/med-sam"),
        ("See https://github.com/a/b.git for code", "https://github.com/a/b"),
        ("Models: https://huggingface.co/org/model), and more", "https://huggingface.co/org/model"),
        ("No code. javascript:alert(1) https://example.org/x/y", None),
    ],
)
def test_find_code_url(abstract: str, url: str | None) -> None:
    assert find_code_url(replace(paper(1), abstract=abstract)) == url


def test_find_code_url_reads_the_arxiv_comment_first() -> None:
    commented = replace(paper(1), comment="MICCAI 2026, 10 pages. Code: https://github.com/lab/from-comment",
                        abstract="Code is at https://github.com/lab/from-abstract.")
    assert find_code_url(commented) == "https://github.com/lab/from-comment"
    assert find_code_url(replace(commented, comment="Accepted at MICCAI 2026")) == "https://github.com/lab/from-abstract"


def test_written_files_are_world_readable(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    write_atomic(target, "<feed/>")
    assert target.stat().st_mode & 0o044 == 0o044  # Pages serves only readable files
