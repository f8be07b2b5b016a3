"""Reading Prometheus metrics back, and probing a shortener from the outside.

What Prometheus itself does at every scrape, in a few lines: prometheus_client's parser reads the
text format, and each sample becomes one entry, keyed by its name and its labels. Then the
quantiles of a histogram, as PromQL's `histogram_quantile` computes them, from the buckets of the
series its labels choose or from raw values put into buckets; and a synthetic probe: a
customer's round trip (create, then follow) timed from outside the service; and the four golden
signals on one figure.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from prometheus_client.parser import text_string_to_metric_families

from helpers.net import LOOPBACK

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float:
    """The q-quantile (0 < q < 1) of a histogram's cumulative buckets (upper bound -> count),
    interpolated linearly inside a bucket, as Prometheus's `histogram_quantile` does."""
    bounds = sorted(buckets)
    total_count = buckets[bounds[-1]]
    if total_count == 0:
        return math.nan
    rank = q * total_count
    lower, below = 0.0, 0.0
    for bound in bounds:
        if buckets[bound] >= rank:
            if math.isinf(bound):
                return lower  # beyond the last finite bucket: its bound is all we know
            share = (rank - below) / (buckets[bound] - below)
            return lower + (bound - lower) * share
        lower, below = bound, buckets[bound]
    return lower


def buckets_of(
    samples: Mapping[tuple[str, Labels], float],
    histogram: str,
    *,
    excluding: Mapping[str, str] | None = None,
    **labels: str,
) -> dict[float, float]:
    """The cumulative buckets (upper bound -> count) of a histogram's series whose labels include
    `labels`, added up bound by bound; a series with any label value of `excluding` is left out,
    as PromQL's `{status_class!="5xx"}` leaves it out."""
    name = f"{histogram}_bucket"
    wanted, unwanted = set(labels.items()), set((excluding or {}).items())
    buckets: dict[float, float] = {}
    for (found, has), value in samples.items():
        if found == name and wanted <= has and not unwanted & has:
            bound = float(dict(has)["le"])
            buckets[bound] = buckets.get(bound, 0.0) + value
    return buckets


def bucketed(values: Iterable[float], bounds: Iterable[float]) -> dict[float, float]:
    """The cumulative buckets a histogram with upper `bounds` (and +Inf) makes of `values`:
    bound -> how many values are at most that bound, as prometheus_client counts them."""
    ordered = sorted(values)
    return {
        bound: float(bisect.bisect_right(ordered, bound)) for bound in [*sorted(bounds), math.inf]
    }


@dataclass(frozen=True)
class ProbeResult:
    """One synthetic round trip: did it work, how long it took, and what failed."""

    ok: bool
    seconds: float
    problem: str = ""


def probe(base_url: str, timeout: float = 2.0) -> ProbeResult:
    """Do what a customer does: create a link, follow it, check it leads to the right place."""
    target = f"https://probe.example/{time.time_ns()}"
    started = time.perf_counter()
    try:
        with requests.Session() as session:
            created = session.post(f"{base_url}/api/links", json={"url": target}, timeout=timeout)
            if created.status_code != 201:
                return ProbeResult(
                    False, time.perf_counter() - started, f"create: {created.status_code}"
                )
            code = created.json()["code"]
            followed = session.get(f"{base_url}/{code}", allow_redirects=False, timeout=timeout)
            if followed.headers.get("Location") != target:
                return ProbeResult(
                    False, time.perf_counter() - started, f"redirect: {followed.status_code}"
                )
    except requests.RequestException as error:
        return ProbeResult(False, time.perf_counter() - started, type(error).__name__)
    return ProbeResult(True, time.perf_counter() - started)


def plot_golden_signals(
    found: Mapping[str, Sequence[float]],
    title: str,
    *,
    buckets: Sequence[float],
    objective_ms: float = 50.0,
) -> Figure:
    """The four golden signals of `found` (lists by signal name, one value per window between two
    scrapes, as notebook 13's `signals` makes them) against time, on a 2 x 2 grid. A NaN (a window
    without requests) is a gap, and the windows without requests are shaded on the error panel.
    The latency panel has the first bucket bounds (s) in grey and the objective in red."""
    import matplotlib.pyplot as plt  # here, so that importing this module needs no matplotlib

    fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True)
    (traffic, errors), (latency, saturation) = axes
    t = list(found["time"])
    traffic.plot(t, found["traffic"], marker=".")
    traffic.set(title="traffic (redirects/s)", ylim=(0, None))
    errors.plot(t, found["errors"], marker=".", color="tab:red")
    for start, end, n in zip([0.0, *t], t, found["requests"], strict=False):
        if n == 0:  # no requests, no error ratio: shaded, and the line has a gap
            errors.axvspan(start, end, color="lightgrey")
    top = max([0.05, *(e for e in found["errors"] if not math.isnan(e))]) * 1.1
    errors.set(title="errors (share of 5xx; grey: no requests)", ylim=(-top / 20, top))
    for key in ("mean", "p50", "p99"):
        latency.plot(t, found[key], marker=".", label=key)
    for bound in buckets[:5]:
        latency.axhline(bound * 1000, color="grey", linewidth=0.6)
    latency.axhline(
        objective_ms, color="red", linestyle="--", label=f"objective: {objective_ms:g} ms"
    )
    latency.set(title="latency, successful redirects (ms; grey: buckets)", yscale="log")
    ticks = [0.1, 1, 2.5, 5, 10, 25, 50]
    latency.set_yticks(ticks, labels=[f"{tick:g}" for tick in ticks])
    latency.minorticks_off()
    saturation.plot(t, found["cpu"], marker=".", label="process CPU (cores)")
    saturation.plot(t, found["in flight"], marker=".", label="redirects in flight, mean")
    saturation.plot(t, found["at scrape"], "x", label="in flight at the scrape, itself left out")
    saturation.set(title="saturation", ylim=(-0.05, None))
    for ax in (latency, saturation):
        ax.legend(fontsize=8, loc="best")
        ax.set_xlabel("seconds since the first scrape")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
