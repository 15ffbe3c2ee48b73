"""The email edition: rendering (inert, small, both parts), the settings, and `digest email` against
a real SMTP server on 127.0.0.1 (aiosmtpd): one message per reader in their language, never twice,
one-line errors without the password."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import os
from datetime import date, datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from generator import newsletter
from generator.cli import app
from generator.errors import MailError, SettingsError
from generator.records import Day, Match, Note, SourceRef, Summary
from generator.settings import Recipient, load, smtp_server
from generator.smtp import deliver
from generator.store import Store
from tests.support.browser import REPO, chromium, chromium_missing
from tests.support.days import HOSTILE_ABSTRACT, HOSTILE_TITLE, day, paper
from tests.support.smtp_server import PASSWORD, USER, client_context, smtp_server as local_smtp

runner = CliRunner()
ARTIFACTS = REPO / "test-artifacts"
# The test server takes AUTH over plain SMTP on 127.0.0.1 (aiosmtpd warns about it).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
DAY = date(2026, 6, 2)
SITE = "https://lab.example.org/radar"
FOLLOWED = "Ada Lovelace"  # followed in the test radar below
HOSTILE_TLDR = 'We <b>win</b> <a href="javascript:alert(3)">x</a> <img src=x onerror=alert(4)>'
HOSTILE_BRIEF = "Two themes [1] and [2].\n\n<script>alert(5)</script> [3]"


def thirty_papers() -> Day:
    """A full day: 30 featured papers with long TL;DRs, the first one hostile, a brief."""
    base = day(count=40, featured=30, first=paper(1, title=HOSTILE_TITLE, abstract=HOSTILE_ABSTRACT,
                                                  authors=("Grace Hopper", FOLLOWED)))
    long_tldr = "A promptable segmentation model adapted to CT and MRI with few labels. " * 5
    entries = tuple(
        dataclasses.replace(entry, summary=Summary(
            kind="llm",
            tldr={"en": HOSTILE_TLDR if entry.rank == 1 else long_tldr, "zh": "可提示的分割模型。" * 12},
            title={"zh": f"译题 {entry.rank}"},
        )) if entry.featured else entry
        for entry in base.entries
    )
    # a word no line can hold, as arXiv titles sometimes have (chemical names, URLs)
    long_word = dataclasses.replace(entries[2].ranked.paper, title="Segmentation" + "x" * 160)
    entries = (*entries[:2], dataclasses.replace(entries[2], ranked=dataclasses.replace(
        entries[2].ranked, paper=long_word)), *entries[3:])
    return dataclasses.replace(base, entries=entries, brief={"en": HOSTILE_BRIEF, "zh": "今日主题 [1]。"})


def links(lang: str = "en") -> newsletter.Links:
    days = "{date:%Y}/{date:%m}/{date:%d}/"  # pelicanconfig.py's ARTICLE_URL
    return newsletter.site_links(SITE, DAY, lang, {"en": days, "zh": days}, "mailto:radar@example.org?subject=unsubscribe")


SITENAMES = {"en": "Paper Radar", "zh": "论文雷达"}


def render(lang: str = "en") -> newsletter.Edition:
    return newsletter.render(thirty_papers(), lang, sitename=SITENAMES[lang], links=links(lang), followed=[FOLLOWED])


# --- rendering ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_thirty_papers_stay_under_gmails_clipping_size(lang: str) -> None:
    edition = render(lang)
    assert len(edition.html.encode("utf-8")) < newsletter.MAX_HTML_BYTES
    # also as sent: the HTML part MIME-encoded (base64 for Chinese: a third bigger)
    msg = newsletter.message(edition, "ada@example.org", sender="Radar <radar@example.org>", list_id="R <r.org>",
                             unsubscribe="mailto:radar@example.org", now=datetime(2026, 6, 2, tzinfo=timezone.utc))
    html_part = msg.get_body(("html",))
    assert html_part is not None and len(html_part.get_payload().encode("ascii")) < newsletter.MAX_HTML_BYTES
    assert edition.html.count("<tr><td") >= 30


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_untrusted_text_stays_inert(lang: str) -> None:
    soup = BeautifulSoup(render(lang).html, "html.parser")
    assert not soup.find_all(["script", "img", "style", "link", "iframe", "form"])
    for tag in soup.find_all(True):
        assert not [name for name in tag.attrs if name.lower().startswith("on")], tag
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs and all(h.startswith(("https://", "http://", "mailto:")) for h in hrefs), hrefs
    assert "javascript:" not in " ".join(hrefs)
    text = soup.get_text()
    assert '<script>alert("x")</script>' in text  # the hostile title is shown as text
    if lang == "en":
        assert "<img src=x onerror=alert(4)>" in text and "<script>alert(5)</script>" in text


def test_the_card_shows_number_badge_linked_title_authors_tldr_and_why() -> None:
    edition = render("en")
    soup = BeautifulSoup(edition.html, "html.parser")
    assert soup.find("a", href="https://arxiv.org/abs/2606.00002").get_text() == (
        "Paper number 2 on medical image segmentation"
    )
    followed = [s for s in soup.find_all("strong") if FOLLOWED in s.get_text()]
    assert followed and followed[0]["title"] == "followed author"
    text = soup.get_text(" ")
    for expected in ("arXiv (cs.CV)", "TL;DR", "Why picked", "Lesion segmentation", "score 88.5",
                     "30 papers matched the radar today, from 40 new papers", "Cross-domain brief"):
        assert expected in text, expected
    assert soup.find("a", href=f"{SITE}/2026/06/02/#p1").get_text() == "[1]"  # the brief's reference
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {f"{SITE}/2026/06/02/", f"{SITE}/zh/2026/06/02/", f"{SITE}/feeds/all.atom.xml",
            f"{SITE}/feeds/all.rss.xml", f"{SITE}/feeds/papers.atom.xml"} <= hrefs
    assert "★ Ada Lovelace" in edition.text and "https://arxiv.org/abs/2606.00002" in edition.text
    assert edition.subject == "Paper Radar · 2026-06-02: 30 papers"


def test_a_paper_listed_by_two_sources_shows_both_badges() -> None:
    base = thirty_papers()
    second = base.entries[1]
    item = second.ranked.paper
    listed = dataclasses.replace(item, sources=(
        SourceRef("arxiv", item.id, item.url, "cs.CV"), SourceRef("huggingface", item.id, item.url, upvotes=42),
    ))
    entries = (base.entries[0], dataclasses.replace(second, ranked=dataclasses.replace(second.ranked, paper=listed)),
               *base.entries[2:])
    edition = newsletter.render(dataclasses.replace(base, entries=entries), "en", sitename="Paper Radar",
                                links=links(), followed=[FOLLOWED])
    card = BeautifulSoup(edition.html, "html.parser").find("a", href=item.url).find_parent("td")
    assert [span.get_text() for span in card.find_all("span")][1:3] == ["arXiv (cs.CV)", "HF ▲ 42"]
    assert "2. [arXiv (cs.CV)] [HF ▲ 42] Paper number 2" in edition.text


def test_figures_the_abstract_does_not_support_stay_marked() -> None:
    base = thirty_papers()
    second = base.entries[1]
    flagged = dataclasses.replace(second, summary=Summary(
        kind="llm", tldr={"en": "Dice rises to 91.2% on ISIC 2018.", "zh": "ISIC 2018 上 Dice 达到 91.2%。"},
        unsupported={"en": ("91.2%",), "zh": ("91.2%",)},
    ))
    day_with_flag = dataclasses.replace(base, entries=(base.entries[0], flagged, *base.entries[2:]))
    for lang, mark in (("en", " [not in the abstract]"), ("zh", "［摘要中未找到］")):
        edition = newsletter.render(day_with_flag, lang, sitename="Paper Radar", links=links(lang), followed=[])
        soup = BeautifulSoup(edition.html, "html.parser")
        marked = soup.find("span", string="91.2%")
        assert marked is not None and "dashed" in marked["style"]
        assert marked.find_next_sibling("span").get_text() == mark
        assert f"91.2%{mark}" in edition.text


def test_the_chinese_edition_links_its_own_pages_and_the_english_one() -> None:
    edition = render("zh")
    soup = BeautifulSoup(edition.html, "html.parser")
    assert soup.html["lang"] == "zh-Hans"
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {f"{SITE}/zh/2026/06/02/", f"{SITE}/2026/06/02/", f"{SITE}/zh/feeds/all.atom.xml"} <= hrefs
    assert "译题 2" in edition.html and "要点" in edition.html and "今日主题" in edition.html
    assert edition.subject == "论文雷达 · 2026-06-02：30 篇论文"


def test_each_edition_names_the_radar_topics_in_its_language(project: Path) -> None:
    # The Chinese email said "入选理由： Medical imaging modalities · ..." (the site says 医学影像模态).
    settings = load(project / "pelicanconfig.py", env={})
    topic, chinese = "Medical imaging modalities", "医学影像模态"
    assert settings.digest.radar.topic_name(topic, "zh") == chinese
    base = day(count=3, featured=2)
    the_day = dataclasses.replace(base, entries=tuple(
        dataclasses.replace(entry, ranked=dataclasses.replace(entry.ranked, matched=(Match("topic", topic),)))
        for entry in base.entries))
    zh, en = (newsletter.edition(the_day, lang, settings) for lang in ("zh", "en"))
    for text in (zh.text, zh.html):
        assert chinese in text and topic not in text
    for text in (en.text, en.html):
        assert topic in text and chinese not in text


@pytest.mark.parametrize(("lang", "colon"), [("en", ":"), ("zh", "：")])
def test_labels_take_the_languages_colon(lang: str, colon: str) -> None:
    """The colon after a label is labels.colon's (full-width in Chinese), in both parts."""
    edition = render(lang)
    labels = {"en": ("TL;DR", "Why picked", "Feeds"), "zh": ("要点", "入选理由", "订阅源")}[lang]
    for label in labels:
        assert f"{label}{colon}" in BeautifulSoup(edition.html, "html.parser").get_text(), label
        assert f"{label}{colon} " in edition.text, label
    assert f"Unsubscribe{colon} " in edition.text if lang == "en" else f"退订{colon} " in edition.text
    assert ("要点:" not in edition.text + edition.html) and ("入选理由:" not in edition.text)


