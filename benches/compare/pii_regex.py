#!/usr/bin/env python3
"""PII scan: datassay against a Python regex scan of the same patterns, one core each.

Both sides scan the `text` column of the same Parquet corpus, written by
`datassay generate --pii` (texts with planted e-mail addresses, phone numbers,
payment card numbers, IBANs, IP addresses and secrets among look-alikes that
must not match), and count, per kind, the findings and the values with one.

    python3 benches/compare/pii_regex.py                        # 1,000,000 rows
    python3 benches/compare/pii_regex.py --rows 100000 --json pii.json
    python3 benches/compare/pii_regex.py --input my.parquet --python-rows 200000

What each side runs:

- datassay: `datassay profile FILE --pii --no-sketches --no-duplicate-rows
  --no-correlations --device cpu -q --json OUT` with RAYON_NUM_THREADS=1, and
  the same command without `--pii`, alternated --reps times; the best wall time
  of each is kept and the scan's time is their difference (reading the file and
  the column statistics are in both and cancel). The end-to-end rate (the whole
  `--pii` process) is shown too.
- Python: the text column read with pyarrow into a list of str (not timed),
  then, for each value, the detectors of src/metrics/pii/detect.rs: the same
  regular expressions translated from Rust `regex` to Python `re` (the same
  text; both engines return leftmost-first matches), the same cheap gates that
  let a value skip a detector, the same validation (Luhn and the card networks'
  prefixes and lengths, the IBAN country length and mod-97, the IPv4 context
  and version-word rules, IPv6 by `ipaddress.IPv6Address`, the phone digit
  counts, prefixes, dates, thousands, labels and separator rules, the e-mail
  context rules, the private key body, the token rules including the entropy
  test, in full), and the same span claiming (detectors run in the same order;
  a match overlapping a span an earlier detector claimed is skipped). The scan
  loop is timed, best of --python-reps.

Fairness: one core each (RAYON_NUM_THREADS=1 for datassay, the process's CPU
seconds are shown to confirm it; CPython runs the scan on one thread); the same
bytes scanned (MB/s is UTF-8 bytes of the scanned non-null values / seconds);
the same patterns and rules. What differs: datassay also builds masked
examples of every finding and keeps a few per kind (Python only counts), which
leans slightly against datassay; Python's time excludes turning the Arrow
column into Python strings (timed separately and printed), datassay's scan
time is a difference of two process times, so it carries the noise of both.
Unicode details of `\\b` and `\\s` and of case-insensitive `[A-Z]` differ
slightly between the two engines; the generated corpus is ASCII, where they
agree. The per-kind counts of both are printed side by side, with the planted
truth, so any difference of the translation shows.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
KINDS = ("email", "phone", "payment_card", "iban", "ip_address", "secret")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Compare the PII scan of datassay with a Python regex scan of the same "
                    "patterns, one core each.")
    p.add_argument("--rows", type=int, default=1_000_000,
                   help="rows of the generated corpus (default 1000000)")
    p.add_argument("--seed", type=int, default=42, help="seed of `datassay generate` (default 42)")
    p.add_argument("--input", type=Path, default=None,
                   help="scan this Parquet file instead of generating one (needs a string "
                        "column, see --column)")
    p.add_argument("--column", default="text", help="the string column to scan (default text)")
    p.add_argument("--reps", type=int, default=3,
                   help="datassay runs with and without --pii, alternated; best of each (default 3)")
    p.add_argument("--python-reps", type=int, default=2,
                   help="timed runs of the Python scan; the best is kept (default 2)")
    p.add_argument("--python-rows", type=int, default=None,
                   help="scan only the first K rows in Python (MB/s from the bytes scanned); "
                        "default all")
    p.add_argument("--check-rows", type=int, default=100_000,
                   help="rows compared one by one with the planted truth, untimed (default "
                        "100000; 0 to skip)")
    p.add_argument("--datassay", type=Path, default=REPO_ROOT / "target" / "release" / "datassay",
                   help="datassay binary (default target/release/datassay)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where the corpus and datassay's outputs go (default: a temporary "
                        "directory, removed)")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = p.parse_args()
    if a.rows < 1 or a.reps < 1 or a.python_reps < 1:
        p.error("--rows, --reps and --python-reps must be >= 1")
    if a.python_rows is not None and a.python_rows < 1:
        p.error("--python-rows must be >= 1")
    return a


ARGS = parse_args()

try:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
except ImportError:
    sys.exit("pyarrow is not installed: pip install pyarrow")


# =========================================================================== the Python scan
#
# A line-by-line port of src/metrics/pii/detect.rs. Offsets are str indices, not
# byte offsets; the two are the same on ASCII text, and the few rules that look a
# fixed number of bytes back (the label and version words before a number, the
# secret labels) take those bytes from the UTF-8 encoding when a value is not
# ASCII, as the Rust code does.

DIGITS = "0123456789"
DIGITS_B = DIGITS.encode()
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
WORD = ALNUM + "_"                                   # Rust `is_word` (ASCII)

# The regular expressions of `detectors()`, copied unchanged (`(?i)`, `\b`, `\s`
# and the classes mean the same in both engines on ASCII text).
RE_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")
RE_KNOWN_SECRET = re.compile(
    r"\b(?:"
    r"(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{36,255}"
    r"|github_pat_[A-Za-z0-9_]{22,255}"
    r"|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,}"
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"
    r"|npm_[A-Za-z0-9]{36}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+"
    r")\b")
RE_URL_CREDENTIALS = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:/@]*:[^\s/@]+@[^\s/@:]+")
RE_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,24}\b")
RE_IBAN = re.compile(
    r"(?i)\b[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b")
RE_CARD = re.compile(r"\b[0-9](?:[ -]?[0-9]){12,18}\b")
RE_IPV6 = re.compile(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}")
RE_IPV4 = re.compile(
    r"\b(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
    r"(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\b")
RE_PHONE = re.compile(
    r"(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]{1,14}(?:[ .-][0-9]{1,8}){0,5}")
# The token loop of `scan`: maximal runs of token bytes, those of LABELLED_MIN or more.
TOKEN_MIN = 20
LABELLED_MIN = 16
RE_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{16,}")
# Helpers (not in the Rust code, which loops over bytes).
RE_DIGIT_RUN = re.compile(r"[0-9]+")
RE_LOWER_RUN = re.compile(r"[a-z]{3,}")
RE_CLASS_RUN = re.compile(r"a+|A+|0+|_+")
RE_LAST_WORD = re.compile(r"[^ (\"',;]*\Z")          # rsplit([' ', '(', '"', '\'', ',', ';']).next()
RE_CARD_SEP = re.compile(r"[ -]")
# Byte classes of `high_entropy_token`: lower 'a', upper 'A', digit '0', other '_'.
CLASS_TABLE = str.maketrans(
    {**{c: "a" for c in "abcdefghijklmnopqrstuvwxyz"},
     **{c: "A" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
     **{c: "0" for c in DIGITS}, "+": "_", "/": "_", "-": "_"})

NOT_TLDS = frozenset(
    "png jpg jpeg gif svg webp bmp ico css js json pdf txt html htm xml mp4 mp3 wav zip gz tar"
    .split())

IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

VERSION_WORDS = frozenset(("version", "ver", "ver.", "v", "v.", "release", "rel", "rel.", "build",
                           "firmware", "kernel", "libversion", "vers", "vsn"))
NUMBER_LABELS = frozenset(("isbn", "issn", "serial", "s/n", "sn", "item", "sku", "part", "model",
                           "ref"))
SECRET_LABELS = ("token", "bearer", "api_key", "apikey", "api-key", "secret", "password",
                 "passwd", "pwd", "access_key", "secret_key", "private_key", "auth",
                 "authorization", "client_secret")
PUBLIC_PREFIXES = ("ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "base64,", "boundary=")


def head(s: str, a: int, n: int, ascii_: bool, lower: bool = False, strict: bool = True) -> str:
    """The `n` bytes before offset `a`, as `&bytes[a.saturating_sub(n)..a]`: with `strict`, as
    `from_utf8(..).unwrap_or("")` (empty when the cut splits a character), else lossy."""
    if ascii_:
        h = s[max(0, a - n):a]
        return h.lower() if lower else h
    hb = s[:a].encode()[-n:]
    if lower:
        hb = hb.lower()                              # ASCII only, as to_ascii_lowercase
    try:
        return hb.decode()
    except UnicodeDecodeError:
        return "" if strict else hb.decode("utf-8", "replace")


def email_ok(s: str, m: str, a: int, b: int) -> bool:
    if a > 0 and (s[a - 1] in ".@" or s[a - 1] in WORD):
        return False
    if b < len(s) and s[b] in "@:":
        return False
    word_start = max(s.rfind(c, 0, a) for c in " \t\n\x0c\r\"'<(") + 1
    if "://" in s[word_start:a]:
        return False
    local, domain = m.split("@", 1)
    if local.endswith(".") or ".." in local or ".." in domain:
        return False
    tld = domain.rsplit(".", 1)[-1].lower()
    first_label = domain.split(".", 1)[0]
    if tld in NOT_TLDS and all(c in "0123456789x" for c in first_label):
        return False
    return tld not in NOT_TLDS or domain.count(".") >= 2


def iban_ok(m: str) -> int | None:
    compact = m.encode().replace(b" ", b"").upper()   # bytes.upper: ASCII only, as Rust
    try:
        length = IBAN_LENGTHS.get(compact[:2].decode())
    except UnicodeDecodeError:
        return None
    if length is None or len(compact) < length:
        return None
    if len(compact) > length and " " not in m:
        return None
    iban = compact[:length]
    rem = 0
    for c in iban[4:] + iban[:4]:
        if 48 <= c <= 57:
            rem = (rem * 10 + c - 48) % 97
        elif 65 <= c <= 90:
            rem = (rem * 100 + c - 55) % 97
        else:
            return None
    return length if rem == 1 else None


def end_after_alnums(s: str, start: int, n: int) -> int:
    seen, i = 0, start
    while i < len(s) and seen < n:
        seen += s[i] in ALNUM
        i += 1
    return i


def luhn(d: list[int]) -> bool:
    total = 0
    for i, v in enumerate(reversed(d)):
        if i % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def card_network(d: list[int]) -> bool:
    n = len(d)

    def p(k: int) -> int:
        v = 0
        for x in d[:k]:
            v = v * 10 + x
        return v

    f = d[0]
    if f == 4:
        return n in (13, 16, 19)
    if f == 5:
        return (51 <= p(2) <= 55 and n == 16
                or (p(2) == 50 or 56 <= p(2) <= 59) and 12 <= n <= 19)
    if f == 2:
        return n == 16 and (2221 <= p(4) <= 2720 or 2200 <= p(4) <= 2204)
    if f == 3:
        return ((p(2) == 34 or p(2) == 37) and n == 15
                or 3528 <= p(4) <= 3589 and 16 <= n <= 19
                or (300 <= p(3) <= 305 or p(2) in (36, 38, 39)) and 14 <= n <= 19)
    if f == 6:
        return ((p(4) == 6011 or p(2) == 65 or 644 <= p(3) <= 649) and 16 <= n <= 19
                or p(2) == 62 and 16 <= n <= 19
                or p(2) in (63, 67) and 12 <= n <= 19)
    return False


def in_iban_groups(s: str, a: int) -> bool:
    i = a
    for _ in range(8):
        if i < 5 or s[i - 1] != " ":
            return False
        g = s[i - 5:i - 1]
        if not all(c in ALNUM for c in g):
            return False
        boundary = i < 6 or s[i - 6] not in ALNUM
        if boundary and g[0].isalpha() and g[1].isalpha() and g[2] in DIGITS and g[3] in DIGITS:
            return True
        i -= 5
    return False


def card_ok(s: str, m: str, a: int, b: int) -> bool:
    if a > 0 and s[a - 1] in "0123456789.-+":
        return False
    if b + 1 < len(s) and s[b] == "." and s[b + 1] in DIGITS:
        return False
    if in_iban_groups(s, a):
        return False
    spaced, dashed = " " in m, "-" in m
    if spaced and dashed:                            # one separator style
        return False
    groups = [len(g) for g in RE_CARD_SEP.split(m)]
    last_short = len(groups) == 4 and groups[:3] == [4, 4, 4]
    if (spaced or dashed) and any(g < 3 for g in groups[:len(groups) - last_short]):
        return False
    d = [ord(c) - 48 for c in m if c in DIGITS]
    return 13 <= len(d) <= 19 and card_network(d) and luhn(d)


def ipv4_ok(s: str, a: int, b: int, ascii_: bool) -> bool:
    if a > 0 and (s[a - 1] == "." or s[a - 1] in WORD or s[a - 1] == "-"):
        return False
    if b < len(s):
        c = s[b]
        if c in WORD or c == "-" or (c == "." and b + 1 < len(s) and s[b + 1] in WORD):
            return False
    h = head(s, a, 16, ascii_, lower=True).rstrip(" :=(\"'")
    return RE_LAST_WORD.search(h).group() not in VERSION_WORDS


def ipv6_ok(s: str, m: str, a: int, b: int) -> bool:
    if a > 0 and (s[a - 1] in WORD or s[a - 1] in ":."):
        return False
    if b < len(s):
        c = s[b]
        if c in WORD or c == ":" or (c == "." and b + 1 < len(s) and s[b + 1] in WORD):
            return False
    if not (m.count(":") == 7 or "::" in m) or m.count("::") > 1:
        return False
    if sum(1 for g in m.split(":") if g) < 2 or sum(c != ":" for c in m) < 4:
        return False
    try:
        ipaddress.IPv6Address(m)
    except ValueError:
        return False
    return True


def is_date_like(groups: list[str]) -> bool:
    def year(g: str) -> bool:
        return len(g) == 4 and 1900 <= int(g) <= 2100

    def small(g: str, top: int) -> bool:
        return len(g) <= 2 and 1 <= int(g) <= top

    for i in range(len(groups) - 2):
        x, y, z = groups[i], groups[i + 1], groups[i + 2]
        if year(x) and small(y, 12) and small(z, 31) or small(x, 31) and small(y, 31) and year(z):
            return True
    return False


def trimmed_phone_shape(m: str) -> bool:
    """What is left of a longer phone match after dropping groups (as in detect.rs)."""
    if m.startswith("+") or m.startswith("("):
        return True
    sizes = [len(g) for g in re.split(r"[ .-]", m) if g]
    return sizes in ([3, 3, 4], [3, 4, 4], [4, 3, 3], [2, 2, 2, 2, 2])


def phone_ok(s: str, m: str, a: int, b: int, ascii_: bool) -> bool:
    plus = m[0] == "+"
    if a > 0:
        c = s[a - 1]
        if c in WORD or c in ".-/+$" or (c == ":" and not plus):
            return False
    if b < len(s):
        c = s[b]
        if (c in WORD or c in ":/%"
                or c in ".-," and b + 1 < len(s) and s[b + 1] in DIGITS):
            return False
    if in_iban_groups(s, a):
        return False
    groups = RE_DIGIT_RUN.findall(m)                 # m holds only digits and ' .-()+'
    n = sum(map(len, groups))

    def country(g: str) -> bool:
        return 1 <= len(g) <= 3 and g[0] != "0"

    g0 = groups[0]
    idd = (not plus and len(groups) >= 2
           and (len(g0) > 2 and g0.startswith("00") and country(g0[2:])
                or g0 == "00" and country(groups[1])
                or g0 == "011"))
    if all(c == "0" for g in groups for c in g):
        return False
    spaced = " " in m and "." not in m and "-" not in m
    if plus or idd:
        prefix = min(len(g0), 3) if idd else 0
        if not 8 <= n - min(prefix, n) <= 15:
            return False
    elif not (10 <= n <= 11
              or n == 12 and g0[0] == "0"
              or n == 9 and spaced and [len(g) for g in groups] == [3, 2, 2, 2]):
        return False
    if (not plus and not idd and spaced and len(groups) >= 3 and len(g0) <= 3
            and g0[0] != "0" and all(len(g) == 3 for g in groups[1:])):
        return False
    label = RE_LAST_WORD.search(head(s, a, 12, ascii_, lower=True).rstrip(" :#=.")).group()
    if label in NUMBER_LABELS:
        return False
    if not plus and len(groups) < 2:
        return False
    if is_date_like(groups):
        return False
    dots, dashes = "." in m, "-" in m
    if dots and dashes:                              # one separator style
        return False
    if dots and not plus:
        sizes = [len(g) for g in groups]
        if sizes != [3, 3, 4] and not (len(sizes) == 5 and all(g == 2 for g in sizes)):
            return False
    return True


def lower_run_share(t: str) -> float:
    return sum(map(len, RE_LOWER_RUN.findall(t))) / max(len(t), 1)


def entropy(t: str) -> float:
    n = len(t)
    return -sum(f / n * math.log2(f / n) for f in Counter(t).values())


def high_entropy_token(t: str) -> bool:
    if t[0] == "/" or "//" in t or t.count("/") > 2:
        return False
    cls = t.translate(CLASS_TABLE)
    lower, upper, digit, other = cls.count("a"), cls.count("A"), cls.count("0"), cls.count("_")
    changes = len(RE_CLASS_RUN.findall(cls)) - 1
    if not lower or not upper or not digit or changes * 4 < len(t):
        return False
    if other * 5 > len(t):
        return False
    if lower_run_share(t) >= 0.4:
        return False
    return entropy(t) >= 3.5


def labelled_secret(s: str, a: int, t: str, ascii_: bool) -> bool:
    h = head(s, a, 24, ascii_, lower=True).rstrip(" :=\"'")
    if not h.endswith(SECRET_LABELS) or len(t) < 16:
        return False
    letters = sum(c.isalpha() for c in t)            # t is ASCII (token characters)
    digits = sum(c in DIGITS for c in t)
    mixed = t != t.upper() and t != t.lower()
    return letters > 0 and (digits > 0 or mixed) and lower_run_share(t) < 0.8 \
        and entropy(t) >= 3.0


def public_data(s: str, a: int, t: str, ascii_: bool) -> bool:
    h = head(s, a, 24, ascii_, strict=False)
    return h.endswith(PUBLIC_PREFIXES) or "ecdsa-sha2-" in h or "FormBoundary" in t


def private_key_end(s: str, me: int) -> int:
    """Where a private key's finding ends: its END line, or the base64 lines after the header."""
    i = s.find("-----END", me)
    if i >= 0:
        j = s.find("-----", i + 8)
        return j + 5 if j >= 0 else len(s)
    e = me
    while True:
        if s.startswith("\n", e):
            line_start = e + 1
        elif s.startswith("\r\n", e):
            line_start = e + 2
        else:
            break
        ends = [k for k in (s.find("\r", line_start), s.find("\n", line_start)) if k >= 0]
        line_end = min(ends) if ends else len(s)
        body = s[line_start:line_end]
        if not body or not all(c in ALNUM or c in "+/=" for c in body):
            break
        e = line_end
    return e


