"""Pelican settings and the lab's digest settings.

A lab that forks the digest edits the `DIGEST` block below (and SITENAME / SITEURL), then checks
it with `digest check`. Relative paths resolve against this file's directory. Secrets never go
here: the LLM key comes from the OPENAI_API_KEY environment variable (an Actions secret).
"""

# --- The lab's digest settings (see "Settings reference" in the README) ----------------------
DIGEST = {
    "languages": ["en", "zh"],
    "papers_per_day": 30,
    # Where papers come from: one entry per source (see "Sources" in the README).
    "sources": {
        "arxiv": {"categories": ["cs.CV", "eess.IV"]},
    },
    "radar": {
        "library": "radar/library.bib",
        # A topic: its keywords, or {"keywords": [...], "name": {"zh": ...}, "description": {...}}
        # for its words in each edition (a plain keyword list is fine too).
        "topics": {
            "Segment Anything (SAM)": {
                "name": {"zh": "分割一切（SAM）"},
                "description": {"en": "Promptable segmentation foundation models and their medical variants.", "zh": "可提示的分割基础模型及其医学变体。"},
                "keywords": [
                    "Segment Anything", "SAM", "SAM2", "MedSAM", "segmentation foundation model",
                    "promptable segmentation", "interactive segmentation",
                ],
            },
            "Medical image segmentation & registration": {
                "name": {"zh": "医学图像分割与配准"},
                "description": {"en": "Delineating and aligning anatomy in 2D and 3D scans.", "zh": "二维与三维影像中解剖结构的分割与对齐。"},
                "keywords": [
                    "medical image segmentation", "image registration", "volumetric medical",
                    "3D medical", "universal medical", "medical landmark", "medical image restoration",
                    "medical point cloud", "nnU-Net", "organ segmentation",
                ],
            },
            "Medical imaging modalities": {
                "name": {"zh": "医学影像模态"},
                "description": {"en": "MRI, CT, X-ray, ultrasound, histopathology and endoscopy.", "zh": "磁共振、CT、X 射线、超声、组织病理与内镜影像。"},
                "keywords": [
                    "medical image", "medical imaging", "MRI", "CT", "chest X-ray", "chest radiograph",
                    "ultrasound", "histopathology", "endoscopic", "radiology",
                ],
            },
            "Disease detection & diagnosis": {
                "name": {"zh": "疾病检测与诊断"},
                "description": {"en": "Finding tumours, lesions and other disease in images.", "zh": "在影像中发现肿瘤、病灶等病变。"},
                "keywords": [
                    "computer-aided diagnosis", "tumor", "tumour", "cancer", "lesion", "melanoma",
                    "dermoscopic", "wound", "COVID-19 detection", "mental health",
                ],
            },
            "Label-efficient medical learning": {
                "name": {"zh": "低标注医学学习"},
                "description": {"en": "Learning from few, weak or synthetic labels.", "zh": "从少量、弱或合成标注中学习。"},
                "keywords": [
                    "few-shot medical", "one-shot medical", "few-shot segmentation",
                    "limited annotation", "label-efficient", "annotation-efficient",
                    "semi-supervised medical", "self-supervised medical", "synthetic medical",
                    "citizen science",
                ],
            },
            "Trustworthy & private medical AI": {
                "name": {"zh": "可信与隐私保护的医学 AI"},
                "description": {"en": "Explainability, privacy, uncertainty and safe deployment.", "zh": "可解释性、隐私、不确定性与安全部署。"},
                "keywords": [
                    "explainable medical", "concept bottleneck", "concept activation", "concept-based",
                    "differential privacy", "privacy-preserving", "safe AI", "uncertainty-guided",
                    "trustworthy medical", "clinical deployment",
                ],
            },
            "Medical LLMs & clinical knowledge": {
                "name": {"zh": "医学大模型与临床知识"},
                "description": {"en": "Language models for medicine, medical records and reasoning.", "zh": "面向医学、病历与医学推理的语言模型。"},
                "keywords": [
                    "medical LLM", "large language models in medicine", "medical knowledge", "UMLS",
                    "medical record", "EHR", "clinical NLP", "medical benchmark", "medical reasoning",
                    "Tsetlin Machine",
                ],
            },
        },
        "authors": ["Mohammad Yaqub", "Klaus Maier-Hein", "Fabian Isensee", "Hao Chen"],
    },
    "llm": {
        "model": "gpt-4o-mini",
    },
    "store": "store",
}