@pytest.mark.parametrize(("lang", "line"), [("en", "中文版： {site}/zh/2026/06/02/"),
                                           ("zh", "English edition: {site}/2026/06/02/")])
def test_the_other_editions_label_takes_its_own_languages_colon(lang: str, line: str) -> None:
    """The link to the other edition is labelled in that edition's language, and so is its colon."""
    assert line.format(site=SITE) in render(lang).text.splitlines()


def test_a_message_is_multipart_alternative_with_the_list_headers() -> None:
    now = datetime(2026, 6, 2, 3, 0, tzinfo=timezone.utc)
    msg = newsletter.message(render(), "ada@example.org", sender="Radar <radar@example.org>",
                             list_id="Paper Radar <paper-radar.lab.example.org>",
                             unsubscribe="https://lab.example.org/unsubscribe", now=now)
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Date"] == "Tue, 02 Jun 2026 03:00:00 +0000"
    assert parsed["Message-ID"].endswith("@example.org>")
    assert parsed["List-Unsubscribe"] == "<https://lab.example.org/unsubscribe>"
    assert parsed["List-Id"] == "Paper Radar <paper-radar.lab.example.org>"
    assert parsed["Content-Language"] == "en"


# --- settings -------------------------------------------------------------------------------------


def env(port: int = 2525, **extra: str) -> dict[str, str]:
    return {
        "DIGEST_EMAIL_TO": "ada@example.org, zh:li@example.org",
        "DIGEST_SMTP_URL": f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}",
        "DIGEST_EMAIL_FROM": "Paper Radar <radar@example.org>",
        "DIGEST_SITEURL": SITE,
        **extra,
    }


