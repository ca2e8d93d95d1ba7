#!/usr/bin/python3
"""Compare `wirekit read -T fields` and `--stats` with tshark's outputs stored in
tests/corpus/expected (made by tshark 4.0 with IP reassembly off; see MANIFEST.tsv).

usage: fields_vs_tshark.py WIREKIT CORPUS KNOWN [--update]

Every capture tshark read cleanly is compared cell by cell (13 fields) and by category
counts; every capture tshark could not read must still give exit status 0 or 1 (never a
crash). Each remaining difference must be listed in KNOWN (file, field, cells, reason)
with the exact number of differing cells: more or fewer fails, so the list stays true.
--update rewrites the counts of KNOWN (new entries get reason "TODO": not allowed to land).
"""
import json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

FIELDS = ["frame.number", "frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ip.proto", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
          "icmp.type", "icmp.code"]
CATS = ["total", "tcp", "udp", "icmp", "icmpv6", "arp", "other"]


def run(exe, args):
    try:
        p = subprocess.run([exe] + args, capture_output=True, timeout=120)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""


def check(exe, corpus, name, rc_tshark):
    path = os.path.join(corpus, name)
    diffs = {}
    problems = []
    fargs = ["read", "-T", "fields"]
    for f in FIELDS:
        fargs += ["-e", f]
    rc, out, err = run(exe, fargs + [path])
    if rc not in (0, 1):
        problems.append(f"{name}: -T fields exit status {rc}: {err.strip()[:200]}")
    if rc_tshark != "0":
        rc2, _, err2 = run(exe, ["read", path])
        if rc2 not in (0, 1):
            problems.append(f"{name}: read exit status {rc2}: {err2.strip()[:200]}")
        return name, diffs, problems, 0
    exp_path = os.path.join(corpus, "expected", name + ".fields.tsv")
    with open(exp_path, errors="replace") as f:
        expected = [l.rstrip("\n").split("\t") for l in f if l.strip("\n")]
    got = [l.split("\t") for l in out.split("\n") if l != ""]
    cells = 0
    for i, exp in enumerate(expected):
        row = got[i] if i < len(got) else []
        for j, fld in enumerate(FIELDS):
            e = exp[j] if j < len(exp) else ""
            g = row[j] if j < len(row) else None
            cells += 1
            if g != e:
                diffs[fld] = diffs.get(fld, 0) + 1
    if len(got) > len(expected):
        diffs["rows"] = len(got) - len(expected)
    # category counts from --stats against tshark's counts
    cnt_path = os.path.join(corpus, "expected", name + ".counts.tsv")
    if os.path.exists(cnt_path):
        exp_c = {}
        with open(cnt_path) as f:
            next(f)
            for line in f:
                k, v = line.split()
                exp_c[k] = int(v)
        rc3, sout, serr = run(exe, ["read", "--stats", path])
        if rc3 not in (0, 1):
            problems.append(f"{name}: --stats exit status {rc3}: {serr.strip()[:200]}")
        got_c = {}
        for line in sout.splitlines():
            if line.startswith("packets: "):
                got_c["total"] = int(line.split()[1])
            if line.startswith("categories"):
                for part in line.split(":", 1)[1].split():
                    k, v = part.split("=")
                    got_c[k] = int(v)
        bad = sum(1 for k in CATS if got_c.get(k) != exp_c.get(k))
        if bad:
            diffs["categories"] = bad
    return name, diffs, problems, cells


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        print(__doc__)
        return 2
    exe, corpus, known_path = args[:3]
    update = "--update" in args
    status = {}
    with open(os.path.join(corpus, "expected", "STATUS.tsv")) as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if os.path.exists(os.path.join(corpus, parts[0])):
                status[parts[0]] = parts[1]
    known = {}
    if os.path.exists(known_path):
        with open(known_path) as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                fn, fld, n, reason = line.rstrip("\n").split("\t", 3)
                known[(fn, fld)] = (int(n), reason)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        results = list(ex.map(lambda n: check(exe, corpus, n, status[n]), sorted(status)))
    problems = []
    total_cells = bad_cells = 0
    actual = {}
    for name, diffs, probs, cells in results:
        problems += probs
        total_cells += cells
        for fld, n in diffs.items():
            actual[(name, fld)] = n
            if fld in FIELDS:
                bad_cells += n
    unexplained = []
    for key, n in sorted(actual.items()):
        k = known.get(key)
        if k is None:
            unexplained.append(f"{key[0]}: {key[1]}: {n} differ (not in {os.path.basename(known_path)})")
        elif k[0] != n:
            unexplained.append(f"{key[0]}: {key[1]}: {n} differ, listed as {k[0]}")
        elif k[1].startswith("TODO"):
            unexplained.append(f"{key[0]}: {key[1]}: listed without a reason")
    for key, (n, _) in sorted(known.items()):
        if key not in actual:
            unexplained.append(f"{key[0]}: {key[1]}: listed ({n}) but agrees now: remove the entry")
    if update:
        with open(known_path, "w") as f:
            f.write("# file\tfield\tcells differing\treason (tshark 4.0.17 as in expected/)\n")
            for key, n in sorted(actual.items()):
                reason = known.get(key, (0, "TODO"))[1]
                f.write(f"{key[0]}\t{key[1]}\t{n}\t{reason}\n")
    pct = 100.0 * (total_cells - bad_cells) / total_cells if total_cells else 0.0
    for p in problems[:40]:
        print("ABNORMAL", p)
    for u in unexplained[:60]:
        print("UNEXPLAINED", u)
    if len(unexplained) > 60:
        print(f"... {len(unexplained) - 60} more")
    print(f"fields agree with tshark: {pct:.2f}% of {total_cells} cells over {len(status)} files; "
          f"{len(actual)} known differences; {len(problems)} abnormal exits; "
          f"{len(unexplained)} unexplained")
    return 0 if not problems and not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