def scan(s: str) -> list[tuple[int, int, int]]:
    """Findings of one value as (kind index, start, end), in the detectors' order."""
    out: list[tuple[int, int, int]] = []

    def claimed(a: int, b: int) -> bool:
        for _, x, y in out:
            if x < b and a < y:
                return True
        return False

    raw = s.encode()
    nbytes = len(raw)
    ascii_ = nbytes == len(s)
    digits = nbytes - len(raw.translate(None, DIGITS_B))
    at = "@" in s
    colon = ":" in s
    if nbytes >= 20 and "PRIVATE KEY" in s:
        for m in RE_PRIVATE_KEY.finditer(s):
            a, e = m.start(), private_key_end(s, m.end())
            if not claimed(a, e):
                out.append((5, a, e))
    if nbytes >= 20:
        for m in RE_KNOWN_SECRET.finditer(s):
            a, b = m.span()
            if not claimed(a, b):
                out.append((5, a, b))
    if at and colon:
        for m in RE_URL_CREDENTIALS.finditer(s):
            a, b = m.span()
            if not claimed(a, b):
                out.append((5, a, b))
    if at:
        for m in RE_EMAIL.finditer(s):
            a, b = m.span()
            if not claimed(a, b) and email_ok(s, m.group(), a, b):
                out.append((0, a, b))
    if digits >= 2 and nbytes >= 15:
        for m in RE_IBAN.finditer(s):
            a, b = m.span()
            if claimed(a, b):
                continue
            length = iban_ok(m.group())
            if length is not None:
                out.append((3, a, end_after_alnums(s, a, length)))
    if digits >= 13:
        for m in RE_CARD.finditer(s):
            a, b = m.span()
            if not claimed(a, b) and card_ok(s, m.group(), a, b):
                out.append((2, a, b))
    if colon:
        for m in RE_IPV6.finditer(s):
            a, b = m.span()
            if not claimed(a, b) and ipv6_ok(s, m.group(), a, b):
                out.append((4, a, b))
    if digits >= 4:
        for m in RE_IPV4.finditer(s):
            a, b = m.span()
            if not claimed(a, b) and ipv4_ok(s, a, b, ascii_):
                out.append((4, a, b))
    if digits >= 8:
        for m in RE_PHONE.finditer(s):
            a, b = m.span()
            # A number after the phone number is dropped group by group (as in detect.rs).
            while True:
                whole = b == m.end()
                if (not claimed(a, b) and (whole or trimmed_phone_shape(s[a:b]))
                        and phone_ok(s, s[a:b], a, b, ascii_)):
                    out.append((1, a, b))
                    break
                cut = max(s.rfind(c, a, b) for c in " .-")
                if cut < 0:
                    break
                b = a + len(s[a:cut].rstrip(" .-"))
                if b <= a:
                    break
    if nbytes >= LABELLED_MIN:
        upper = None                                 # any ASCII capital in the value, when asked
        for m in RE_TOKEN.finditer(s):
            a, b = m.span()
            tok = m.group()
            if claimed(a, b) or public_data(s, a, tok, ascii_):
                continue
            if len(tok) >= TOKEN_MIN:
                if upper is None:
                    upper = raw != raw.lower()
                if upper and high_entropy_token(tok):
                    out.append((5, a, b))
                    continue
            if labelled_secret(s, a, tok, ascii_):
                out.append((5, a, b))
    return out


