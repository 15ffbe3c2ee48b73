"""Benchmark the grounding check on the real abstracts of the demo days (sample/listings/).

For every paper of the three demo days it writes one-sentence summaries, in English and Chinese:
- supported items: the abstract's own numbers (found by a simple regex independent of the checker)
  in the forms a summary may give them (0.891 -> 89.1% / 89% ; 17.3% -> 17.3 % / 17.3％ / 0.173 ;
  3.2× -> 3.2x / 3.2-fold / 3.2 times / 3.2 倍 ; 12,000 -> 12000 / 12k / 1.2万 / 一万二千 ; ranges ;
  -1.30 -> −1.30 / "drops by 1.30" ; years), and the dataset-like names and metrics it names;
- injected unsupported items: numbers the abstract does not state in any form (checked against the
  same independent regex, with every scale and rounding), written in the same forms, datasets
  and metrics it does not name, and metrics given a value the abstract states only in sentences
  that do not name that metric ("Dice of 0.93" when 0.93 is an AUC).
It prints, per language, the recall of the injected items and the rate of supported items falsely
flagged (targets: recall 100%, false flags <= 2%), with the forms that missed or flagged.

Then, as a look at real LLM text, it checks the Hugging Face "ai_summary" one-liners of the recorded
daily papers (tests/fixtures/hf_daily_papers) against their abstracts and lists what it flags.

Last, the extra tokens the repair costs a day, measured with the local OpenAI-compatible server's
token accounting (tests/support/openai_server.py): the demo days' first 30 cs.CV/eess.IV papers
summarized once with grounded replies and once with replies that are unsupported (every paper gets
its one repair request); the difference is what repairs cost when every summary needs one.

Run from the repository root:  .venv/bin/python benchmarks/grounding.py
"""

from __future__ import annotations

import dataclasses
import glob
import json
import random
import re
import statistics
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # a script, not a package: reach tests/support from the root

from generator import settings as settings_module  # noqa: E402
from generator.records import Paper  # noqa: E402
from generator.store import Store  # noqa: E402
from generator.summarize import openai_client, summarize_day  # noqa: E402
from generator.summarize.grounding import Evidence, unsupported  # noqa: E402
from tests.support.openai_server import OpenAIServer  # noqa: E402
from tests.support.papers import listing_papers, ranked  # noqa: E402

DAYS = ("2026-06-02", "2026-06-03", "2026-06-04")
TARGET_FALSE_FLAGS = 0.02
SEED = 19

EN = ("The method reports {x} in its main experiment.", "Results: {x} over the strongest baseline.")
ZH = ("该方法在主要实验中报告了 {x} 的结果。", "结果：相比最强基线为 {x}。")

# An independent reading of the abstract's numbers: every digit run, wherever it stands (names too).
_ANY_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# The numbers turned into supported items: standing alone, with their unit.
_STANDALONE = re.compile(
    r"(?<![A-Za-z0-9.\-_@{^])(?P<neg>-)?(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?P<unit>\s?\\?%|\s?(?:×|x|-fold| times)|(?:--|-|–)(?P<end>\d+(?:\.\d+)?)\s?\\?%)?(?![A-Za-z0-9.{}_^])"
)
_DATASETS = ("BraTS 2021", "ISIC 2018", "CheXpert", "LIDC-IDRI", "KiTS19", "ACDC", "Synapse", "MIMIC-CXR",
             "COCO", "ImageNet", "ADE20K", "Cityscapes", "NuScenes", "ScanNet", "PASCAL VOC")
_METRICS = ("Dice", "IoU", "mIoU", "AUC", "HD95", "PSNR", "SSIM", "F1", "mAP", "FID", "BLEU")
_NAME = re.compile(r"(?<![\w-])([A-Z][a-z]*[A-Z][A-Za-z]*(?:-[A-Z0-9][A-Za-z0-9]*)?|[A-Z]{3,}(?:-[A-Z0-9]+)?)(?![\w-])")
_CN_DIGITS = "零一二三四五六七八九"


@dataclasses.dataclass(frozen=True)
class Item:
    text: str  # as the summary writes it
    form: str  # which form, for the breakdown
    zh: str | None = None  # the Chinese summary's wording, when it differs


