"""Is a summary supported by the paper? The numbers, datasets and metrics it names, checked against the abstract.

Pure functions. `Evidence.of(title, abstract)` reads what the paper states; `unsupported(text,
evidence)` lists the items of a summary text (English or Chinese) that it does not support, as
written, in order, each once.

Conventions:
- A number is supported when the paper states the same value in any of its forms: 0.89 = 89%,
  3.2× = 3.2-fold = 3.2 倍 = 3.2 times, 1,000 = 1000 = 1k = 一千 = one thousand, 1.2万 = 12,000,
  17.3% = 17.3 %, a range's ends, -1.3 = 1.3 (a summary says "drops by 1.3"). A number written
  with fewer decimals than the paper's is supported when it rounds from it (91% from 91.23%);
  an integer below 10 or a year must match exactly. Years, sample sizes and list items in the
  summary are numbers like any other.
- Not claims: dimensions (2D, 3D, 2.5D), ordinals (1st, 第一), list numbering ((1), 2), （3）),
  citations ([1]), single Chinese numerals without 十/百/千/万/亿 (一种 is "a kind"), 十分 ("very").
- A name is an ASCII token that mixes letters and digits (GPT-4o, ResNet-50, ISIC2018), or looks
  like a dataset or model name (two capitals or more, or CamelCase: BraTS, CheXpert, COCO), or is a
  metric (Dice, IoU, AUC, F1, ...). It is supported when the paper spells it (ignoring case,
  spaces, hyphens; a name of 4 letters or fewer as a whole word), an acronym also when the paper's
  words have its initials (LLM = large language model); a metric also under its other names
  (DSC = Dice, AUROC = AUC). A capitalised word inside a sentence (Synapse) or in Chinese text is
  a name too; one that starts a sentence or follows a colon is not.
- A metric with its value ("Dice of 0.91", "91% Dice", "Dice 系数为 0.91") is supported when one
  sentence of the paper names the metric and states the value; the pair is flagged as written
  otherwise. Lists of metrics ("Dice and AUC of 0.91 and 0.95") are not paired.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# --- numbers ---------------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?|\.\d+"
# A number, the unit written right after it (joined or after a space), and what follows for context.
_NUMBER = re.compile(
    rf"(?P<num>{_NUM})"
    r"(?P<unit>\s?(?:%|percent\b|×|x(?![A-Za-z])|-?fold\b|\s?times\b|倍)"
    r"|\s?(?:[kKMB](?![A-Za-z])|thousand\b|million\b|billion\b|万|千|百|亿))?"
)
_MAGNITUDE = {
    "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "thousand": 1e3, "million": 1e6, "billion": 1e9,
    "百": 1e2, "千": 1e3, "万": 1e4, "亿": 1e8,
}
# The characters of one ASCII token: a number inside a token that starts with a letter is part of a
# name (GPT-4, ResNet-50, Qwen2.5-7B, mAP@0.5), checked as a name.
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_+@")
# Letters right after a number that make the whole token a dimension, an ordinal or a name.
_DIMENSION = re.compile(r"(?:\d+(?:\.\d+)?)D(?![a-z])")
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")
_JOINED_UNIT = re.compile(
    r"(?:[kKMB]|x|percent|fold|times|thousand|million|billion|mm|cm|km|ms|s|h|min|Hz|kHz|MHz|GHz|dB|px|fps"
    r"|GB|MB|TB|FLOPs|GFLOPs|TFLOPs|T|m|g|kg|mg|ml|mL|W|V|Gy|bits?|b)(?![A-Za-z])"
)
_UNIT_AFTER = re.compile(
    r"\s?(?:mm|cm|km|ms|s|h|min|Hz|kHz|MHz|GHz|dB|px|fps|GB|MB|TB|FLOPs|GFLOPs|TFLOPs|T|kg|mg|mL|W|V|Gy|bits?)(?![A-Za-z])"
)
_RANGE_TO_PERCENT = re.compile(r"\s?(?:-|--|~|to)\s?[\d.,]+\s?%")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 1e4, "亿": 1e8}
_CN_NUMBER = re.compile(r"(?P<pct>百分之)?(?P<num>[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?)(?P<unit>倍)?")
_CN_NOT_NUMBER = ("十分", "万一", "千万", "百万")  # "very", "in case", "must (not)"; 百万 alone is vague

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1e3,
    "million": 1e6, "billion": 1e9, "twice": 2, "double": 2, "doubles": 2, "doubling": 2, "triple": 3,
    "half": 0.5, "single": 1, "dozen": 12, "tenfold": 10, "threefold": 3, "twofold": 2, "fourfold": 4,
}
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")(?:[\s-](hundred|thousand|million|billion))?\b",
    re.IGNORECASE,
)

# One number claim: (start, end, as written, candidate (value, tolerance) pairs).
_Number = tuple[int, int, str, tuple[tuple[float, float], ...]]

# --- names -----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+]*(?:[-_.:@/][A-Za-z0-9+]+)*")
_METRICS = {  # metric -> the names the paper may use for it (normalised: lower case, alphanumerics)
    "dice": ("dice", "dsc"), "dsc": ("dice", "dsc"), "iou": ("iou", "jaccard", "intersectionoverunion"),
    "miou": ("miou", "meaniou", "meanintersectionoverunion"), "auc": ("auc", "auroc", "areaunderthe"),
    "auroc": ("auc", "auroc", "areaunderthe"), "auprc": ("auprc", "aupr", "precisionrecall"),
    "f1": ("f1", "fscore", "fmeasure"), "map": ("map",), "psnr": ("psnr",), "ssim": ("ssim",),
    "lpips": ("lpips",), "fid": ("fid", "frechet", "fréchet"), "hd95": ("hd95", "hausdorff"),
    "bleu": ("bleu",), "rouge": ("rouge",), "cider": ("cider",), "meteor": ("meteor",),
    "ndcg": ("ndcg",), "mrr": ("mrr", "reciprocalrank"), "hausdorff": ("hausdorff", "hd95", "hd"),
}
# Metrics are matched in these spellings only ("map" is a word, "mAP" the metric).
_METRIC_SPELLINGS = {"Dice": "dice", "DSC": "dsc", "IoU": "iou", "mIoU": "miou", "AUC": "auc", "AUROC": "auroc",
                     "AUPRC": "auprc", "F1": "f1", "mAP": "map", "PSNR": "psnr", "SSIM": "ssim",
                     "LPIPS": "lpips", "FID": "fid", "HD95": "hd95", "BLEU": "bleu", "ROUGE": "rouge",
                     "CIDEr": "cider", "METEOR": "meteor", "NDCG": "ndcg", "MRR": "mrr", "Hausdorff": "hausdorff"}
_CANONICAL = {"dsc": "dice", "auroc": "auc", "hausdorff": "hd95"}  # one key per metric for sentences
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\[0-9])|\n")
# Acronyms too general to be a claim about the paper.
_GENERIC = frozenset({"AI", "GPU", "CPU", "API", "URL", "TL", "DR", "OK", "II", "III", "IV"})


@dataclass(frozen=True)
class _Sentence:
    """One sentence of the paper: the metrics it names and the values it states (a metric's values)."""

    metrics: frozenset[str]
    values: tuple[float, ...]


@dataclass(frozen=True)
class Evidence:
    """What a paper states: its numbers' values, its text for names, its words' initials."""

    sentences: tuple[_Sentence, ...]
    values: tuple[float, ...]
    years: frozenset[float]  # values that are years: matched exactly, never as a rounded 2k
    text: str  # lower case, alphanumerics only: names are looked up in it
    words: frozenset[str]  # lower case words (split at anything but letters and digits): short names
    initials: str  # the first letter of every word, lower case

    @classmethod
    def of(cls, *texts: str) -> Evidence:
        text = _delatex(_normalise(" \n ".join(texts)))
        numbers = _numbers(text, source=True)
        years = frozenset(float(written) for _, _, written, _ in numbers if _is_year(written))
        words = re.findall(r"[A-Za-z0-9]+", text)
        sentences = tuple(
            _Sentence(_metrics_named(sentence), tuple(sorted(_values(sentence))))
            for sentence in _SENTENCE_END.split(text)
        )
        return cls(
            sentences=sentences,
            values=tuple(sorted(_values(text))),
            words=frozenset(w.lower() for w in words),
            years=years,
            text=_squash(text),
            initials="".join(w[0].lower() for w in words),
        )

    def _has_word(self, word: str) -> bool:
        """A short name as a whole word: SAM, SAMs, ISIC in "ISIC2018", not "sam" in "same"."""
        return word in self.words or word + "s" in self.words or any(
            w.startswith(word) and w[len(word):].isdigit() for w in self.words
        )

    def supports_value(self, candidates: Iterable[tuple[float, float]], values: tuple[float, ...] | None = None) -> bool:
        for value, tolerance in candidates:
            slack = tolerance + 1e-9 * max(1.0, abs(value))
            if any(abs(abs(value) - known) <= (slack if known not in self.years else 1e-9)
                   for known in (self.values if values is None else values)):
                return True
        return False

    def supports_pair(self, metric: str, candidates: tuple[tuple[float, float], ...]) -> bool:
        """A metric with its value: one sentence of the paper names the metric and states the value."""
        key = _CANONICAL.get(metric, metric)
        return any(key in s.metrics and self.supports_value(candidates, s.values) for s in self.sentences)

    def supports_name(self, name: str, metric: str | None = None) -> bool:
        if len(name) > 2 and name.endswith("s") and name[:-1].isupper() and self.supports_name(name[:-1]):
            return True  # MLLMs when the paper says MLLM
        squashed = _squash(name)
        if metric is not None:  # a word of the paper, not a piece of one ("iou" is in "previous")
            return any(self._has_word(alias) if alias.isalnum() and len(alias) <= 6 else alias in self.text
                       for alias in _METRICS[metric])
        short = len(squashed) <= 4 and name.isalnum()  # SAM is a word of its own, not "sam" in "same"
        if not squashed or (self._has_word(squashed) if short else squashed in self.text):
            return True
        letters = name.removesuffix("s") if name[:-1].isupper() else name
        if letters.isalpha() and letters.isupper() and len(letters) >= 2:
            return letters.lower() in self.initials
        return False


def unsupported(text: str, evidence: Evidence) -> tuple[str, ...]:
    """The numbers and names in `text` that `evidence` does not support, as written, in order, each once."""
    plain = _normalise(text)  # same length: spans index the text as written
    found: list[tuple[int, str]] = []
    for start, end, _, candidates in _numbers(plain):
        if not evidence.supports_value(candidates):
            found.append((start, text[start:end]))
    names = _names(plain)
    for start, written, metric in names:
        if not evidence.supports_name(written, metric):
            found.append((start, text[start:start + len(written)]))
    supported = [n for n in _numbers(plain) if evidence.supports_value(n[3])]
    metrics = [(start, start + len(written)) for start, written, metric in names if metric is not None]
    for start, written, metric in names:
        if metric is None or not evidence.supports_name(written, metric):
            continue
        if any(0 < start - e <= 8 or 0 < s - (start + len(written)) <= 8 for s, e in metrics):
            continue  # "Dice and AUC of 0.91 and 0.95": which value is whose is not read here
        value = _value_of(plain, start, start + len(written), supported)
        if value is not None and not evidence.supports_pair(metric, value[3]):
            first, last = min(start, value[0]), max(start + len(written), value[1])
            found.append((first, text[first:last]))  # "Dice of 0.93": each is in the paper, not together
    items: list[str] = []
    for _, written in sorted(found):
        if written not in items:
            items.append(written)
    return tuple(items)


def _value_of(text: str, start: int, end: int, numbers: list[_Number]) -> _Number | None:
    """The number a metric name gives a value to: "Dice of 0.91", "Dice 系数为 91%", "91% Dice"."""
    after = [(n[0] - end, n) for n in numbers if n[0] >= end and _close(text[end:n[0]], 4)]
    before = [(start - n[1], n) for n in numbers if n[1] <= start and _close(text[n[1]:start], 2)]
    return min(after + before, key=lambda pair: pair[0])[1] if after or before else None


def _close(gap: str, words: int) -> bool:
    """Nothing but a few words between a metric and its value: no clause break, no other number, no
    preposition that starts a new phrase ("Dice on ISIC 2018": 2018 is not a Dice)."""
    if re.search(r"[,;:.!?，；：。！？\d]|\b(?:on|in|across|for|with|over|than|vs|versus|under|at|and|or)\b", gap):
        return False
    return len(gap.split()) + sum(_is_cjk(ch) for ch in gap) // 2 <= words


def segments(text: str, items: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (part, unsupported) pieces: each occurrence of an item stands alone, flagged.

    An item is matched where it is not part of a longer number or word ("12" is not marked in "2012").
    """
    wanted = sorted({i for i in items if i}, key=len, reverse=True)
    if not wanted:
        return [(text, False)] if text else []
    pattern = re.compile(
        r"(?<![A-Za-z0-9.])(?:" + "|".join(re.escape(i) for i in wanted) + r")(?![A-Za-z0-9]|\.\d)"
    )
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append((text[at:match.start()], False))
        pieces.append((match.group(0), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


# --- reading numbers -------------------------------------------------------------------------------


_LATEX_FORMAT = re.compile(
    r"\\(?:textbf|textit|texttt|textsc|textrm|text|emph|underline|mathbb|mathbf|mathrm|mathcal|mathit"
    r"|mathsf|operatorname|boldsymbol|bm|left|right|cdot|approx|geq|leq|le|ge)\b"
)
_DASHES = {"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"}


def _normalise(text: str) -> str:
    """One spelling per character (full-width digits and ％, minus signs and dashes), same length."""
    return "".join(_DASHES.get(ch) or _narrow(ch) for ch in text)


def _narrow(ch: str) -> str:
    narrow = unicodedata.normalize("NFKC", ch)
    return narrow if len(narrow) == 1 else ch


def _delatex(text: str) -> str:
    """Abstracts carry LaTeX: 94.0\\%, $6.72\\times$, $16{\\times}16$."""
    for old, new in (("\\%", "%"), ("\\times", "×"), ("\\pm", "±"), ("\\sim", "~"), ("\\,", ""),
                     ("{,}", ","), ("$", "")):
        text = text.replace(old, new)
    text = _LATEX_FORMAT.sub(" ", text)  # \textbf{91.9}: the command goes, its argument stays; \NAME stays
    return text.replace("{", "").replace("}", "").replace("\\", " ")


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z\u3400-\u9fff]+", "", text.lower().replace("×", "x"))


def _values(text: str) -> set[float]:
    """Every value a text of the paper states: its numbers in all their readings, its number words."""
    values = {abs(v) for _, _, _, candidates in _numbers(text, source=True) for v, _ in candidates}
    for match in _WORD_NUMBER.finditer(text):
        value = _WORD_NUMBERS[match.group(1).lower()]
        values.add(value)
        if match.group(2):
            values.add(value * _WORD_NUMBERS[match.group(2).lower()])
    return values


def _metrics_named(sentence: str) -> frozenset[str]:
    words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", sentence)}
    squashed = _squash(sentence)
    return frozenset(
        _CANONICAL.get(key, key) for key, aliases in _METRICS.items()
        if any(alias in words if alias.isalnum() and len(alias) <= 6 else alias in squashed for alias in aliases)
    )


def _numbers(text: str, *, source: bool = False) -> list[_Number]:
    """Every number claim in `text`: (start, end, as written, candidate (value, tolerance) pairs).

    With `source`, also the bare value of a number with a magnitude (the paper's 1.2M also states 1.2),
    and a size inside a name (LLaDA-8B states 8B); list numbering counts there too.
    """
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if not _is_claim(text, start, match.end("num"), source=source):
            continue
        number = match.group("num")
        unit = (match.group("unit") or "").strip()
        if not unit and _RANGE_TO_PERCENT.match(text, match.end("num")):
            unit = "%"  # the first end of "10-20%"
        value = float(number.replace(",", ""))
        decimals = len(number.partition(".")[2])
        magnitude = _MAGNITUDE.get(unit, 1.0)
        rounding = decimals > 0 or unit in ("%", "percent") or magnitude > 1 or value >= 10 and not _is_year(number)
        tolerance = 0.5 * 10.0**-decimals * magnitude if rounding else 0.0
        candidates = [(value * magnitude, tolerance)]
        if unit in ("%", "percent"):
            candidates.append((value / 100, tolerance / 100))
        elif decimals and value <= 1 and magnitude == 1:
            candidates.append((value * 100, tolerance * 100))
        if source and magnitude > 1:
            candidates.append((value, 0.0))
        if not unit and (joined := _UNIT_AFTER.match(text, end)):
            end = joined.end()  # 31.5 dB: the unit is part of the item as written
        written = text[start:end].rstrip() if unit else text[start:end]
        found.append((start, end, written, tuple(candidates)))
    found += _chinese_numbers(text)
    return sorted(found)


def _is_claim(text: str, start: int, end: int, *, source: bool = False) -> bool:
    """False for a number that is part of a name, a dimension, an ordinal, or list numbering."""
    if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
        return False  # the tail of a longer number the regex split (a version "1.2.3")
    first = start
    while first > 0 and text[first - 1] in _TOKEN_CHARS:
        first -= 1
    if (text[first].isalpha() or text[first] == "_") and not (source and re.match(r"[KMB]\b", text[end:])):
        return False  # inside a name
    if _DIMENSION.match(text, start) or _ORDINAL.match(text, end):
        return False
    if re.match(r"[A-Za-z]", text[end:end + 1]) and not _JOINED_UNIT.match(text, end):
        return False  # 3DGS, 5G: a name; a unit written joined (5mm, 20ms, 7B) keeps the number a claim
    return source or not _is_list_number(text, start, end)


def _is_list_number(text: str, start: int, end: int) -> bool:
    """(1) 2) [3] at a list item's or citation's place; 1. at the start of the text or a line."""
    number = text[start:end]
    if not number.isdigit() or int(number) > 20:
        return False
    opened = text[:start].rstrip(" ")[-1:] in ("(", "[")
    closed = text[end:end + 1] in (")", "]")
    if closed and (opened or start == 0 or text[start - 1] in " \n;,:"):
        return True
    return (start == 0 or text[start - 1] == "\n") and text[end:end + 2] == ". "


def _is_year(number: str) -> bool:
    return number.isdigit() and len(number) == 4 and 1900 <= int(number) <= 2100


def _chinese_numbers(text: str) -> list[_Number]:
    found: list[_Number] = []
    for match in _CN_NUMBER.finditer(text):
        start, end = match.span()
        number = match.group("num")
        if match.group("pct") is None and match.group("unit") is None:
            if not any(ch in number for ch in "十百千万亿") or text.startswith(_CN_NOT_NUMBER, start):
                continue
            if text[start - 1:start] in ("第", "数", "几", "上") or number[0] in "百千万亿":
                continue  # 第十 (tenth), 数百 (several hundred), 上万 (tens of thousands): no value
            if text[end:end + 1] == "几":
                continue  # 十几: a dozen or so
        if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
            continue  # 1.2万: read with the digits
        value = _chinese_value(number)
        if value is None:
            continue
        candidates: tuple[tuple[float, float], ...] = ((value, 0.0),)
        if match.group("pct"):
            candidates += ((value / 100, 0.0),)
        found.append((start, end, text[start:end], candidates))
    return found


def _chinese_value(number: str) -> float | None:
    """一千 = 1000, 十二 = 12, 三万五千 = 35000, 一点五 = 1.5; None when it is not a numeral."""
    whole, _, fraction = number.partition("点")
    total = section = 0.0
    digit: float | None = None
    for ch in whole:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch] if digit is None else digit * 10 + _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch in _CN_BIG:
            total = (total + section + (digit or 0)) * _CN_BIG[ch]
            section, digit = 0.0, None
        else:
            return None
    value = total + section + (digit or 0)
    if fraction:
        value += float("0." + "".join(str(_CN_DIGITS[ch]) for ch in fraction))
    return value if math.isfinite(value) else None


# --- reading names ---------------------------------------------------------------------------------


def _names(text: str) -> list[tuple[int, str, str | None]]:
    """Name-like tokens: (start, as written, the metric it names or None)."""
    found: list[tuple[int, str, str | None]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0).rstrip(".:/-")
        start = match.start()
        if start > 0 and (text[start - 1].isalnum() and not _is_cjk(text[start - 1])):
            continue
        if token in _METRIC_SPELLINGS or token.rstrip("s") in _METRIC_SPELLINGS:
            found.append((start, token, _METRIC_SPELLINGS.get(token) or _METRIC_SPELLINGS[token.rstrip("s")]))
            continue
        base = re.sub(r"'s$", "", token)
        has_digit = any(ch.isdigit() for ch in base)
        if not base[0].isalpha():
            continue  # numbers are checked as numbers
        if has_digit:
            if _DIMENSION.fullmatch(base):
                continue
            found.append((start, base, None))
        elif _UNIT_AFTER.fullmatch(base):
            continue  # dB, GB, FLOPs: a unit, checked with its number
        elif _looks_like_a_name(base) or _proper_noun(text, start, base):
            found.append((start, base, None))
    return found


def _proper_noun(text: str, start: int, word: str) -> bool:
    """A capitalised word inside a sentence (Synapse, Cityscapes), or any in Chinese text."""
    if len(word) < 4 or not word[0].isupper() or not word[1:].islower():
        return False
    before = text[:start].rstrip()
    if not before:
        return False
    last = before[-1]
    return _is_cjk(last) or last in "，、（" or (last.isalnum() or last in ",)") and not before.endswith(("TL;DR",))


def _looks_like_a_name(word: str) -> bool:
    letters = word.removesuffix("s") if len(word) > 2 and word[:-1].isupper() else word
    if letters in _GENERIC:
        return False
    capitals = sum(ch.isupper() for ch in letters)
    camel = any(a.islower() and b.isupper() for a, b in itertools.pairwise(letters))
    return capitals >= 2 or camel


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"
