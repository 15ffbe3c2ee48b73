"""The radar: BibTeX libraries as reference managers export them, author names, radar problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import settings as settings_module
from generator.errors import SettingsError
from generator.radar import Radar, author_matches, load_library, load_radar, radar_problems
from generator.records import LibraryPaper

REPO = Path(__file__).resolve().parent.parent

EDGE_CASES = r"""
@comment{Exported by Zotero}

@article{accents,
  author = {M{\"u}ller, J{\'e}r{\^o}me and C\'edric H\'emon and {Maier-Hein}, Klaus H.},
  title = {A {Nested {SAM}} Model for {\"o}dema and \"Ostrogothic {\'e}tudes},
  abstract = {We segment {MRI} lesions \& report 95\% Dice.},
  eprint = {2401.01234v2},
  archivePrefix = {arXiv},
}

@inproceedings{noabstract,
  title = {Only a Title},
  author = {Isensee, Fabian},
  doi = {10.1007/978-3-030-00000-0_1},
}

@misc{unversioned,
  title = {Old Style},
  eprint = {hep-th/9901001},
}

@article{arxivdoi,
  title = {Found by DOI},
  doi = {10.48550/arXiv.2502.00007},
}

@article{notarxiv,
  title = {A PubMed Eprint},
  eprint = {PMC1234567},
  archivePrefix = {PubMed},
}

@article{notitle,
  author = {Nobody, A.},
}
"""


@pytest.fixture
def edge_library(tmp_path: Path) -> dict[str, LibraryPaper]:
    path = tmp_path / "library.bib"
    path.write_text(EDGE_CASES, encoding="utf-8")
    return {paper.key: paper for paper in load_library(path)}


def test_latex_accents_braces_and_author_order(edge_library: dict[str, LibraryPaper]) -> None:
    paper = edge_library["accents"]
    assert paper.title == "A Nested SAM Model for ödema and Östrogothic études"
    assert paper.abstract == "We segment MRI lesions & report 95% Dice."
    assert paper.authors == ("Jérôme Müller", "Cédric Hémon", "Klaus H. Maier-Hein")


def test_arxiv_ids_from_eprint_with_or_without_version_and_from_doi(
    edge_library: dict[str, LibraryPaper],
) -> None:
    assert edge_library["accents"].arxiv_id == "2401.01234"
    assert edge_library["unversioned"].arxiv_id == "hep-th/9901001"
    assert edge_library["arxivdoi"].arxiv_id == "2502.00007"
    assert edge_library["notarxiv"].arxiv_id is None


def test_missing_abstract_and_doi(edge_library: dict[str, LibraryPaper]) -> None:
    paper = edge_library["noabstract"]
    assert paper.abstract == ""
    assert paper.doi == "10.1007/978-3-030-00000-0_1"
    assert paper.authors == ("Fabian Isensee",)
    assert paper.arxiv_id is None


def test_entries_without_title_are_skipped(edge_library: dict[str, LibraryPaper]) -> None:
    assert "notitle" not in edge_library
    assert len(edge_library) == 5


def test_demo_library() -> None:
    library = load_library(REPO / "radar" / "library.bib")
    assert len(library) == 60
    assert all(paper.title and paper.abstract for paper in library)
    assert sum(1 for paper in library if paper.arxiv_id) == 13


@pytest.mark.parametrize("content", [None, "", "this is not BibTeX\n", "@article{broken,\n"])
def test_unusable_library_is_one_line_naming_the_setting(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "library.bib"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_library(path)
    [problem] = caught.value.problems
    assert problem.startswith("DIGEST['radar']['library']: ")
    assert "\n" not in problem


def test_library_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_bytes("@article{a, title = {Caf\xe9}}".encode("latin-1"))
    with pytest.raises(SettingsError, match=r"DIGEST\['radar'\]\['library'\]: .*UTF-8"):
        load_library(path)


@pytest.mark.parametrize("name", [
    "Klaus Maier-Hein", "K. Maier-Hein", "Maier-Hein, Klaus", "Klaus H. Maier-Hein",
    "K.H. Maier-Hein", "klaus maier-hein", "KLAUS MAIER-HEIN", "Maier-Hein, K.",
])
def test_author_variants_match(name: str) -> None:
    assert author_matches(name, "Klaus Maier-Hein")
    assert author_matches("Klaus Maier-Hein", name)


@pytest.mark.parametrize("name", [
    "Kurt Maier-Hein", "Klaus Maier", "Klaus Hein", "Maier-Hein, Peter", "", "M. Maier-Hein",
])
def test_other_authors_do_not_match(name: str) -> None:
    assert not author_matches(name, "Klaus Maier-Hein")


def test_accents_do_not_matter() -> None:
    assert author_matches("Cedric Hemon", "Cédric Hémon")
    assert author_matches("Hémon, C.", "Cedric Hemon")


def test_radar_problems() -> None:
    assert radar_problems(Radar(topics={"Imaging": ("MRI",)})) == []
    assert radar_problems(Radar())[0].startswith("DIGEST['radar']: empty radar")
    problems = radar_problems(Radar(
        liked=("2606.00002", "not-an-id"), disliked=("2606.00002",),
        topics={"Empty": ()}, authors=(" ",),
    ))
    assert problems == [
        "DIGEST['radar']['topics']['Empty']: no keywords: list the words or phrases that mark a "
        "paper on this topic",
        "DIGEST['radar']['liked']: 'not-an-id' is not an arXiv id (write it like '2606.00002')",
        "DIGEST['radar']: 2606.00002 is both liked and disliked: keep it in one list",
        "DIGEST['radar']['authors']: holds an empty entry: remove it",
    ]


def test_load_radar_from_the_demo_settings(project: Path) -> None:
    config = project / "pelicanconfig.py"
    config.write_text(config.read_text("utf-8").replace(
        '"authors": [', '"liked": ["arXiv:2606.00002v2"],\n        "authors": [', 1), "utf-8")
    radar = load_radar(settings_module.load(config, env={}))
    assert len(radar.library) == 60
    assert radar.liked == ("2606.00002",)
    assert "Segment Anything (SAM)" in radar.topics
    assert "Klaus Maier-Hein" in radar.authors
    assert radar_problems(radar) == []