def main() -> None:
    rng = random.Random(SEED)
    papers = [p for day in DAYS for p in listing_papers(day)]
    results: dict[tuple[str, str], list[tuple[Item, bool]]] = {}
    for paper in papers:
        evidence = Evidence.of(paper.title, paper.abstract)
        known = _known_values(f"{paper.title} {paper.abstract}")
        supported = [*_supported(paper), *_pairs(paper, rng, injected=False)]
        injected = [*_injected(paper, known, rng), *_pairs(paper, rng, injected=True)]
        for kind, items in (("supported", supported), ("injected", injected)):
            for item in items:
                for lang, templates in (("en", EN), ("zh", ZH)):
                    wording = item.zh if lang == "zh" and item.zh else item.text
                    sentence = rng.choice(templates).format(x=wording)
                    flagged = unsupported(sentence, evidence)
                    results.setdefault((kind, lang), []).append((item, bool(flagged)))

    print(f"Grounding check on {len(papers)} real abstracts of the demo days {', '.join(DAYS)}")
    ok = True
    for lang in ("en", "zh"):
        injected = [(i, f) for i, f in results[("injected", lang)] if not i.form.startswith(("name", "pair"))]
        injected_names = [(i, f) for i, f in results[("injected", lang)] if i.form.startswith("name")]
        supported = [(i, f) for i, f in results[("supported", lang)] if not i.form.startswith(("name", "pair"))]
        names = [(i, f) for i, f in results[("supported", lang)] if i.form.startswith("name")]
        injected_pairs = [(i, f) for i, f in results[("injected", lang)] if i.form.startswith("pair")]
        pairs = [(i, f) for i, f in results[("supported", lang)] if i.form.startswith("pair")]
        caught = sum(f for _, f in injected)
        recall = caught / len(injected)
        false_numbers = sum(f for _, f in supported) / len(supported)
        ok &= recall == 1.0 and false_numbers <= TARGET_FALSE_FLAGS
        print(f"  {lang}: injected unsupported numbers caught {caught}/{len(injected)} = {recall:.2%} (target 100%)"
              f"  {'ok' if recall == 1.0 else 'MISSED'}")
        print(f"      supported numbers falsely flagged {sum(f for _, f in supported)}/{len(supported)} = "
              f"{false_numbers:.2%} (target <= {TARGET_FALSE_FLAGS:.0%})  "
              f"{'ok' if false_numbers <= TARGET_FALSE_FLAGS else 'MISSED'}")
        print(f"      injected datasets and metrics caught {sum(f for _, f in injected_names)}/{len(injected_names)}"
              f" = {sum(f for _, f in injected_names) / len(injected_names):.2%}; supported names falsely flagged "
              f"{sum(f for _, f in names)}/{len(names)} = {sum(f for _, f in names) / len(names):.2%}")
        print(f"      a metric with a value stated in another sentence (mispaired) caught "
              f"{sum(f for _, f in injected_pairs)}/{len(injected_pairs)} = "
              f"{sum(f for _, f in injected_pairs) / max(1, len(injected_pairs)):.2%}; metric-value pairs the paper "
              f"states falsely flagged {sum(f for _, f in pairs)}/{len(pairs)} = "
              f"{sum(f for _, f in pairs) / max(1, len(pairs)):.2%}")
        missed = [i for i, f in results[("injected", lang)] if not f]
        flagged = [i for i, f in results[("supported", lang)] if f]
        if missed:
            print(f"      missed by form: {dict(Counter(i.form for i in missed))}; e.g. {[i.text for i in missed][:6]}")
        if flagged:
            print(f"      false flags by form: {dict(Counter(i.form for i in flagged))}; e.g. {[i.text for i in flagged][:6]}")
    forms = Counter(i.form for i, _ in results[("supported", "en")])
    print(f"  supported items by form (en): {dict(sorted(forms.items()))}")
    forms = Counter(i.form for i, _ in results[("injected", "en")])
    print(f"  injected items by form (en): {dict(sorted(forms.items()))}")
    print(f"  {'number targets met in both languages' if ok else 'NUMBER TARGETS MISSED'}")
    _real_summaries()
    _repair_cost()


# --- supported items ------------------------------------------------------------------------------