# --- Pelican -----------------------------------------------------------------------------------
SITENAME = "Paper Radar"
SITESUBTITLE = "Academic Intelligence · Curated Daily"
# The published URL, for canonical, hreflang, OpenGraph, sitemap and feed URLs; the Pages
# workflow overrides it with DIGEST_SITEURL. Links between pages are relative (generator.site's
# site_root), so output/ also works from any other address.
SITEURL = "http://localhost:8000"
AUTHOR = "Paper Radar"
TIMEZONE = "UTC"
DEFAULT_LANG = DIGEST["languages"][0]
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

PATH = "content"
OUTPUT_PATH = "output"
ARTICLE_PATHS = ["digests"]
PAGE_PATHS = ["pages"]
# Posts and pages are Markdown. Pelican's reStructuredText reader, made at every build, warns that
# docutils has no localization for "zh" (a false alarm in every Chinese build's output).
READERS = {"rst": None}
THEME = "theme"
DELETE_OUTPUT_DIRECTORY = True

# `digest build` passes the validated DIGEST settings to the plugin (generator.site).
PLUGINS = [
    "pelican.plugins.i18n_subsites", "generator.site", "generator.feeds", "generator.search",
    "generator.sitemap",
]
# Each language's edition is a subsite at /<lang>/ with its own feeds (`digest build` recomputes
# SITEURL and FEED_DOMAIN from DIGEST_SITEURL). UI strings come from theme/translations (gettext).
I18N_SUBSITES = {
    lang: {
        "SITENAME": "论文雷达",
        "SITESUBTITLE": "学术情报 · 每日精选",
        "SITEURL": f"{SITEURL}/{lang}",
        "FEED_DOMAIN": f"{SITEURL}/{lang}",
    }
    for lang in DIGEST["languages"][1:]
}
# Paper text is untrusted: every template value is HTML-escaped unless marked safe.
JINJA_ENVIRONMENT = {
    "extensions": ["jinja2.ext.i18n"],
    "autoescape": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
}
I18N_TEMPLATES_LANG = "en"

ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/"
ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/index.html"
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_SAVE_AS
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = PAGE_URL
PAGE_LANG_SAVE_AS = PAGE_SAVE_AS
# Only what the theme links to: day pages, the archive, topic pages (tags), pages, a 404.
DIRECT_TEMPLATES = ["index", "archives", "tags", "404"]
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
TAG_URL = "topics/{slug}/"
TAG_SAVE_AS = "topics/{slug}/index.html"
TAGS_URL = "topics/"
TAGS_SAVE_AS = "topics/index.html"
TOPIC_PAGE_DAYS = 30  # a topic page lists these latest days' papers; earlier days as links
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DEFAULT_PAGINATION = False

FEED_DOMAIN = SITEURL
# Each language's own digests (Pelican's FEED_ALL_* would mix in the other language's posts);
# generator.feeds keeps the entries to each day's summary and adds paper and topic feeds.
FEED_ATOM = "feeds/all.atom.xml"
FEED_RSS = "feeds/all.rss.xml"
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
RSS_FEED_SUMMARY_ONLY = True
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = 30

# Pelican keeps each post's parsed Markdown in cache/ (git-ignored) and re-reads only changed
# posts: adding a day to a year of digests rebuilds in seconds.
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
# ... and saves it again on every build: unzipped, saving and loading a year's cache takes
# ~0.1 s an edition instead of ~0.23 s (3.4 MB rather than 0.9 MB on disk).
GZIP_CACHE = False
