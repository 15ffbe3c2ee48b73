"""The day's summaries: cached LLM replies, new requests in parallel, extractive fallbacks, the brief."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import openai

from ..errors import SummaryError
from ..labels import counted
from ..records import Note, Paper, Ranked, Summary, Usage
from ..settings import Settings
from ..store import Store
from .client import Llm, OverBudget
from .extractive import extractive
from .grounding import Evidence, unsupported
from .prompts import Prompt, as_data, glossary_for, languages_line, load_prompt
from .tokens import clip_tokens
from .replies import (
    Cost,
    PaperAnswer,
    PaperReply,
    paper_reply_model,
    parse_brief_reply,
    parse_paper_reply,
    reply_texts,
    strict_schema,
    summary_from_reply,
    texts_model,
)

log = logging.getLogger(__name__)

NO_KEY_REASON = Note("paper_no_llm_key")
NO_KEY_NOTE = Note("no_llm_key")
BUDGET_REASON = Note("paper_budget")
PAPER_MAX_TOKENS_OUT = 600  # the prompt asks for ~400; the cap stops a runaway reply (it then falls back)
BRIEF_MAX_TOKENS_OUT = 900
# What one paper may put into a prompt (a real abstract is 200-400 tokens): untrusted text is cut.
TITLE_MAX_TOKENS_IN = 100
ABSTRACT_MAX_TOKENS_IN = 1500


@dataclass(frozen=True)
class DaySummaries:
    """What the summarize stage returns for one day's featured papers."""

    summaries: dict[str, Summary]  # paper id -> Summary, one for every paper passed in
    brief: dict[str, str]  # lang -> cross-domain brief ({} without an LLM)
    usage: Usage | None  # LLM accounting, None without an LLM
    notes: tuple[Note, ...]  # degradations to show on the page and in the log


class _Progress:
    """Counts finished papers for the caller's progress display."""

    def __init__(self, total: int, on_progress: Callable[[int, int], None] | None):
        self.done, self.total, self.on_progress = 0, total, on_progress

    def advance(self) -> None:
        self.done += 1
        if self.on_progress:
            self.on_progress(self.done, self.total)


def summarize_day(
    featured: Sequence[Ranked],
    settings: Settings,
    store: Store,
    *,
    client: openai.OpenAI | None,
    on_progress: Callable[[int, int], None] | None = None,
) -> DaySummaries:
    """Summaries for the day's featured papers, the day's brief, and what the LLM cost.

    `client` is None without an LLM (see client.openai_client): every summary is then extractive.
    Replies are cached in the store: a re-run of the same day sends no request. A paper the LLM
    fails on, or one beyond the daily budget, gets an extractive summary saying why.
    """
    papers = [r.paper for r in featured]
    progress = _Progress(len(papers), on_progress)
    if client is None:
        summaries: dict[str, Summary] = {}
        for paper in papers:
            summaries[paper.id] = extractive(paper, NO_KEY_REASON)
            progress.advance()
        return DaySummaries(summaries=summaries, brief={}, usage=None, notes=(NO_KEY_NOTE,))

    llm = Llm(client, settings.digest.llm, (client.api_key, *settings.secrets))
    prompt = load_prompt("paper")
    max_papers = settings.digest.llm.max_papers
    allowed = papers if max_papers is None else papers[:max_papers]
    # what the replies taken from the cache cost when they were made
    summaries, todo, cached = _from_store(allowed, settings, store, prompt, progress)
    failed, over_budget = _ask(llm, prompt, todo, settings, store, summaries, progress)
    for paper in papers[len(allowed):]:
        over_budget += 1
        summaries[paper.id] = extractive(paper, BUDGET_REASON)

    notes = []
    if failed:
        notes.append(Note("llm_failed", {"failed": failed, "total": len(papers)}))
    if over_budget:
        limit = llm.stopped_by or f"DIGEST['llm']['max_papers'] = {max_papers}"
        notes.append(Note("llm_budget", {"limit": limit, "count": over_budget}))
        log.warning("LLM budget reached (%s): %s left extractive", limit, counted(over_budget, "paper"))
    brief: dict[str, str] = {}
    if any(s.kind == "llm" for s in summaries.values()):
        brief, brief_note, brief_cached = _day_brief(llm, papers, summaries, settings, store)
        cached += brief_cached
        notes += [brief_note] if brief_note else []
    elif papers:
        notes.append(Note("brief_no_llm"))

    tokens_in, tokens_out = cached.tokens_in + llm.tokens_in, cached.tokens_out + llm.tokens_out
    usage = Usage(
        model=settings.digest.llm.model,
        prompt_version=f"{prompt.version}+{load_prompt('brief').version}",
        requests=cached.requests + llm.requests,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=round(llm.cost(tokens_in, tokens_out), 6),
    )
    return DaySummaries(
        summaries={p.id: summaries[p.id] for p in papers}, brief=brief, usage=usage, notes=tuple(notes)
    )