def test_recipients_ask_for_their_language(project: Path) -> None:
    settings = load(project / "pelicanconfig.py", env=env())
    assert settings.mail is not None
    assert settings.mail.recipients == (Recipient("ada@example.org", "en"), Recipient("li@example.org", "zh"))
    assert settings.mail.server.url == "smtp://127.0.0.1:2525"
    assert PASSWORD not in repr(settings.mail)


@pytest.mark.parametrize(("url", "expected"), [
    ("smtps://u:p@mail.example.org", ("smtps", "mail.example.org", 465)),
    ("smtp+starttls://u:p@mail.example.org", ("smtp+starttls", "mail.example.org", 587)),
    ("smtp://relay.example.org:2525", ("smtp", "relay.example.org", 2525)),
])
def test_smtp_urls(url: str, expected: tuple[str, str, int]) -> None:
    server = smtp_server(url)
    assert (server.scheme, server.host, server.port) == expected


@pytest.mark.parametrize(("name", "value", "says"), [
    ("DIGEST_SMTP_URL", f"http://{USER}:{PASSWORD}@mail.example.org", "expected smtp://"),
    ("DIGEST_SMTP_URL", f"smtp://{USER}:{PASSWORD}@mail.example.org:twenty", "not a number"),
    ("DIGEST_EMAIL_TO", "ada@example.org, fr:jean@example.org", "not an email address"),
    ("DIGEST_EMAIL_TO", "ada", "not an email address"),
    ("DIGEST_EMAIL_FROM", "radar", "not an email address"),
])
def test_bad_email_settings_are_one_line_without_the_password(
    project: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(project / "pelicanconfig.py", env={**env(), name: value})
    (problem,) = caught.value.problems
    assert problem.startswith(f"{name}: ") and says in problem, problem
    assert PASSWORD not in problem and "\n" not in problem


def test_the_three_come_together(project: Path) -> None:
    partial = {k: v for k, v in env().items() if k != "DIGEST_EMAIL_FROM"}
    with pytest.raises(SettingsError, match="DIGEST_EMAIL_FROM: not set"):
        load(project / "pelicanconfig.py", env=partial)
    assert load(project / "pelicanconfig.py", env={}).mail is None


# --- what is due ----------------------------------------------------------------------------------

ADA, LI = Recipient("ada@example.org", "en"), Recipient("li@example.org", "zh")
D1, D2, D3, D4 = date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 4)