def scan_all(texts: list) -> dict:
    """Scan every non-null value; counts per kind as the profile's `pii` section has them."""
    matches = [0] * len(KINDS)
    values = [0] * len(KINDS)
    scanned = with_any = 0
    for s in texts:
        if s is None:
            continue
        scanned += 1
        found = scan(s)
        if not found:
            continue
        with_any += 1
        seen = set()
        for k, _, _ in found:
            matches[k] += 1
            seen.add(k)
        for k in seen:
            values[k] += 1
    return {"scanned": scanned, "values_with_pii": with_any,
            "kinds": {KINDS[i]: {"matches": matches[i], "values": values[i]}
                      for i in range(len(KINDS))}}


# =========================================================================== datassay

def run_profile(binary: Path, corpus: Path, out: Path, pii: bool) -> dict:
    """One `datassay profile` process on one core: its wall time and CPU seconds."""
    cmd = [str(binary), "profile", str(corpus)] + (["--pii"] if pii else []) + [
        "--no-sketches", "--no-duplicate-rows", "--no-correlations", "--device", "cpu", "-q",
        "--json", str(out)]
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"datassay exited with {proc.returncode}\ncommand: {' '.join(cmd)}\n"
                           + err[-2000:])
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "max_rss_mb": ru.ru_maxrss / 1024}