def _from_store(
    papers: Sequence[Paper], settings: Settings, store: Store, prompt: Prompt, progress: _Progress
) -> tuple[dict[str, Summary], list[Paper], Cost]:
    """The summaries cached by an earlier run, the papers still to ask the LLM about, and what the
    cached replies cost when they were made."""
    languages = tuple(settings.digest.languages)
    summaries: dict[str, Summary] = {}
    todo = []
    cost = Cost()
    for paper in papers:
        answer = PaperAnswer.from_cache(store.cached("llm", _paper_key(paper, settings, prompt)), languages)
        if answer is not None:
            summaries[paper.id] = _grounded(paper, answer.reply, languages, repaired=answer.repaired)
            cost += answer.cost
            progress.advance()
        else:
            todo.append(paper)
    return summaries, todo, cost


def _ask(
    llm: Llm,
    prompt: Prompt,
    papers: Sequence[Paper],
    settings: Settings,
    store: Store,
    summaries: dict[str, Summary],
    progress: _Progress,
) -> tuple[int, int]:
    """Ask the LLM about `papers` in parallel, filling `summaries`; how many failed and went over budget."""
    languages = tuple(settings.digest.languages)
    failed = over_budget = 0
    pool = ThreadPoolExecutor(max_workers=settings.digest.llm.concurrency)
    try:
        futures = {pool.submit(_summarize_paper, llm, prompt, paper, languages): paper for paper in papers}
        for future in as_completed(futures):
            paper = futures[future]
            try:
                answer = future.result()
            except OverBudget:
                over_budget += 1
                summaries[paper.id] = extractive(paper, BUDGET_REASON)
            except SummaryError as exc:
                failed += 1
                reason = llm.redact(str(exc))
                log.warning("%sv%d: %s; using the extractive summary", paper.id, paper.version, reason)
                summaries[paper.id] = extractive(paper, Note("paper_llm_error", {"error": reason}))
            else:
                store.cache("llm", _paper_key(paper, settings, prompt), answer.as_json(),
                            bucket=f"{paper.updated:%Y-%m}")
                summaries[paper.id] = _grounded(paper, answer.reply, languages, repaired=answer.repaired)
            progress.advance()
    finally:
        # Interrupted (the run's deadline, Ctrl-C): the papers not yet sent are not sent.
        pool.shutdown(wait=False, cancel_futures=True)
    return failed, over_budget


def _paper_key(paper: Paper, settings: Settings, prompt: Prompt) -> str:
    languages = ",".join(settings.digest.languages)
    return f"{paper.id}v{paper.version}|{settings.digest.llm.model}|{prompt.version}.{prompt.fingerprint}|{languages}"