def test_a_new_reader_gets_the_newest_day_only() -> None:
    assert newsletter.due([ADA], [D1, D2, D3], {}) == [(D3, ADA)]


def test_a_failed_day_is_retried_and_nothing_goes_twice() -> None:
    sent = {newsletter.recipient_key(ADA.address): {D1}}
    assert newsletter.due([ADA], [D1, D2, D3], sent) == [(D2, ADA), (D3, ADA)]
    sent = {newsletter.recipient_key(ADA.address): {D1, D2, D3}}
    assert newsletter.due([ADA, ADA], [D1, D2, D3], sent) == []
    assert newsletter.due([ADA], [D1, D2, D3], sent, only=D2) == []


def test_a_day_built_late_by_a_catch_up_still_goes_out() -> None:
    sent = {newsletter.recipient_key(ADA.address): {D1, D3}}
    assert newsletter.due([ADA], [D1, D2, D3], sent) == [(D2, ADA)]


def test_old_days_are_not_sent_as_a_backlog() -> None:
    sent = {newsletter.recipient_key("ADA@example.org"): {date(2026, 5, 1)}}
    assert newsletter.due([ADA], [date(2026, 5, 1), D1, D2, D3, D4], sent) == [
        (D2, ADA), (D3, ADA), (D4, ADA)
    ]