def profile_pii(path: Path, column: str) -> dict:
    prof = json.loads(path.read_text())
    col = next((c for c in prof.get("columns", []) if c.get("name") == column), None)
    if col is None or "pii" not in col:
        raise RuntimeError(f"no pii section for column {column!r} in {path}")
    p = col["pii"]
    return {"scanned": p["scanned"], "values_with_pii": p["values_with_pii"],
            "kinds": {k: {"matches": 0, "values": 0} for k in KINDS}
            | {k["kind"]: {"matches": k["matches"], "values": k["values"]} for k in p["kinds"]}}


# =========================================================================== report

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fmt(v, spec: str, missing: str = "-") -> str:
    return missing if v is None else format(v, spec)


def print_counts(title: str, cols: list[tuple[str, dict | None]]) -> None:
    """Per kind: findings/values of each tool, the planted findings (a plain count)."""
    print(title)
    head_ = f"{'kind':<13}" + "".join(f" {name:>14}" for name, _ in cols)
    print(head_)
    print("-" * len(head_))
    for k in KINDS:
        cells = []
        for _, c in cols:
            v = c[k] if c is not None else None
            cells.append("-" if v is None else
                         str(v) if isinstance(v, int) else f"{v['matches']}/{v['values']}")
        print(f"{k:<13}" + "".join(f" {x:>14}" for x in cells))