def _summarize_paper(llm: Llm, prompt: Prompt, paper: Paper, languages: tuple[str, ...]) -> PaperAnswer:
    """Ask the LLM for one paper, and once more if its reply states what the paper does not support.

    Returns the validated reply, whether it was repaired, and the cost of both requests, as cached.
    """
    glossary = glossary_for(f"{paper.title}\n{paper.abstract}", languages)
    # Paper text is cut to the input budget: a 1 MB abstract must not go (and be paid for) whole.
    data = as_data({
        "title": clip_tokens(" ".join(paper.title.split()), TITLE_MAX_TOKENS_IN),
        "abstract": clip_tokens(" ".join(paper.abstract.split()), ABSTRACT_MAX_TOKENS_IN),
    })
    messages = prompt.messages(languages=languages_line(languages), glossary=glossary, paper=data)
    schema = strict_schema(paper_reply_model(languages))
    completion = llm.complete(messages, schema, PAPER_MAX_TOKENS_OUT)
    reply = parse_paper_reply(completion.text, languages)
    cost = Cost(1, completion.tokens_in, completion.tokens_out)
    problems = _unsupported(paper, reply, languages)
    if not problems:
        return PaperAnswer(reply, repaired=False, cost=cost)
    repair = load_prompt("repair").messages(
        languages=languages_line(languages), glossary=glossary, paper=data,
        entry=as_data(reply.as_json()), unsupported=as_data({lang: list(items) for lang, items in problems.items()}),
    )
    try:
        fix = llm.complete(repair, schema, PAPER_MAX_TOKENS_OUT)
        cost += Cost(1, fix.tokens_in, fix.tokens_out)  # paid for, even if its reply is invalid
        return PaperAnswer(parse_paper_reply(fix.text, languages), repaired=True, cost=cost)
    except OverBudget:
        log.info("%sv%d: no budget left to repair the summary; its unsupported items are marked", paper.id, paper.version)
    except SummaryError as exc:
        log.warning("%sv%d: repair failed (%s); the first reply is kept, marked", paper.id, paper.version, llm.redact(str(exc)))
    return PaperAnswer(reply, repaired=False, cost=cost)


def _unsupported(paper: Paper, reply: PaperReply, languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Per language, what the reply states that the paper's title and abstract do not support."""
    evidence = Evidence.of(paper.title, paper.abstract)
    found = {lang: unsupported(" \n ".join(reply_texts(reply, lang)), evidence) for lang in languages}
    return {lang: items for lang, items in found.items() if items}


def _grounded(paper: Paper, reply: PaperReply, languages: tuple[str, ...], *, repaired: bool) -> Summary:
    """The summary of a reply, its unsupported items found again (the check may have changed since)."""
    return summary_from_reply(reply, _unsupported(paper, reply, languages), repaired=repaired)


def _day_brief(
    llm: Llm,
    papers: Sequence[Paper],
    summaries: dict[str, Summary],
    settings: Settings,
    store: Store,
) -> tuple[dict[str, str], Note | None, Cost]:
    """The cross-domain brief (cached by its exact input), or {} and a note saying why not; and
    what a cached brief cost when it was made."""
    languages = tuple(settings.digest.languages)
    prompt = load_prompt("brief")
    listing = [
        {"n": n, "title": clip_tokens(" ".join(p.title.split()), TITLE_MAX_TOKENS_IN), "summary": summaries[p.id].tldr["en"]}
        for n, p in enumerate(papers, 1)
    ]
    messages = prompt.messages(languages=languages_line(languages), papers=as_data(listing))
    content = hashlib.sha256(json.dumps(messages, ensure_ascii=False).encode()).hexdigest()[:16]
    key = f"brief:{content}|{settings.digest.llm.model}|{prompt.version}.{prompt.fingerprint}|{','.join(languages)}"
    hit = store.cached("llm", key)
    if hit is not None:
        return dict(hit["brief"]), None, Cost.of_cached(hit)
    try:
        completion = llm.complete(messages, strict_schema(texts_model(languages)), BRIEF_MAX_TOKENS_OUT)
        brief = parse_brief_reply(completion.text, languages, len(papers))
    except OverBudget as exc:
        return {}, Note("brief_budget", {"limit": exc.limit}), Cost()
    except SummaryError as exc:
        log.warning("cross-domain brief: %s; the day has no brief", llm.redact(str(exc)))
        return {}, Note("brief_failed"), Cost()
    value = {"brief": brief, "tokens_in": completion.tokens_in, "tokens_out": completion.tokens_out}
    store.cache("llm", key, value, bucket=f"{max(p.updated for p in papers):%Y-%m}")
    return brief, None, Cost()