def _supported(paper: Paper) -> Iterator[Item]:
    """The abstract's standalone numbers in the forms a summary may write them, and its names."""
    text = paper.abstract.replace("\\%", "%").replace("$", "").replace("\\times", "×")
    text = text.replace("{,}", ",").replace("\\,", ",")  # LaTeX thousands separators: 27{,}300, 35\,925
    for match in _STANDALONE.finditer(text):
        number, unit, end = match.group("num"), (match.group("unit") or "").strip(), match.group("end")
        value = float(number.replace(",", ""))
        decimals = len(number.partition(".")[2])
        if re.match(r"0\d", number):
            continue  # "10 000" written with a space: not a number of its own
        if end is not None:
            yield Item(f"{number}-{end}%", "range")
            yield Item(f"{number}–{end} %", "range")
            yield Item(f"{number} to {end}%", "range")
            continue
        if unit.endswith("%"):
            yield Item(f"{number}%", "percent")
            yield Item(f"{number} %", "percent, spaced")
            yield Item(f"{number}％", "percent, full-width")
            if value < 100:
                yield Item(f"{value / 100:.{decimals + 2}f}", "percent as a fraction")
            if decimals:
                yield Item(f"{value:.{decimals - 1}f}%", "percent, rounded")
        elif unit in ("×", "x", "-fold", "times"):
            for form in (f"{number}×", f"{number}x", f"{number}-fold", f"{number} times", f"{number} 倍"):
                yield Item(form, "multiplier")
        elif match.group("neg"):
            yield Item(f"-{number}", "negative")
            yield Item(f"\u2212{number}", "negative")
            yield Item(f"a drop of {number}", "negative as a drop")
        elif decimals and value <= 1:
            yield Item(number, "fraction")
            yield Item(f"{value * 100:.{max(decimals - 2, 0)}f}%", "fraction as a percent")
        elif not decimals and 1900 <= value <= 2100:
            yield Item(number, "year")
        elif not decimals and value >= 1000 and value % 1000 == 0:
            yield Item(f"{value:,.0f}", "thousands")
            yield Item(f"{value:.0f}", "thousands")
            yield Item(f"{value / 1000:g}k", "thousands as k")
            yield Item(_chinese(int(value)), "thousands in Chinese numerals")
            if value >= 10000:
                yield Item(f"{value / 10000:g}万", "thousands as 万")
        else:
            yield Item(number, "plain")
    seen = set()
    for match in _NAME.finditer(paper.abstract):
        name = match.group(1)
        if name not in seen:
            seen.add(name)
            yield Item(name, "name: dataset-like")
    for metric in _METRICS:
        if re.search(rf"(?<![\w-]){re.escape(metric)}(?![\w-])", paper.abstract):
            yield Item(metric, "name: metric")


# --- metrics with their values ---------------------------------------------------------------------


def _pairs(paper: Paper, rng: random.Random, *, injected: bool) -> Iterator[Item]:
    """A metric of the abstract with a value of the same sentence, or (injected) of a sentence that
    names neither that metric nor one of its other names, and states that value nowhere near it."""
    text = paper.abstract.replace("\\%", "%").replace("$", "").replace("{,}", ",")
    sentences = re.split(r"(?<=[.;])\s+", text)
    for metric in _METRICS:
        names = (metric.lower(), *_METRIC_ALIASES.get(metric, ()))
        def named(sentence: str, names: tuple[str, ...] = names) -> bool:
            words = set(re.findall(r"[a-z0-9]+", sentence.lower()))
            squashed = re.sub(r"[^0-9a-z]", "", sentence.lower())
            return any(n in words if len(n) <= 6 else n in squashed for n in names)
        with_metric = [s for s in sentences if named(s)]
        if not any(re.search(rf"(?<![\w-]){re.escape(metric)}(?![\w-])", s) for s in with_metric):
            continue
        if not injected:
            for sentence in with_metric:
                for match in _STANDALONE.finditer(sentence):
                    if not match.group("end") and not match.group("neg") and not re.match(r"0\d", match.group("num")):
                        number = match.group("num") + ("%" if (match.group("unit") or "").endswith("%") else "")
                        yield Item(f"{metric} of {number}", "pair", zh=f"{metric} 为 {number}")
            continue
        nearby = _known_values(" ".join(with_metric))
        others = [m for s in sentences if not named(s) for m in _STANDALONE.finditer(s)
                  if not m.group("end") and not m.group("neg") and not re.match(r"0\d", m.group("num"))
                  and _free(float(m.group("num").replace(",", "")), nearby, 0.6)]
        if others:
            match = rng.choice(others)
            number = match.group("num") + ("%" if (match.group("unit") or "").endswith("%") else "")
            yield Item(f"{metric} of {number}", "pair, mispaired", zh=f"{metric} 为 {number}")