def differences(a: dict, b: dict) -> list[str]:
    out = []
    for k in KINDS:
        for what in ("matches", "values"):
            x, y = a["kinds"][k][what], b["kinds"][k][what]
            if x != y:
                out.append(f"{k} {what}: datassay {x}, python {y} ({y - x:+d})")
    for what in ("scanned", "values_with_pii"):
        if a[what] != b[what]:
            out.append(f"{what}: datassay {a[what]}, python {b[what]} ({b[what] - a[what]:+d})")
    return out


def truth_check(table: pa.Table, column: str, rows: int) -> dict | None:
    """Python's findings per row against the planted counts (when the corpus has them)."""
    if rows <= 0 or not all(k in table.column_names for k in KINDS):
        return None
    part = table.slice(0, rows)
    texts = part.column(column).to_pylist()
    truth = {k: part.column(k).to_pylist() for k in KINDS}
    rows_off = {k: 0 for k in KINDS}
    examples: dict[str, list] = {k: [] for k in KINDS}
    for i, s in enumerate(texts):
        got = [0] * len(KINDS)
        for kind, _, _ in (scan(s) if s is not None else []):
            got[kind] += 1
        for j, k in enumerate(KINDS):
            if got[j] != truth[k][i]:
                rows_off[k] += 1
                if len(examples[k]) < 3:
                    examples[k].append({"row": i, "planted": truth[k][i], "found": got[j],
                                        "text": s})
    return {"rows": len(texts), "rows_differing": rows_off, "examples": examples}


