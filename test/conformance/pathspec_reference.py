"""Reference for the conformance tests: what Azure ML's SDK decides.

Usage: /usr/bin/python3 pathspec_reference.py CASES.json [--azure-ai-ml SITE]
       /usr/bin/python3 pathspec_reference.py --version

With --azure-ai-ml, SITE holds azure-ai-ml's package (from python3-azure)
and the answers are v2's: its own vendored pathspec, its line handling and
its last-match loop (sdk_reference.v2_patterns, v2_decide).

CASES.json is {"cases": [{"text": "<ignore file>", "paths": ["a/b.txt", ...]}]}.
Prints JSON: one entry per case, {"error": null | "<message>",
"results": [[excluded, line], ...]} where `line` is the 1-based line of the
last pattern that matched (0 when none did).

It does what azureml-core's IgnoreFile does: write the ignore file, read it
as sdk_reference.v1_spec does (the folder model's own reading), then
spec.match_file(path) for each file path relative to the root.
"""

import json
import os
import sys
import tempfile
import warnings

import pathspec

from sdk_reference import load_vendored, v1_spec, v2_decide, v2_patterns


def run_case_v2(path, paths, vendored):
    try:
        patterns = v2_patterns(path, vendored)
    except Exception as e:  # the SDK fails the same way
        return {"error": f"{type(e).__name__}: {e}", "results": []}
    results = []
    for file in paths:
        excluded, at = v2_decide(patterns, vendored, file)
        # Every line read is non-empty (it keeps its break), so index = line.
        results.append([bool(excluded), at + 1])
    return {"error": None, "results": results}


def run_case(case, folder, vendored=None):
    path = os.path.join(folder, ".amlignore")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(case["text"])
    if vendored is not None:
        return run_case_v2(path, case["paths"], vendored)
    try:
        spec = v1_spec(path)
    except Exception as e:  # the SDK fails the same way
        return {"error": f"{type(e).__name__}: {e}", "results": []}
    results = []
    patterns = list(spec.patterns)
    for file in case["paths"]:
        excluded = spec.match_file(file)
        # from_lines keeps every line of a file (none is empty), so the
        # pattern index is the line index.
        line = 0
        norm = pathspec.util.normalize_file(file)
        for i, p in enumerate(patterns):
            if p.include is not None and p.match_file(norm) is not None:
                line = i + 1
        results.append([bool(excluded), line])
    return {"error": None, "results": results}


def main():
    if sys.argv[1] == "--version":
        print(pathspec.__version__)
        return
    warnings.simplefilter("ignore")
    with open(sys.argv[1], encoding="utf-8") as fh:
        cases = json.load(fh)["cases"]
    vendored = None
    if len(sys.argv) > 3 and sys.argv[2] == "--azure-ai-ml":
        vendored = load_vendored(sys.argv[3])
    with tempfile.TemporaryDirectory() as folder:
        out = [run_case(c, folder, vendored) for c in cases]
    json.dump({"pathspec": pathspec.__version__, "cases": out}, sys.stdout)


if __name__ == "__main__":
    main()
