"""deploy/prometheus/shortener-alerts.yml: a valid Prometheus rule file whose burn-rate alerts
use real metric names, real durations and the right arithmetic (read here, no promtool needed),
and whose alerts fire when they should: promtool's own check and its unit tests of every alert
(tests/prometheus/shortener-alerts.test.yml), skipped, saying what to install, without promtool."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

from helpers import programs
from helpers.shortener import metrics

RULES = Path(__file__).parent.parent / "deploy" / "prometheus" / "shortener-alerts.yml"
UNIT_TESTS = Path(__file__).parent / "prometheus" / "shortener-alerts.test.yml"
DURATION = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")
WINDOW = re.compile(r"\[([^\]]+)\]")
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*[{\[(]|\s*$|\s*[>=])")
THRESHOLD = re.compile(r"(shortener:[a-z_:]+ratio_rate(\w+))\s*>\s*([0-9.e-]+)")
FUNCTIONS = {"sum", "rate", "and", "absent"}
PROMETHEUS_OWN = {"up"}  # series Prometheus itself records for each scrape target
SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(duration: str) -> float:
    """A Prometheus duration such as '1h30m' in seconds; ValueError if it is not one."""
    if not DURATION.fullmatch(duration):
        raise ValueError(f"not a Prometheus duration: {duration!r}")
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", duration)
    return sum(int(number) * SECONDS[unit] for number, unit in parts)


def exposed_names() -> set[str]:
    """Every sample name the shortener's metrics can show, suffixes included."""
    names = {metrics.DATABASE_SIZE}
    for family in REGISTRY.collect():
        if family.name.startswith("shortener_"):
            suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
            names |= {family.name + suffix for suffix in suffixes.get(family.type, [""])}
    return names


@pytest.fixture(scope="module")
def groups() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    return list(document["groups"])


def rules(groups: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [rule for group in groups for rule in group["rules"] if kind in rule]


def burn_rate_alerts(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [alert for alert in rules(groups, "alert") if "burn_rate" in alert["labels"]]


def test_the_groups_have_names_and_rules_only(groups: list[dict[str, Any]]) -> None:
    assert len({group["name"] for group in groups}) == len(groups)
    for group in groups:
        assert set(group) == {"name", "rules"} and group["rules"]
        for rule in group["rules"]:
            assert ("record" in rule) != ("alert" in rule), rule
            allowed = {"record", "expr"} if "record" in rule else {"alert", "expr", "for"}
            assert set(rule) <= allowed | {"labels", "annotations"}, rule


def test_every_name_in_an_expression_exists(groups: list[dict[str, Any]]) -> None:
    recorded = {rule["record"] for rule in rules(groups, "record")}
    known = exposed_names() | recorded | FUNCTIONS | PROMETHEUS_OWN
    for rule in rules(groups, "expr"):
        without_labels = re.sub(r"\{[^}]*\}", "", rule["expr"])
        named = set(NAME.findall(without_labels))
        assert named, rule
        assert named <= known, f"unknown in {rule.get('record') or rule['alert']}: {named - known}"


def test_every_duration_parses(groups: list[dict[str, Any]]) -> None:
    for rule in rules(groups, "expr"):
        for window in WINDOW.findall(rule["expr"]):
            assert seconds(window) > 0
    for rule in rules(groups, "alert"):
        assert seconds(rule["for"]) > 0
    for rule in burn_rate_alerts(groups):
        assert seconds(rule["labels"]["short_window"]) * 12 == seconds(
            rule["labels"]["long_window"]
        )


def test_the_latency_objective_is_a_bucket_boundary(groups: list[dict[str, Any]]) -> None:
    for rule in rules(groups, "record"):
        for boundary in re.findall(r'le="([0-9.]+)"', rule["expr"]):
            assert float(boundary) in metrics.LATENCY_BUCKETS


def test_the_latency_ratios_count_successful_redirects_only(groups: list[dict[str, Any]]) -> None:
    timed = re.compile(r"shortener_redirect_duration_seconds_\w+(\{[^}]*\})?")
    selectors = [found for rule in rules(groups, "record") for found in timed.findall(rule["expr"])]
    assert len(selectors) == 10  # a bucket and a count in each of the five windows
    assert all('status_class!="5xx"' in selector for selector in selectors)


def test_thresholds_are_burn_rate_times_the_error_budget(groups: list[dict[str, Any]]) -> None:
    alerts = burn_rate_alerts(groups)
    assert {float(alert["labels"]["burn_rate"]) for alert in alerts} == {14.4, 6.0, 1.0}
    for alert in alerts:
        labels = alert["labels"]
        budget = 1 - float(labels["objective"])
        expected = float(labels["burn_rate"]) * budget
        found = THRESHOLD.findall(alert["expr"])
        windows = {window for _record, window, _threshold in found}
        assert windows == {labels["long_window"], labels["short_window"]}, alert["alert"]
        for _record, _window, threshold in found:
            assert math.isclose(float(threshold), expected, rel_tol=1e-9), alert["alert"]


def test_every_alert_says_how_bad_and_what_it_means(groups: list[dict[str, Any]]) -> None:
    alerts = rules(groups, "alert")
    assert len({alert["alert"] for alert in alerts}) == len(alerts) == 8
    for alert in alerts:
        assert alert["labels"]["severity"] in {"page", "ticket"}
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
    for alert in burn_rate_alerts(groups):
        assert alert["labels"]["slo"] in {"redirect-availability", "redirect-latency"}
    assert len(burn_rate_alerts(groups)) == 6
    fastest = [alert for alert in alerts if alert["labels"].get("burn_rate") == "14.4"]
    assert {alert["labels"]["severity"] for alert in fastest} == {"page"}


def test_a_wrong_duration_is_refused() -> None:
    for wrong in ("5 minutes", "1.5h", "", "m5"):
        with pytest.raises(ValueError):
            seconds(wrong)


def test_no_target_at_all_or_one_down_pages(groups: list[dict[str, Any]]) -> None:
    """Were every instance gone, the ratios would be empty and no burn-rate alert could fire."""
    targets = {
        alert["expr"].strip()
        for alert in rules(groups, "alert")
        if "burn_rate" not in alert["labels"]
    }
    assert targets == {'up{job="shortener"} == 0', 'absent(up{job="shortener"})'}


def promtool(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run promtool, or skip the test saying how to install it."""
    if reasons := programs.missing(["prometheus"]):
        pytest.skip(reasons[0])
    return subprocess.run(
        ["promtool", *arguments], capture_output=True, text=True, timeout=60, check=False
    )


def test_promtool_accepts_the_rule_file() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 18 rules found" in checked.stdout


def test_each_alert_fires_and_resets_when_promtool_says_it_should() -> None:
    """Fast, slow and steady burns, slow redirects, an instance down, no target at all."""
    tested = promtool("test", "rules", str(UNIT_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_promtool_unit_tests_can_fail(tmp_path: Path) -> None:
    """The same tests against rules whose fast page waits 20 minutes instead of 2 must fail."""
    slow_to_page = tmp_path / "shortener-alerts.yml"
    slow_to_page.write_text(RULES.read_text(encoding="utf-8").replace("for: 2m", "for: 20m"))
    unit_tests = tmp_path / "shortener-alerts.test.yml"
    unit_tests.write_text(
        UNIT_TESTS.read_text(encoding="utf-8").replace(
            "../../deploy/prometheus/shortener-alerts.yml", str(slow_to_page)
        )
    )
    tested = promtool("test", "rules", str(unit_tests))
    assert tested.returncode != 0 and "FAILED" in tested.stderr, tested.stdout + tested.stderr
