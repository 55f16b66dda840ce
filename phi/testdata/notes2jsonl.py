#!/usr/bin/env python3
"""notes2jsonl.py converts clinical_notes_*.txt to JSONL in the shared/data/phi schema.

A note starts with a line "=== ID" and runs to the next such line; PHI is marked {TYPE:text}
with the TYPE codes of posts2jsonl.py. Lines starting with "#" before the first note are comments.
Usage: python3 notes2jsonl.py clinical_notes_dev.txt > clinical_notes_dev.jsonl
"""
import json, re, sys
T = {"N": "NAME", "L": "LOCATION", "D": "DATE", "A": "AGE", "P": "PHONE", "F": "FAX", "E": "EMAIL",
     "S": "SSN", "M": "MRN", "H": "HEALTH_PLAN", "C": "ACCOUNT", "LI": "LICENSE", "V": "VEHICLE",
     "DV": "DEVICE", "U": "URL", "I": "IP", "ID": "ID"}
mark = re.compile(r"\{([A-Z]+):([^{}]+)\}")
notes, cur = [], None
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("=== "):
        cur = [line[4:].strip(), []]
        notes.append(cur)
    elif cur is not None:
        cur[1].append(line)
    elif not line.startswith("#") and line.strip():
        sys.exit("text before the first note: %r" % line)
for nid, lines in notes:
    src = "".join(lines).strip("\n")
    text, spans, pos = "", [], 0
    for m in mark.finditer(src):
        text += src[pos:m.start()]
        start = len(text)
        text += m.group(2)
        spans.append({"start": start, "end": len(text), "type": T[m.group(1)], "text": m.group(2)})
        pos = m.end()
    text += src[pos:]
    if "{" in text or "}" in text:
        sys.exit("%s: unbalanced markup" % nid)
    for s in spans:
        assert text[s["start"]:s["end"]] == s["text"]
    print(json.dumps({"corpus": "rapport-clinical-notes", "id": nid, "text": text, "spans": spans}, ensure_ascii=False))