def main(a: argparse.Namespace) -> int:
    binary = a.datassay
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"datassay binary not found at {binary}: build it with `cargo build --release` "
                 f"(or pass --datassay)")
    try:
        version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
    except OSError:
        version = "unknown"

    tmp = None
    if a.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="pii_regex_")
        workdir = Path(tmp.name)
    else:
        workdir = a.workdir
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        # ---- the corpus
        t_gen = None
        if a.input is not None:
            corpus = a.input
        else:
            corpus = workdir / "pii.parquet"
            t0 = time.perf_counter()
            gen = subprocess.run([str(binary), "generate", str(corpus), "--pii", "--rows",
                                  str(a.rows), "--seed", str(a.seed)],
                                 capture_output=True, text=True)
            if gen.returncode != 0:
                sys.exit(f"datassay generate failed ({gen.returncode}):\n{gen.stderr[-2000:]}")
            t_gen = time.perf_counter() - t0
        table = pq.read_table(corpus)
        if a.column not in table.column_names:
            sys.exit(f"{corpus} has no column {a.column!r} (columns: {table.column_names})")
        col = table.column(a.column)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = col.cast(pa.large_string())
        n = len(col)
        text_bytes = pc.sum(pc.binary_length(col)).as_py() or 0
        planted = ({k: pc.sum(table.column(k)).as_py() for k in KINDS}
                   if all(k in table.column_names for k in KINDS) else None)
        print(f"corpus: {corpus} ({n} rows, {text_bytes / 1e6:.1f} MB of text in "
              f"{a.column!r}, {col.null_count} null"
              + (f"; generated in {t_gen:.1f} s" if t_gen is not None else "") + ")")
        print(f"datassay: {version} ({binary}), RAYON_NUM_THREADS=1; python "
              f"{platform.python_version()}, pyarrow {pa.__version__}, one thread")

        # ---- datassay: --pii and without, alternated; a warm-up run first (page cache)
        run_profile(binary, corpus, workdir / "warmup.json", pii=False)
        best = {True: None, False: None}
        runs = []
        for rep in range(a.reps):
            for pii in (False, True):
                r = run_profile(binary, corpus, workdir / f"profile-{'pii' if pii else 'base'}.json",
                                pii)
                runs.append({"rep": rep + 1, "pii": pii, **r})
                print(f"rep {rep + 1}/{a.reps} datassay {'--pii   ' if pii else 'no --pii'} "
                      f"{r['wall']:.3f} s (cpu {r['cpu']:.3f} s, peak {r['max_rss_mb']:.0f} MB)")
                if best[pii] is None or r["wall"] < best[pii]["wall"]:
                    best[pii] = r
        dy_counts = profile_pii(workdir / "profile-pii.json", a.column)
        scan_s = best[True]["wall"] - best[False]["wall"]
        if scan_s <= 0:
            print("note: the --pii run was not slower than the run without it; the scan's time "
                  "is below the noise, try more --rows or --reps")
            scan_s = None

        # ---- Python
        k = n if a.python_rows is None else min(a.python_rows, n)
        part = col.slice(0, k)
        py_bytes = pc.sum(pc.binary_length(part)).as_py() or 0
        t0 = time.perf_counter()
        texts = part.to_pylist()
        t_convert = time.perf_counter() - t0
        print(f"python: {k} rows ({py_bytes / 1e6:.1f} MB) read into a list of str in "
              f"{t_convert:.2f} s (not timed)")
        py_best = None
        py_counts = None
        for rep in range(a.python_reps):
            t0 = time.perf_counter()
            py_counts = scan_all(texts)
            dt = time.perf_counter() - t0
            print(f"rep {rep + 1}/{a.python_reps} python scan {dt:.2f} s")
            py_best = dt if py_best is None else min(py_best, dt)
        del texts

        # ---- counts side by side, on the same rows
        if k == n:
            dy_same = dy_counts
        else:
            head_path = workdir / f"pii-first-{k}.parquet"
            pq.write_table(table.slice(0, k), head_path)
            run_profile(binary, head_path, workdir / "profile-pii-head.json", pii=True)
            dy_same = profile_pii(workdir / "profile-pii-head.json", a.column)
        planted_same = ({kk: pc.sum(table.column(kk).slice(0, k)).as_py() for kk in KINDS}
                        if planted else None)

        # ---- table
        rate = lambda b, s: b / s / 1e6 if s else None  # noqa: E731
        dy_scan_mbs = rate(text_bytes, scan_s)
        dy_e2e_mbs = rate(text_bytes, best[True]["wall"])
        py_mbs = rate(py_bytes, py_best)
        print()
        print(f"PII scan of {a.column!r}, one core each; MB/s = UTF-8 bytes of the text / "
              f"seconds (datassay best of {a.reps}, python best of {a.python_reps})")
        head_ = (f"{'tool':<26} {'rows':>9} {'seconds':>9} {'MB/s/core':>10} {'rows/s':>11} "
                 f"{'vs python':>9}")
        print(head_)
        print("-" * len(head_))
        table_rows = [
            ("datassay (scan)", n, scan_s, dy_scan_mbs),
            ("datassay (whole --pii run)", n, best[True]["wall"], dy_e2e_mbs),
            ("python re", k, py_best, py_mbs),
        ]
        for name, rows, secs, mbs in table_rows:
            ratio = mbs / py_mbs if mbs and py_mbs else None
            print(f"{name:<26} {rows:>9} {fmt(secs, '9.3f'):>9} {fmt(mbs, '10.2f'):>10} "
                  f"{fmt(rows / secs if secs else None, '11.0f'):>11} {fmt(ratio, '8.1f') + 'x':>9}")
        print(f"(datassay (scan): best --pii run {best[True]['wall']:.3f} s minus best run without "
              f"{best[False]['wall']:.3f} s; CPU/wall of the best --pii run "
              f"{best[True]['cpu'] / best[True]['wall']:.2f})")
        print(f"cpu: {cpu_model()}; python {platform.python_version()}, pyarrow {pa.__version__}")

        print()
        cols = [("datassay", dy_same["kinds"]), ("python", py_counts["kinds"])]
        if planted_same:
            cols.append(("planted", planted_same))
        print_counts(f"findings/values per kind, first {k} rows" if k < n
                     else f"findings/values per kind, {n} rows", cols)
        print(f"{'any':<13} {dy_same['values_with_pii']:>14} {py_counts['values_with_pii']:>14}")
        diffs = differences(dy_same, py_counts)
        if diffs:
            print("datassay and python differ: " + "; ".join(diffs))
        else:
            print("datassay and python agree on every count")
        if k < n:
            print(f"(datassay over all {n} rows: " + ", ".join(
                f"{kk} {v['matches']}/{v['values']}" for kk, v in dy_counts["kinds"].items()) + ")")

        check = truth_check(table, a.column, min(a.check_rows, k))
        if check:
            off = {kk: v for kk, v in check["rows_differing"].items() if v}
            print(f"python against the planted truth, row by row over the first {check['rows']} "
                  f"rows: " + (", ".join(f"{kk} differs in {v} rows" for kk, v in off.items())
                               if off else "every row matches"))
            for kk in off:
                for ex in check["examples"][kk]:
                    print(f"  {kk} row {ex['row']}: planted {ex['planted']}, found {ex['found']}: "
                          f"{ex['text']!r}")

        if a.json:
            result = {
                "machine": {"cpu": cpu_model(), "os": platform.platform(),
                            "python": platform.python_version(), "pyarrow": pa.__version__,
                            "datassay": version},
                "corpus": {"path": str(corpus), "rows": n, "text_bytes": text_bytes,
                           "seed": None if a.input else a.seed, "planted": planted},
                "datassay": {"reps": a.reps, "runs": runs,
                             "best_pii_s": best[True]["wall"], "best_base_s": best[False]["wall"],
                             "scan_s": scan_s, "scan_mb_s": dy_scan_mbs,
                             "scan_rows_s": n / scan_s if scan_s else None,
                             "end_to_end_mb_s": dy_e2e_mbs, "counts": dy_counts},
                "python": {"reps": a.python_reps, "rows": k, "bytes": py_bytes,
                           "convert_s": t_convert, "scan_s": py_best, "mb_s": py_mbs,
                           "rows_s": k / py_best, "counts": py_counts},
                "ratio_scan": dy_scan_mbs / py_mbs if dy_scan_mbs and py_mbs else None,
                "ratio_end_to_end": dy_e2e_mbs / py_mbs if py_mbs else None,
                "counts_same_rows": {"rows": k, "datassay": dy_same, "python": py_counts,
                                     "planted": planted_same, "differences": diffs},
                "truth_check": check,
            }
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(result, indent=2))
            print(f"wrote {a.json}")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
