#!/usr/bin/env bash
# Every capture in tests/corpus through every output mode (line, -vv, -V, -x, --json, --stats):
# exit status 0 or 1 only (under ASan+UBSan in the sanitizer build), and every --json line
# parses as JSON.
set -u
exec /usr/bin/python3 - "$WIREKIT" "$TOP/tests/corpus" <<'PY'
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
exe, corpus = sys.argv[1], sys.argv[2]
files = sorted(f for f in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, f))
               and not f.endswith(".tsv"))
def one(name):
    path = os.path.join(corpus, name)
    bad = []
    for mode in (["-t", "date"], ["-vv"], ["-V", "-x"], ["--json"], ["--stats"]):
        try:
            p = subprocess.run([exe, "read"] + mode + [path], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            bad.append(f"{name} {mode}: timeout")
            continue
        if p.returncode not in (0, 1):
            bad.append(f"{name} {mode}: exit {p.returncode}: {p.stderr.decode(errors='replace')[-300:]}")
            continue
        if b"runtime error" in p.stderr or b"Sanitizer" in p.stderr:
            bad.append(f"{name} {mode}: sanitizer report: {p.stderr.decode(errors='replace')[-600:]}")
            continue
        if p.returncode == 1 and b"after" not in p.stderr and b"wirekit read:" not in p.stderr:
            bad.append(f"{name} {mode}: exit 1 without a message")
        if mode == ["--json"]:
            for i, line in enumerate(p.stdout.splitlines()):
                try:
                    obj = json.loads(line.decode("utf-8"))
                    assert isinstance(obj.get("layers"), list)
                except Exception as e:
                    bad.append(f"{name}: JSON line {i + 1}: {e}")
                    break
    return bad
with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
    res = list(ex.map(one, files))
bad = [b for r in res for b in r]
for b in bad[:50]:
    print("FAIL", b)
print(f"{len(files)} captures x 4 output modes: {len(bad)} failures")
sys.exit(1 if bad else 0)
PY
