#!/usr/bin/env python3
"""Writes lib/intake/unicode_fold_data.inc: the data the client-error reader
folds pasted text with before matching (lib/intake/unicode_fold.h).

Generated from the Unicode Character Database of the running Python's
unicodedata module (its version is written into the file), so the library
needs no ICU. Run it from the repository root and commit the output:

    python3 scripts/gen_unicode_fold.py > lib/intake/unicode_fold_data.inc

What a code point folds to (for code points U+0080 and up; ASCII is folded
in code):
  1. NFKC, then full case folding, then NFKC again (the compatibility forms:
     full-width and half-width forms, ligatures such as U+FB01, Roman
     numerals, circled and mathematical letters; "Straße" -> "strasse");
  2. the combining diacritical marks (U+0300-036F, U+1AB0-1AFF,
     U+1DC0-1DFF, U+20D0-20FF, U+FE20-FE2F) removed after canonical
     decomposition, then recomposed (NFC): "é" -> "e", "İ" -> "i", "ő" -> "o";
     the kana voicing marks (U+3099, U+309A) are not among them, so "ガ"
     stays "ガ";
  3. letters that have no decomposition but are read as a base letter:
     EXTRA_LETTERS below ("ł" -> "l", "ø" -> "o", Turkish dotless "ı" -> "i");
  4. Default_Ignorable_Code_Point characters (soft hyphen, zero-width
     spaces and joiners, bidi controls, variation selectors) fold to nothing.
Each fold is flagged "compatibility" when NFKC changes the code point (or
it is ignorable): the spacing view, which keeps case and accents, takes
only those folds.

Also written: the ranges of code points that separate words (general
categories Z* and Cc: "space"; P* and S*: "punct"), and the kana
compositions with U+3099/U+309A (half-width "ｶﾞ" folds to "カ" + U+3099,
composed to "ガ").
"""
import sys
import unicodedata as ud

STRIPPED_MARKS = [(0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                  (0xFE20, 0xFE2F)]
EXTRA_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "æ": "ae",
                 "œ": "oe", "þ": "th", "ð": "d", "ŀ": "l"}
