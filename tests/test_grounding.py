"""The grounding check on its own: which numbers and names of a summary the paper supports."""

from __future__ import annotations

import pytest

from generator.summarize.grounding import Evidence, segments, unsupported

ABSTRACT = (
    "We evaluate LesionSAM on ISIC 2018 and BraTS 2021 with 1,000 images and 12,000 slices. It reaches a Dice of "
    "0.891 and 91.23\\% AUC, a 3.2-fold speedup, 17.3% fewer FLOPs than MedSAM, an error of $-1.30$, "
    "gains of 10--20\\% across sites, 1.2M parameters, using large language models (LLMs) and Qwen2.5-7B in "
    "two stages over 2019-2024 data, and an MLLM."
)
EVIDENCE = Evidence.of("LesionSAM: segment anything for skin lesions", ABSTRACT)


@pytest.mark.parametrize(
    "summary",
    [
        "LesionSAM reaches 89.1% Dice on ISIC 2018.",  # 0.891 = 89.1%
        "A Dice of 0.891 and an AUC of 0.9123.",  # 91.23% = 0.9123
        "AUC 91.2%, or about 91%.",  # rounded from 91.23%
        "A 3.2× speedup.", "A 3.2x speedup.", "3.2 times faster.", "A 3.2-fold speedup.", "速度提升 3.2 倍。",
        "1,000 images.", "1000 images.", "1k images.", "一千张图像。", "1.2万张切片。", "12k slices.",
        "17.3% fewer FLOPs.", "17.3 % fewer FLOPs.", "17.3％ fewer FLOPs.", "减少 17.3 %。",
        "Gains of 10-20%.", "Gains of 10–20 %.", "Gains of 0.1-0.2.",
        "An error of -1.30.", "An error of −1.3.", "The error drops by 1.3.",
        "1.2M parameters.", "1.2 million parameters.", "120万参数。",
        "Data from 2019 to 2024.", "Two stages: 2 stages.",
        "3D and 2D scans, 2.5D too.", "Steps: (1) encode, (2) decode; 3) refine.", "（1）编码；（2）解码。",
        "Uses LLMs and an LLM.", "Leverages MLLMs.", "Qwen2.5-7B and a 7B model.", "DSC and Dice.", "ISIC2018 and BraTS.",
        "第一，十分有效，数百张图像，十几个。",
    ],
)
def test_supported_forms_are_not_flagged(summary: str) -> None:
    assert unsupported(summary, EVIDENCE) == ()


@pytest.mark.parametrize(
    ("summary", "flagged"),
    [
        ("Improves Dice by 17.4% on ISIC 2018.", ("17.4%",)),
        ("A 4.5× speedup, or 4.5-fold.", ("4.5×", "4.5-fold")),
        ("Uses 2,000 images.", ("2,000",)),
        ("Uses 2k images.", ("2k",)),
        ("使用两千张图像，速度提升 2.6 倍。", ("两千", "2.6 倍")),
        ("准确率为百分之九十三。", ("百分之九十三",)),
        ("Gains of 10-25%.", ("25%",)),
        ("An error of -2.7.", ("2.7",)),
        ("Evaluated in 2017.", ("2017",)),
        ("Uses 3 datasets.", ("3",)),
        ("Reaches 88% Dice.", ("88%",)),
        ("Tested on CheXpert and COCO.", ("CheXpert", "COCO")),
        ("Beats GPT-4o and ResNet-50.", ("GPT-4o", "ResNet-50")),
        ("Reports PSNR and SSIM.", ("PSNR", "SSIM")),
        ("在 CheXpert 上的 PSNR 为 31.5 dB。", ("CheXpert", "PSNR", "31.5 dB")),
        ("Improves by 4.7 个百分点 and 3.3 points.", ("4.7", "3.3")),
    ],
)
def test_unsupported_items_are_flagged_as_written(summary: str, flagged: tuple[str, ...]) -> None:
    assert unsupported(summary, EVIDENCE) == flagged


def test_an_item_is_listed_once_in_the_order_of_the_text() -> None:
    assert unsupported("COCO 42.5%, again 42.5% on COCO, then 7.7.", EVIDENCE) == ("COCO", "42.5%", "7.7")


def test_segments_mark_each_occurrence_and_nothing_inside_longer_numbers() -> None:
    text = "Dice 42.5% in 2012, 12 runs, 42.5% again; 112 and 12.5 stay."
    assert segments(text, ("42.5%", "12")) == [
        ("Dice ", False), ("42.5%", True), (" in 2012, ", False), ("12", True),
        (" runs, ", False), ("42.5%", True), (" again; 112 and 12.5 stay.", False),
    ]
    assert segments("提升 2.6 倍。", ("2.6 倍",)) == [("提升 ", False), ("2.6 倍", True), ("。", False)]
    assert segments("plain", ()) == [("plain", False)] and segments("", ()) == []


def test_names_are_whole_words_and_proper_nouns_count() -> None:
    evidence = Evidence.of("Same-domain transfer", "We report IoU and \\textbf{91.9\\%} R@1 on $27{,}300$ hours; see \\NAME.")
    assert unsupported("SAM reaches mIoU gains; IoU too.", evidence) == ("SAM", "mIoU")  # not "sam" of "same"
    assert unsupported("It reaches 91.9% R@1 over 27,300 hours with NAME.", evidence) == ()  # LaTeX read through
    assert unsupported("Tested on Synapse and then Cityscapes.", evidence) == ("Synapse", "Cityscapes")
    assert unsupported("在 Synapse 数据集上测试。", evidence) == ("Synapse",)
    assert unsupported("Transfer works. Same holds.", evidence) == ()  # capitals that start a sentence


PAIRED = Evidence.of("A model", "We use 1,000 images. Our model reaches a Dice of 0.891. It runs 3.2× faster with an AUC of 91.2%.")


@pytest.mark.parametrize(
    ("summary", "flagged"),
    [
        ("Dice of 0.891 and AUC of 91.2%.", ()),
        ("It reaches 89.1% Dice; AUC 0.912.", ()),
        ("Dice 系数为 89.1%，AUC 为 91.2%。", ()),
        ("Dice on 1,000 images.", ()),  # a preposition: 1,000 is not a Dice
        ("Dice and AUC of 0.891 and 91.2%, respectively.", ()),  # a list of metrics: not paired
        ("Dice of 91.2%.", ("Dice of 91.2%",)),  # both in the paper, not together
        ("It reaches 91.2% Dice.", ("91.2% Dice",)),
        ("AUC 为 0.891。", ("AUC 为 0.891",)),
    ],
)
def test_a_metric_and_its_value_are_stated_together(summary: str, flagged: tuple[str, ...]) -> None:
    assert unsupported(summary, PAIRED) == flagged
    assert [part for part, bad in segments(summary, flagged) if bad] == list(flagged)
