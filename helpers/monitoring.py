"""Reading Prometheus metrics back: scrape a `/metrics` page and look values up.

What Prometheus itself does at every scrape, in a few lines: prometheus_client's parser reads the
text format, and each sample becomes one entry, keyed by its name and its labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import requests
from prometheus_client.parser import text_string_to_metric_families

from helpers.net import LOOPBACK

Labels = frozenset[tuple[str, str]]
Samples = dict[tuple[str, Labels], float]


def parse(text: str) -> Samples:
    """Every sample of a page in Prometheus's text format: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(base_url: str, timeout: float = 5.0) -> Samples:
    """The samples `base_url`/metrics shows now; loopback servers only."""
    if urlsplit(base_url).hostname not in (LOOPBACK, "localhost"):
        raise ValueError(f"only loopback servers are scraped here, not {base_url!r}")
    response = requests.get(f"{base_url.rstrip('/')}/metrics", timeout=timeout)
    response.raise_for_status()
    return parse(response.text)


def total(samples: Mapping[tuple[str, Labels], float], name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 if none)."""
    wanted = set(labels.items())
    return sum(value for (found, has), value in samples.items() if found == name and wanted <= has)


def series(samples: Mapping[tuple[str, Labels], float], prefix: str) -> set[tuple[str, Labels]]:
    """The distinct series (name and labels) whose name starts with `prefix`."""
    return {key for key in samples if key[0].startswith(prefix)}