# --- injected unsupported items --------------------------------------------------------------------


def _known_values(text: str) -> set[float]:
    """Every value the text states in any reading: digit runs anywhere, as %, as fractions, ×1000."""
    values = {float(v) for w, v in _WORD_VALUES.items() if re.search(rf"\b{w}\b", text, re.IGNORECASE)}
    for match in _ANY_NUMBER.finditer(text.replace("\\%", "%").replace("{,}", ",").replace("\\,", ",")):
        value = float(match.group(0).replace(",", ""))
        values |= {value, value * 100, value / 100, value * 1000, value * 1e4, value * 1e6}
    return values


def _free(value: float, known: set[float], slack: float) -> bool:
    return all(abs(value - k) > slack for k in known)


def _injected(paper: Paper, known: set[float], rng: random.Random) -> Iterator[Item]:
    """Numbers the abstract does not state in any form, in every form, and names it does not name."""
    while True:
        percent = round(rng.uniform(50, 99), 1)
        if _free(percent, known, 0.6):
            break
    yield Item(f"{percent}%", "percent")
    yield Item(f"{percent} %", "percent, spaced")
    yield Item(f"{percent / 100:.3f}", "percent as a fraction")
    if _free(int(percent), known, 0.0):
        yield Item(f"百分之{_chinese(int(percent))}", "percent in Chinese numerals")
    while True:
        factor = round(rng.uniform(1.5, 9.5), 1)
        if _free(factor, known, 0.06):
            break
    for form in (f"{factor}×", f"{factor}-fold", f"{factor} times", f"{factor} 倍"):
        yield Item(form, "multiplier")
    while True:
        thousands = rng.randrange(2, 99) * 1000
        if _free(thousands, known, 5000):  # 5万 may round anything from 45,000 to 54,999
            break
    for form, label in ((f"{thousands:,}", "thousands"), (f"{thousands // 1000}k", "thousands as k"),
                        (_chinese(thousands), "thousands in Chinese numerals"), (f"{thousands / 10000:g}万", "thousands as 万")):
        yield Item(form, label)
    while True:
        low, high = sorted(round(rng.uniform(1, 40), 1) for _ in range(2))
        if _free(low, known, 0.06) and _free(high, known, 0.06) and high - low > 1:
            break
    yield Item(f"{low}-{high}%", "range")
    while True:
        drop = round(rng.uniform(0.2, 9.9), 2)
        if _free(drop, known, 0.006):
            break
    yield Item(f"-{drop:.2f}", "negative")
    while True:
        year = rng.randrange(2000, 2026)
        if year not in known:
            break
    yield Item(str(year), "year")
    while True:
        count = rng.randrange(3, 9)
        if count not in known and not re.search(rf"\b{_WORDS[count]}\b", paper.abstract, re.IGNORECASE):
            break
    yield Item(f"{count} datasets", "small integer")
    squashed = re.sub(r"[^0-9a-z]", "", f"{paper.title} {paper.abstract}".lower())
    datasets = [d for d in _DATASETS if re.sub(r"[^0-9a-z]", "", d.lower()) not in squashed]
    metrics = [m for m in _METRICS if not any(alias in squashed for alias in (m.lower(), *_METRIC_ALIASES.get(m, ())))]
    yield Item(rng.choice(datasets), "name: dataset")
    if metrics:
        yield Item(rng.choice(metrics), "name: metric")


# Other names of the same metric: the paper naming one supports the other.
_METRIC_ALIASES = {"Dice": ("dsc",), "AUC": ("auroc", "areaunder"), "IoU": ("jaccard", "intersectionoverunion"),
                   "F1": ("fscore", "fmeasure"), "FID": ("frechet", "fréchet"), "HD95": ("hausdorff",),
                   "mIoU": ("meaniou",)}
_WORD_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "twice": 2, "double": 2, "triple": 3, "half": 0.5, "dozen": 12,
                "twofold": 2, "threefold": 3, "fourfold": 4, "tenfold": 10, "hundred": 100, "thousand": 1000}
_WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def _chinese(value: int) -> str:
    """An integer below 10^8 in Chinese numerals: 12000 -> 一万二千, 87 -> 八十七."""
    def below_10k(n: int) -> str:
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = n // unit % 10
            if digit:
                out += ("零" if zero and out else "") + _CN_DIGITS[digit] + name
                zero = False
            else:
                zero = bool(out)
        return out
    if value >= 10000:
        return below_10k(value // 10000) + "万" + (("零" if value % 10000 < 1000 else "") + below_10k(value % 10000) if value % 10000 else "")
    return below_10k(value)


# --- real LLM text ------------------------------------------------------------------------------------


def _real_summaries() -> None:
    pairs = {}
    for path in sorted(glob.glob(str(REPO / "tests" / "fixtures" / "hf_daily_papers" / "*.json"))):
        data = json.loads(Path(path).read_text("utf-8"))
        for row in data if isinstance(data, list) else []:
            paper = row.get("paper", row)
            if paper.get("ai_summary") and paper.get("summary"):
                pairs[paper["id"]] = (paper["title"] if "title" in paper else row.get("title", ""), paper["summary"],
                                      paper["ai_summary"])
    flagged = [(pid, items) for pid, (title, abstract, summary) in pairs.items()
               if (items := unsupported(summary, Evidence.of(title, abstract)))]
    print(f"Real LLM one-liners (Hugging Face ai_summary, recorded fixtures): {len(pairs)} summaries, "
          f"{len(flagged)} with flagged items: {flagged[:6]}")


# --- what the repair costs --------------------------------------------------------------------------------


def _repair_cost() -> None:
    featured_by_day = {
        day: ranked([p for p in listing_papers(day) if p.primary_category in ("cs.CV", "eess.IV")][:30]) for day in DAYS
    }
    extra_in, extra_out, per_repair_in, per_repair_out = [], [], [], []
    with OpenAIServer() as server, tempfile.TemporaryDirectory() as tmp:
        settings = settings_module.load(REPO / "pelicanconfig.py", env={"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": server.url})
        for day, featured in featured_by_day.items():
            spent = {}
            for mode in ("grounded", "ungrounded"):
                server.requests.clear()
                server.rules = {_abstract_of(r.paper): "ungrounded" for r in featured} if mode == "ungrounded" else {}
                result = summarize_day(featured, settings, Store(Path(tmp, day, mode)), client=openai_client(settings))
                assert result.usage is not None
                spent[mode] = (result.usage.tokens_in, result.usage.tokens_out, result.usage.requests)
                repairs = [r for r in server.requests if "<unsupported>" in r.prompt]
                if mode == "ungrounded":
                    assert len(repairs) == len(featured) and all(s.repaired for s in result.summaries.values())
                    per_repair_in += [r.prompt_tokens for r in repairs]
                    per_repair_out += [_reply_tokens(r.reply) for r in repairs]
            extra_in.append(spent["ungrounded"][0] - spent["grounded"][0])
            extra_out.append(spent["ungrounded"][1] - spent["grounded"][1])
            print(f"Repair cost {day}: {len(featured)} featured papers; without repairs {spent['grounded'][0]} in + "
                  f"{spent['grounded'][1]} out tokens ({spent['grounded'][2]} requests); every summary repaired "
                  f"{spent['ungrounded'][0]} in + {spent['ungrounded'][1]} out ({spent['ungrounded'][2]} requests)")
    print(f"  one repair request: median {statistics.median(per_repair_in):.0f} tokens in, "
          f"{statistics.median(per_repair_out):.0f} out (local server's usage accounting: estimate_tokens)")
    llm = settings.digest.llm
    per_repair = (statistics.median(per_repair_in) * llm.price_in_per_mtok
                  + statistics.median(per_repair_out) * llm.price_out_per_mtok) / 1e6
    print(f"  extra per day if every featured summary needs its repair: median {statistics.median(extra_in):.0f} in + "
          f"{statistics.median(extra_out):.0f} out (the brief's input changes too); about ${per_repair:.5f} per "
          f"repair at {llm.model}'s configured prices: the day pays that times the summaries flagged")


def _abstract_of(paper: Paper) -> str:
    """Text found only in that paper's requests (its summary and its repair)."""
    return '"abstract": ' + json.dumps(" ".join(paper.abstract.split()), ensure_ascii=False).replace("<", "\\u003c")[:50]


def _reply_tokens(reply: str) -> int:
    from generator.summarize import estimate_tokens
    return estimate_tokens(reply)


if __name__ == "__main__":
    main()