# DerivedCoreProperties.txt, Default_Ignorable_Code_Point (Unicode 14.0).
DEFAULT_IGNORABLE = [(0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
                     (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
                     (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
                     (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
                     (0xE0000, 0xE0FFF)]
VOICING = (0x3099, 0x309A)


def within(cp, ranges):
    return any(a <= cp <= b for a, b in ranges)


def fold(ch):
    if within(ord(ch), DEFAULT_IGNORABLE):
        return ""
    s = ud.normalize("NFKC", ud.normalize("NFKC", ch).casefold())
    s = "".join(c for c in ud.normalize("NFD", s) if not within(ord(c), STRIPPED_MARKS))
    s = ud.normalize("NFC", s)
    return "".join(EXTRA_LETTERS.get(c, c) for c in s)


def code_points():
    for cp in range(0x80, 0x110000):
        if not 0xD800 <= cp <= 0xDFFF:
            yield cp


def c_string(data):
    """A C++ string literal of `data` (bytes), octal escapes for all but
    plain printable ASCII (an octal escape never swallows what follows)."""
    out = []
    for b in data:
        if 0x20 <= b < 0x7F and b not in (ord('"'), ord("\\"), ord("?")):
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return "".join(out)


def fold_runs():
    """Runs of consecutive code points with the same flags that fold alike:
    to one same string (step 0: "À".."Å" -> "a") or to strings that differ
    only in their last code point, which counts up with the run (step 1:
    full-width "Ａ".."Ｚ" -> "a".."z")."""
    runs = []  # [first, last, fold of first, flags, step]
    for cp in code_points():
        ch = chr(cp)
        f = fold(ch)
        if f == ch:
            continue
        nfkc = ud.normalize("NFKC", ch)
        flags = 0
        if nfkc != ch or within(cp, DEFAULT_IGNORABLE):
            flags |= 1  # kCompat: the spacing view takes the fold too
        if nfkc.isascii() and nfkc != nfkc.lower():
            flags |= 2  # kUpper: ... with its ASCII letters upper-cased
        if runs:
            r = runs[-1]
            k = cp - r[0]
            if r[1] == cp - 1 and r[3] == flags:
                if r[4] in (None, 0) and f == r[2]:
                    r[1], r[4] = cp, 0
                    continue
                if (r[4] in (None, 1) and r[2] and f and f[:-1] == r[2][:-1] and
                        ord(f[-1]) == ord(r[2][-1]) + k):
                    r[1], r[4] = cp, 1
                    continue
        runs.append([cp, cp, f, flags, None])
    return runs


def main():
    runs = fold_runs()
    pool = bytearray()
    offsets = {}
    entries = []  # (first, count, pool offset, length, flags)
    for first, last, f, flags, step in runs:
        data = f.encode("utf-8")
        if data not in offsets:
            at = pool.find(data) if data else 0
            if at < 0:
                at = len(pool)
                pool += data
            offsets[data] = at
        entries.append((first, last - first + 1, offsets[data], len(data),
                        flags | (4 if step == 1 else 0)))
    assert len(pool) < 1 << 16 and max(e[1] for e in entries) < 1 << 16
    assert max(e[3] for e in entries) < 1 << 8
    folded = sum(e[1] for e in entries)

    separators = []  # [first, last, kind]
    for cp in code_points():
        cat = ud.category(chr(cp))
        kind = 1 if cat[0] == "Z" or cat == "Cc" else 2 if cat[0] in "PS" else 0
        if not kind:
            continue
        if separators and separators[-1][1] == cp - 1 and separators[-1][2] == kind:
            separators[-1][1] = cp
        else:
            separators.append([cp, cp, kind])

    kana = []
    for cp in list(range(0x3040, 0x3100)):
        for mark in VOICING:
            composed = ud.normalize("NFC", chr(cp) + chr(mark))
            if len(composed) == 1:
                kana.append((cp, mark, ord(composed)))

    w = sys.stdout.write
    w("// Generated by scripts/gen_unicode_fold.py from the Unicode Character Database\n")
    w("// %s (Python %s unicodedata). Do not edit: run the script.\n" %
      (ud.unidata_version, sys.version.split()[0]))
    w("// %d folded code points in %d runs (%d bytes of folds), %d separator ranges,\n" %
      (folded, len(entries), len(pool), len(separators)))
    w("// %d kana compositions.\n\n" % len(kana))
    w('inline constexpr std::string_view kUnicodeVersion = "%s";\n\n' % ud.unidata_version)
    w("inline constexpr char kFoldPool[] =\n")
    for i in range(0, len(pool), 24):
        w('    "%s"\n' % c_string(pool[i:i + 24]))
    w("    ;\n\n")
    w("// first, count, offset, length, flags\n")
    w("inline constexpr FoldRun kFoldRuns[] = {\n")
    for i in range(0, len(entries), 4):
        w("    " + " ".join("{0x%X, %d, %d, %d, %d}," % e for e in entries[i:i + 4]) + "\n")
    w("};\n\n")
    w("// first, last, kind (1 space, 2 punctuation)\n")
    w("inline constexpr SeparatorRange kSeparatorRanges[] = {\n")
    for i in range(0, len(separators), 4):
        w("    " + " ".join("{0x%X, 0x%X, %d}," % tuple(s) for s in separators[i:i + 4]) + "\n")
    w("};\n\n")
    w("// base, mark, composed\n")
    w("inline constexpr KanaComposition kKanaCompositions[] = {\n")
    for i in range(0, len(kana), 4):
        w("    " + " ".join("{0x%X, 0x%X, 0x%X}," % k for k in kana[i:i + 4]) + "\n")
    w("};\n")


if __name__ == "__main__":
    main()
