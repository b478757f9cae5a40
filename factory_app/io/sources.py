"""Where the numbers come from, as exports cite them: the catalogue's figures with their grade
(primary, secondary or estimate) and the finance defaults with the reference figures behind them.

Slides and workbooks cite vendors' documents, filings and MLCommons by name; a figure whose
sources are only secondary (press, aggregators, blogs) is marked "secondary" and its sources are
not named, and an estimate says so. A catalogue figure that carries its own ``grade`` (issue 13)
is taken at its word.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from factory_app.resources import resource_path
from factory_app.scenario.fields import SITE_FIELDS, WORKLOAD_FIELDS, FLEET_FIELDS
from factory_app.scenario.model import Scenario
from factory_app.serving.catalog import Catalog, Figure

#: Domains of primary sources: vendors, benchmark bodies, regulators and statistics offices
PRIMARY_DOMAINS = ("nvidia.com", "amd.com", "google.com", "cloud.google.com", "mlcommons.org", "intel.com", "sec.gov",
                   "eia.gov", "europa.eu", "github.com/nvidia", "github.com/mlcommons", "github.com/rocm", "deepseek.com",
                   "github.com/deepseek-ai", "cushmanwakefield.com", "uptimeinstitute.com")
_URL = re.compile(r"https?://(?:www\.)?([^\s;,)]+)")
#: The catalogue figures a deck cites for each platform (the ones the economics rest on)
CITED_FIGURES = {"price_usd": "price", "all_in_w": "all-in power", "hbm_bandwidth_tbps": "HBM bandwidth", "hbm_gb": "HBM capacity"}


def _domain_path(url_text: str) -> str:
    return url_text.lower().rstrip("/.")


def is_primary_source(text: str) -> bool:
    """A named document with no web address (e.g. "NVIDIA DGX A100 datasheet"), or a page of a
    vendor, MLCommons, a regulator or a statistics office."""
    urls = _URL.findall(text)
    if not urls:
        return bool(text.strip())
    return all(any(_domain_path(u).split("/")[0].endswith(d) or _domain_path(u).startswith(d) for d in PRIMARY_DOMAINS) for u in urls)


def source_name(text: str) -> str:
    """A source as a slide names it: the document's name, or the web site's domain and what the
    text says of it."""
    urls = list(_URL.finditer(text))
    if not urls:
        return text.strip()
    before = text[: urls[0].start()].strip(" ,;:(").removesuffix(" via").strip()
    after = re.sub(r"^[\s(]+|[\s)]+$", "", text[urls[-1].end():])
    domain = urls[0].group(1).split("/")[0]
    return before or (f"{domain} ({after})" if after else domain)


def figure_grade(fig: Figure) -> str:
    """``primary``, ``secondary`` or ``estimate``."""
    grade = getattr(fig, "grade", None)
    if grade:
        return "estimate" if "estimate" in grade else "primary" if "primary" in grade else "secondary"
    if fig.is_estimate:
        return "estimate"
    return "primary" if all(is_primary_source(s) for s in fig.sources) else "secondary"


def figure_citation(fig: Figure) -> str:
    """One line: the primary sources by name, or the grade of a figure that has none."""
    grade = figure_grade(fig)
    primary = [source_name(s) for s in fig.sources if is_primary_source(s)]
    if grade == "primary":
        return "; ".join(dict.fromkeys(primary))
    named = f" (from {'; '.join(dict.fromkeys(primary))})" if primary else ""
    if grade == "estimate":
        how = getattr(fig, "estimate", None) or "no published figure"
        return f"estimate: {how}{named}"
    # a blog or press report is never cited on a slide (primary sources only); say where it is named
    return f"secondary source{named}: a press or analyst report, named in the app's catalogue (resources/catalog/platforms.json)"


@dataclass(frozen=True, slots=True)
class Citation:
    subject: str  # e.g. "H200 price"
    grade: str
    text: str


def catalogue_citations(scenarios: list[Scenario], catalog: Catalog) -> list[Citation]:
    """The figures of every platform these scenarios use (refresh successors too)."""
    out: list[Citation] = []
    seen: set[str] = set()
    for s in scenarios:
        for f in s.fleets:
            for pid in (f.platform, f.refresh_platform):
                p = catalog.platforms.get(pid) if pid else None
                if p is None or p.id in seen:
                    continue
                seen.add(p.id)
                figures = p.figures()
                for key, what in CITED_FIGURES.items():
                    if key in figures:
                        out.append(Citation(f"{p.name}: {what}", figure_grade(figures[key]), figure_citation(figures[key])))
    return out


@lru_cache(maxsize=1)
def _finance_figures() -> tuple[dict, ...]:
    with open(resource_path("reference", "finance.json"), encoding="utf-8") as fh:
        return tuple(json.load(fh).get("figures", ()))


_TOPICS = re.compile(r"topics? ([a-z_]+)(?: and ([a-z_]+))?")


def field_topics(source: str) -> list[str]:
    """The finance.json topics a field's source names ("..., topic cost_of_capital)")."""
    m = _TOPICS.search(source)
    return [t for t in (m.groups() if m else ()) if t]


def finance_citations(limit_per_topic: int = 2) -> list[Citation]:
    """The finance defaults (WACC, electricity, facility capex, ...) with the primary figures of
    resources/reference/finance.json behind each, and how many secondary ones add to them (weak
    ones, such as blogs and aggregators, are left out)."""
    out: list[Citation] = []
    fields = [*SITE_FIELDS.values(), *FLEET_FIELDS.values(), *WORKLOAD_FIELDS.values()]
    for spec in fields:
        if not spec.source:
            continue
        if spec.source.startswith("ESTIMATE") or not field_topics(spec.source):
            grade = "estimate" if "ESTIMATE" in spec.source else "assumption"
            out.append(Citation(spec.label, grade, spec.source))
            continue
        figures = [f for f in _finance_figures() if f.get("topic") in field_topics(spec.source)]
        primary = [f for f in figures if str(f.get("grade", "")).startswith("primary")]
        secondary = [f for f in figures if str(f.get("grade", "")).startswith("reputable secondary")]
        parts = [f"{f.get('what', '')} ({f.get('date', '')}; {source_name(str(f.get('source', '')))})" for f in primary[:limit_per_topic]]
        if secondary:  # named by what they state, not by where (press, analysts, some blogs)
            more = f" and {len(secondary) - limit_per_topic} more" if len(secondary) > limit_per_topic else ""
            parts.append("secondary: " + "; ".join(f"{f.get('what', '')} ({f.get('date', '')})" for f in secondary[:limit_per_topic]) + more)
        grade = "primary" if primary else "secondary" if secondary else "weak"
        topics = " and ".join(field_topics(spec.source))
        out.append(Citation(spec.label, grade, "; ".join(parts) or f"weak sources only (resources/reference/finance.json, topic {topics})"))
    return out


__all__ = [
    "CITED_FIGURES", "Citation", "PRIMARY_DOMAINS", "catalogue_citations", "field_topics", "figure_citation", "figure_grade",
    "finance_citations", "is_primary_source", "source_name",
]
