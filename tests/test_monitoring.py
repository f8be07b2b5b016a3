"""helpers.monitoring: the text format read back, histogram quantiles as PromQL computes them,
and the synthetic probe against a live shortener and a dead address."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import monitoring, net
from helpers.shortener import create_app

PAGE = """\
# TYPE demo_requests_total counter
demo_requests_total{route="/a",status_class="2xx"} 7.0
demo_requests_total{route="/a",status_class="5xx"} 1.0
demo_requests_total{route="/b",status_class="2xx"} 2.0
# TYPE demo_seconds histogram
demo_seconds_bucket{le="0.1"} 50.0
demo_seconds_bucket{le="0.2"} 90.0
demo_seconds_bucket{le="+Inf"} 100.0
demo_seconds_count 100.0
demo_seconds_sum 9.0
# TYPE demo_by_class_seconds histogram
demo_by_class_seconds_bucket{le="0.1",status_class="3xx"} 40.0
demo_by_class_seconds_bucket{le="+Inf",status_class="3xx"} 60.0
demo_by_class_seconds_bucket{le="0.1",status_class="5xx"} 9.0
demo_by_class_seconds_bucket{le="+Inf",status_class="5xx"} 10.0
"""


def test_samples_are_found_by_name_and_labels() -> None:
    samples = monitoring.parse(PAGE)
    assert monitoring.total(samples, "demo_requests_total") == 10
    assert monitoring.total(samples, "demo_requests_total", route="/a") == 8
    assert monitoring.total(samples, "demo_requests_total", status_class="5xx") == 1
    assert monitoring.total(samples, "nothing_total") == 0
    assert len(monitoring.series(samples, "demo_requests")) == 3


def test_histogram_quantiles_interpolate_inside_a_bucket() -> None:
    buckets = monitoring.buckets_of(monitoring.parse(PAGE), "demo_seconds")
    assert buckets == {0.1: 50, 0.2: 90, math.inf: 100}
    assert math.isclose(monitoring.histogram_quantile(0.5, buckets), 0.1)
    assert math.isclose(monitoring.histogram_quantile(0.7, buckets), 0.15)
    assert monitoring.histogram_quantile(0.99, buckets) == 0.2  # in +Inf: the last bound
    assert math.isnan(monitoring.histogram_quantile(0.5, {0.1: 0, math.inf: 0}))


def test_buckets_add_up_across_series_and_leave_out_the_excluded() -> None:
    samples = monitoring.parse(PAGE)
    assert monitoring.buckets_of(samples, "demo_by_class_seconds") == {0.1: 49, math.inf: 70}
    successful = monitoring.buckets_of(
        samples, "demo_by_class_seconds", excluding={"status_class": "5xx"}
    )
    assert successful == {0.1: 40, math.inf: 60}
    errors = monitoring.buckets_of(samples, "demo_by_class_seconds", status_class="5xx")
    assert errors == {0.1: 9, math.inf: 10}


def test_values_are_bucketed_as_prometheus_counts_them() -> None:
    buckets = monitoring.bucketed([0.05, 0.1, 0.15, 0.3], [0.2, 0.1])
    assert buckets == {0.1: 2, 0.2: 3, math.inf: 4}  # a value on a bound is in its bucket (le)
    assert monitoring.bucketed([], [0.1]) == {0.1: 0, math.inf: 0}
    estimate = monitoring.histogram_quantile(0.5, monitoring.bucketed(range(1, 101), [50, 100]))
    assert math.isclose(estimate, 50)


def test_only_loopback_is_scraped() -> None:
    with pytest.raises(ValueError, match="loopback"):
        monitoring.scrape("http://example.com")


@pytest.fixture
def shortener(tmp_path: Path) -> Iterator[net.BackgroundServer]:
    app = create_app({"DATABASE": str(tmp_path / "probe.sqlite3"), "RATE_LIMIT_ENABLED": False})
    with net.serve_wsgi(app) as server:
        yield server


def test_the_probe_makes_a_round_trip(shortener: net.BackgroundServer) -> None:
    result = monitoring.probe(shortener.url)
    assert result.ok and result.problem == "" and result.seconds > 0
    scraped = monitoring.scrape(shortener.url)
    assert monitoring.total(scraped, "shortener_links_created_total") >= 1


def test_the_probe_reports_a_dead_service() -> None:
    result = monitoring.probe(f"http://127.0.0.1:{net.free_port()}", timeout=1)
    assert not result.ok and result.problem == "ConnectionError"


def test_the_golden_signals_make_four_panels_with_a_gap_where_there_were_no_requests() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    found = {
        "time": [0.25, 0.5, 0.75],
        "requests": [100.0, 50.0, 0.0],
        "traffic": [400.0, 200.0, 0.0],
        "errors": [0.0, 0.02, math.nan],
        "mean": [0.2, 0.3, math.nan],
        "p50": [0.5, 0.5, math.nan],
        "p99": [1.0, 60.0, math.nan],
        "in flight": [0.1, 0.2, 0.0],
        "at scrape": [0.0, 1.0, 0.0],
        "cpu": [0.5, 0.9, 0.1],
    }
    fig = monitoring.plot_golden_signals(found, "demo", buckets=(0.001, 0.0025, 0.005))
    try:
        titles = [ax.get_title() for ax in fig.axes]
        assert titles == [
            "traffic (redirects/s)",
            "errors (share of 5xx; grey: no requests)",
            "latency, successful redirects (ms; grey: buckets)",
            "saturation",
        ]
        errors, latency = fig.axes[1], fig.axes[2]
        assert len(errors.patches) == 1  # the one window without requests is shaded
        grey = [line for line in latency.get_lines() if line.get_color() == "grey"]
        assert [line.get_ydata()[0] for line in grey] == pytest.approx([1, 2.5, 5])
        assert fig.texts[0].get_text() == "demo"
    finally:
        plt.close(fig)