def test_each_edition_is_rendered_once_and_addressed_to_each_of_its_readers(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(project / "pelicanconfig.py", env=env(
        DIGEST_EMAIL_TO="ada@example.org, bob@example.org, zh:li@example.org"))
    assert settings.mail is not None
    rendered: list[tuple[date, str]] = []
    real = newsletter.render

    def counted(day: Day, lang: str, **options: Any) -> newsletter.Edition:  # a spy: the real render, counted
        rendered.append((day.date, lang))
        return real(day, lang, **options)

    monkeypatch.setattr(newsletter, "render", counted)
    stored = {on: dataclasses.replace(day(count=5, featured=3), date=on) for on in (D2, D3)}
    todo = [(on, reader) for on in (D2, D3) for reader in settings.mail.recipients]
    now = datetime(2026, 6, 3, 3, 0, tzinfo=timezone.utc)
    out = list(newsletter.outbox(todo, stored.__getitem__, settings, now))
    assert sorted(rendered) == [(D2, "en"), (D2, "zh"), (D3, "en"), (D3, "zh")]  # not once per reader
    assert [(on, reader) for on, reader, _ in out] == todo
    for on, reader, msg in out:  # the reader's own headers, the edition's own day and language
        assert msg["To"] == reader.address
        assert newsletter.recipient_key(reader.address) in msg["Message-ID"] and on.isoformat() in msg["Message-ID"]
        assert msg["List-Unsubscribe"] == "<mailto:radar@example.org?subject=unsubscribe>"
        assert msg["Content-Language"].startswith(reader.lang)
        assert f"{on:%Y/%m/%d}/" in msg.get_body(("html",)).get_content()
    ada, bob = (msg for on, reader, msg in out if on == D2 and reader.lang == "en")
    assert ada.get_body(("plain",)).get_content() == bob.get_body(("plain",)).get_content()
    assert len({msg["Message-ID"] for _, _, msg in out}) == len(out)


# --- `digest email` against a real SMTP server ------------------------------------------------------


@pytest.fixture
def stored(project: Path) -> Path:
    """The project with one stored day: 3 featured papers, the first by a followed author."""
    settings = load(project / "pelicanconfig.py", env={})
    first = paper(1, authors=("Grace Hopper", settings.digest.radar.authors[0]))
    Store(settings.store_dir).write_day(day(count=5, featured=3, first=first, notes=(Note("no_llm_key"),)))
    return project


def send(project: Path, environment: dict[str, str], *args: str):
    return runner.invoke(app, ["email", *args, "--config", str(project / "pelicanconfig.py")], env=environment)


def parsed(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def sent_records(project: Path) -> dict[str, set[date]]:
    return Store(project / "store").sent()


def test_each_reader_gets_one_message_in_their_language_and_a_rerun_sends_nothing(stored: Path) -> None:
    with local_smtp() as server:
        result = send(stored, env(server.port))
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output
        assert len(server.messages) == 2 and server.logins == [USER, ]
        by_reader = {tuple(rcpt): parsed(raw) for rcpt, raw in server.messages}
        en, zh = by_reader[("ada@example.org",)], by_reader[("li@example.org",)]
        for msg, lang in ((en, "en"), (zh, "zh")):
            assert msg.get_content_type() == "multipart/alternative"
            assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
            for header in ("Date", "Message-ID", "List-Unsubscribe", "List-Id", "From", "To"):
                assert msg[header], header
            assert "2026-06-02" in msg["Subject"] and "3" in msg["Subject"]
            assert msg["Content-Language"].startswith(lang)
            assert msg["List-Unsubscribe"] == "<mailto:radar@example.org?subject=unsubscribe>"
        assert en["Subject"] == "Paper Radar · 2026-06-02: 3 papers"
        assert zh["Subject"] == "论文雷达 · 2026-06-02：3 篇论文"
        assert f"{SITE}/zh/2026/06/02/" in zh.get_body(("html",)).get_content()
        assert len(sent_records(stored)) == 2

        again = send(stored, env(server.port))
        assert again.exit_code == 0, again.output
        assert "nothing to send" in again.output
        assert len(server.messages) == 2
        # a rebuild of the day (same day file written again) sends nothing either
        assert send(stored, env(server.port), "--date", "2026-06-02").exit_code == 0
        assert len(server.messages) == 2


def test_a_refused_login_is_one_line_and_nothing_is_recorded(stored: Path) -> None:
    wrong = "wrong-Pa55word"
    with local_smtp() as server:
        result = send(stored, env(server.port, DIGEST_SMTP_URL=f"smtp://{USER}:{wrong}@127.0.0.1:{server.port}"))
    assert result.exit_code == 1
    assert wrong not in result.output and PASSWORD not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "refused the login" in lines[0], result.output
    assert server.messages == [] and sent_records(stored) == {}


def test_a_dropped_connection_is_one_line_and_retried_by_the_next_run(stored: Path) -> None:
    with local_smtp(drop=True) as server:
        result = send(stored, env(server.port))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "closed the connection" in lines[0], result.output
    assert PASSWORD not in result.output
    assert sent_records(stored) == {}
    with local_smtp() as server:
        assert send(stored, env(server.port)).exit_code == 0
        assert len(server.messages) == 2


def test_an_unreachable_server_is_one_line(stored: Path) -> None:
    with local_smtp() as server:
        port = server.port  # closed once the block ends
    result = send(stored, env(port))
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert PASSWORD not in result.output and sent_records(stored) == {}


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_servers_get_the_login_encrypted(scheme: str) -> None:
    """STARTTLS and implicit TLS (the CLI verifies the server's certificate with the system's CAs;
    here the context trusts the test certificate)."""
    edition = render()
    now = datetime(2026, 6, 2, 3, 0, tzinfo=timezone.utc)
    recorded = []
    with local_smtp(tls="starttls" if scheme == "smtp+starttls" else "smtps") as server:
        url = f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{server.port}"
        msg = newsletter.message(edition, "ada@example.org", sender="Radar <radar@example.org>",
                                 list_id="Radar <radar.example.org>", unsubscribe="mailto:radar@example.org",
                                 now=now)
        assert deliver(smtp_server(url), [(msg, lambda: recorded.append(1))], context=client_context()) == 1
        assert server.logins == [USER] and len(server.messages) == 1 and recorded == [1]
        # without the certificate trusted, nothing is sent and the error is one line
        with pytest.raises(MailError) as caught:
            deliver(smtp_server(url), [(msg, lambda: recorded.append(2))])
    assert "certificate" in str(caught.value) and PASSWORD not in str(caught.value)
    assert "\n" not in str(caught.value) and recorded == [1]


def test_a_server_that_wants_tls_says_so() -> None:
    with local_smtp(tls="starttls") as server, pytest.raises(MailError, match="smtp\\+starttls://"):
        deliver(smtp_server(f"smtp://{USER}:{PASSWORD}@127.0.0.1:{server.port}"), [])


def test_the_subject_names_the_labs_site_in_each_language(stored: Path, tmp_path: Path) -> None:
    config = stored / "pelicanconfig.py"
    config.write_text(config.read_text().replace('SITENAME = "Paper Radar"', 'SITENAME = "Vision Lab Radar"')
                      .replace('"SITENAME": "论文雷达"', '"SITENAME": "视觉实验室雷达"'))
    assert send(stored, {"DIGEST_SITEURL": SITE}, "--dry-run", str(tmp_path)).exit_code == 0
    assert parsed((tmp_path / "2026-06-02-en.eml").read_bytes())["Subject"] == "Vision Lab Radar · 2026-06-02: 3 papers"
    assert parsed((tmp_path / "2026-06-02-zh.eml").read_bytes())["Subject"] == "视觉实验室雷达 · 2026-06-02：3 篇论文"


def test_dry_run_writes_one_eml_per_language_and_records_nothing(stored: Path, tmp_path: Path) -> None:
    out = tmp_path / "eml"
    result = send(stored, {"DIGEST_SITEURL": SITE}, "--dry-run", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["2026-06-02-en.eml", "2026-06-02-zh.eml"]
    msg = parsed((out / "2026-06-02-zh.eml").read_bytes())
    assert msg["Subject"] == "论文雷达 · 2026-06-02：3 篇论文"
    assert sent_records(stored) == {}


def test_email_needs_the_sites_absolute_url(stored: Path) -> None:
    result = send(stored, {**env(), "DIGEST_SITEURL": "/radar"})
    assert result.exit_code == 1 and "SITEURL" in result.output


def test_email_without_settings_says_what_to_set(stored: Path) -> None:
    result = send(stored, {})
    assert result.exit_code == 1
    assert "DIGEST_EMAIL_TO" in result.output and len(result.output.strip().splitlines()) <= 2


# --- the site's subscribe link ----------------------------------------------------------------------


def test_the_site_links_the_sign_up_when_the_settings_give_one(stored: Path) -> None:
    from generator.build import build
    from generator.write import write_posts

    config = stored / "pelicanconfig.py"
    config.write_text(config.read_text().replace(
        '"store": "store",', '"store": "store",\n    "email": {"subscribe": "mailto:radar@example.org?subject=subscribe"},', 1
    ))
    settings = load(config, env={"DIGEST_SITEURL": SITE})
    stored_day = Store(settings.store_dir).load_day(DAY)
    assert stored_day is not None
    write_posts(stored_day, settings)
    build(settings)
    for prefix, label in (("", "Subscribe by email"), ("zh/", "邮件订阅")):
        soup = BeautifulSoup((settings.output_dir / prefix / "index.html").read_text("utf-8"), "html.parser")
        link = soup.find("a", class_="subscribe")
        assert link is not None and link.get_text() == label
        assert link["href"] == "mailto:radar@example.org?subject=subscribe"


# --- in a browser ---------------------------------------------------------------------------------


@pytest.mark.skipif(bool(chromium_missing()) and not os.environ.get("CI"),
                    reason=f"{chromium_missing()}; with CI set this test runs and fails instead")
def test_the_html_fits_600_px_and_a_phone_without_horizontal_scrolling(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {}
    for lang in ("en", "zh"):
        pages[lang] = tmp_path / f"email-{lang}.html"
        pages[lang].write_text(render(lang).html, "utf-8")
    driver = chromium()
    try:
        for width in (600, 360):
            # headless Chromium's window is at least 500 px wide: emulate the phone's viewport
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500,
            })
            for lang, page in pages.items():
                driver.get(page.as_uri())
                view, scroll, widest = driver.execute_script(
                    "const e = document.documentElement;"
                    "return [e.clientWidth, e.scrollWidth,"
                    " Math.max(...[...document.querySelectorAll('body *')].map(n => n.getBoundingClientRect().right))];"
                )
                driver.save_screenshot(str(ARTIFACTS / f"email-{lang}-{width}.png"))
                assert scroll <= view and widest <= view + 0.5, (lang, width, view, scroll, widest)
                card = driver.execute_script(
                    "return document.querySelector('table table').getBoundingClientRect().width"
                )
                # the column is 600 px at most and fills a narrower view, but for the 8 px margins
                assert min(view, 600) - 20 <= card <= 600, (lang, width, view, card)
    finally:
        driver.quit()


# --- digest check -----------------------------------------------------------------------------------


def check(project: Path, environment: dict[str, str]):
    return runner.invoke(app, ["check", "--config", str(project / "pelicanconfig.py")], env=environment)


def test_check_names_the_readers_and_the_server_never_the_password(project: Path) -> None:
    result = check(project, env(2525))
    assert result.exit_code == 0, result.output
    assert "email to 2 readers (en 1, zh 1) through smtp://127.0.0.1:2525" in result.output
    assert PASSWORD not in result.output and "ada@example.org" not in result.output
    assert "no email edition" in check(project, {"DIGEST_SITEURL": SITE}).output


def test_check_reports_a_bad_server_url_in_one_line_without_the_password(project: Path) -> None:
    result = check(project, env(DIGEST_SMTP_URL=f"smtp://{USER}:{PASSWORD}@mail.example.org:port"))
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "DIGEST_SMTP_URL" in line and "smtp://lab:***@mail.example.org:port" in line
    assert PASSWORD not in result.output
