"""Figures for the pre-upload validators (plugins/module_utils/amp_rules.py, amp_alertmanager_config.py).

- Speed: the own checks (YAML load + every rule: structure, PromQL, names, templates) on Prometheus'
  own 10,002-rule test file, and prepare_rules end to end (own checks, then promtool once per
  document when it is installed) on the same rules cut to fit AMP's 1 MiB quota.
- Agreement with the reference verdicts of the conformance corpus (../shared/corpus, or
  AMP_ALERTING_CORPUS), with promtool/amtool on PATH and with them hidden.

Target (issue 12): >= 50,000 rules/s for the own checks end to end.
Run: .venv/bin/python benchmarks/validation.py   (or: make bench)
"""

import collections
import json
import os
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, ".venv", "collections"))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

from ansible_collections.amp.alerting.plugins.module_utils import amp_base  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.amp.alerting.plugins.module_utils import amp_rules  # noqa: E402  pylint: disable=wrong-import-position

CORPUS = os.environ.get("AMP_ALERTING_CORPUS") or os.path.join(os.path.dirname(REPO_ROOT), "shared", "corpus")
LARGE = os.path.join(CORPUS, "prometheus", "cmd__promtool__testdata__rules_large.yml")


def best_of(runs, function):
    timings = []
    for _attempt in range(runs):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def own_checks(text):
    document = amp_rules.load_rule_file(text)[0]
    amp_rules.check_rule_document(document)
    return document


def without_binaries(function):
    real = amp_base.shutil.which
    amp_base.shutil.which = lambda _name: None
    try:
        return function()
    finally:
        amp_base.shutil.which = real


def speed():
    with open(LARGE, encoding="utf-8") as handle:
        text = handle.read()
    seconds, document = best_of(3, lambda: own_checks(text))
    rules = sum(len(group["rules"]) for group in document["groups"])
    load = best_of(3, lambda: amp_rules.load_rule_file(text))[0]
    print(f"own checks, {rules:,} rules ({len(text.encode()):,} bytes): {seconds:.3f} s = {rules / seconds:,.0f} rules/s "
          f"(YAML load {load:.3f} s; target >= 50,000 rules/s)")
    # The same rules, cut to fit the 1 MiB quota, through what the module runs before an upload.
    cut = text[:text.rfind("\n      - record:", 0, amp_base.QUOTA_RULE_NAMESPACE_BYTES - 1024)] + "\n"
    kept = cut.count("- record:")
    seconds = best_of(3, lambda: without_binaries(lambda: amp_rules.prepare_rules(data=cut)))[0]
    print(f"prepare_rules, own checks only, {kept:,} rules: {seconds:.3f} s = {kept / seconds:,.0f} rules/s")
    if amp_base.shutil.which("promtool"):
        seconds = best_of(3, lambda: amp_rules.prepare_rules(data=cut))[0]
        print(f"prepare_rules with promtool (one run per document), {kept:,} rules: {seconds:.3f} s = "
              f"{kept / seconds:,.0f} rules/s")


def agreement():
    from unit.conformance.test_corpus import DOCUMENT_KINDS, verdict  # pylint: disable=import-outside-toplevel

    with open(os.path.join(CORPUS, "manifest.json"), encoding="utf-8") as handle:
        cases = [case for case in json.load(handle)["cases"] if case["kind"] in DOCUMENT_KINDS]
    for mode in ("binaries on PATH", "own checks only"):
        agree, total = collections.Counter(), collections.Counter()
        for case in cases:
            group = "rule files" if case["kind"] == "rules" else "alertmanager configs"
            valid = (verdict(case) if mode == "binaries on PATH" else without_binaries(lambda: verdict(case)))[0]
            total[group] += 1
            agree[group] += valid == case["reference"]["valid"]
        print(f"agreement with the reference, {mode}: "
              + ", ".join(f"{group} {agree[group]}/{total[group]}" for group in sorted(total)))


def main():
    if not os.path.exists(LARGE):
        sys.exit(f"the conformance corpus is not at {CORPUS} (set AMP_ALERTING_CORPUS)")
    speed()
    agreement()


if __name__ == "__main__":
    main()
