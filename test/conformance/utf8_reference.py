"""How each SDK decodes an ignore file's bytes, by Python's own codecs.

Input (JSON file): {"cases": ["<hex bytes>", ...]}. Output, per case: the
text azureml-core reads (open() in text mode, utf-8: a byte-order mark is
kept), the text azure-ai-ml reads (utf-8-sig: the mark is dropped), or the
offset of the first invalid byte and its 1-based line (universal newlines:
\\n, \\r\\n and a lone \\r end a line), as UnicodeDecodeError reports it.
"""
import json
import re
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)["cases"]
out = []
for h in cases:
    b = bytes.fromhex(h)
    try:
        out.append({"v1": b.decode("utf-8"), "v2": b.decode("utf-8-sig"), "error": None})
    except UnicodeDecodeError as e:
        head = b[: e.start].decode("utf-8")
        line = len(re.split(r"\r\n|\r|\n", head))
        out.append({"v1": None, "v2": None, "error": {"offset": e.start, "line": line}})
json.dump(out, sys.stdout)
