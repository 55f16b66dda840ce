#!/usr/bin/env python3
"""posts2jsonl.py converts posts.txt ({TYPE:text} markup) to posts.jsonl (shared/data/phi schema).

posts_fresh.jsonl: python3 posts2jsonl.py posts_fresh.txt | sed 's/"rapport-posts"/"rapport-posts-fresh"/; s/"post-/"fresh-/'
"""
import json, re, sys
T = {"N": "NAME", "L": "LOCATION", "D": "DATE", "A": "AGE", "P": "PHONE", "F": "FAX", "E": "EMAIL",
     "S": "SSN", "M": "MRN", "H": "HEALTH_PLAN", "C": "ACCOUNT", "LI": "LICENSE", "V": "VEHICLE",
     "DV": "DEVICE", "U": "URL", "I": "IP", "ID": "ID"}
mark = re.compile(r"\{([A-Z]+):([^{}]+)\}")
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    n += 1
    text, spans, pos = "", [], 0
    for m in mark.finditer(line):
        text += line[pos:m.start()]
        start = len(text)
        text += m.group(2)
        spans.append({"start": start, "end": len(text), "type": T[m.group(1)], "text": m.group(2)})
        pos = m.end()
    text += line[pos:]
    text = text.replace("\\n", "\n")
    print(json.dumps({"corpus": "rapport-posts", "id": "post-%04d" % n, "text": text, "spans": spans}, ensure_ascii=False))
