"""Where the default model's text comes from: one entry per source, with its licence.

Every source is freely licensed text that is on this machine or in a Debian main package
(DFSG-free). The held-out rule of each source names whole files or whole packages that never
enter training; `unseen-*` sources are kinds of text that training never sees at all.

Training reads only the head of a weighted random order of the documents (each at most once), so
a source's share of what the model reads is proportional to weight x bytes. Ordinary English
(fortunes, the Jargon File, the handbooks) is scarce here and weighted up; man pages, package
READMEs and reference-style docs are plentiful and weighted down.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import gzip
import os
import re
from typing import Callable, Iterator

STDLIB = "/usr/lib/python3.11"
DIST = "/usr/lib/python3/dist-packages"
PYDOC = "/usr/share/doc/python3.11/html/_sources"
FORTUNES = "/usr/share/games/fortunes"
HANDBOOK = "/usr/share/doc/debian-handbook/html/en-US"
DEBREF = "/usr/share/doc/debian-reference-en/docs"
PERLPOD = "/usr/share/perl/5.36.0/pod"
GITDOC = "/usr/share/doc/git-doc"


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    kind: str  # "code" or "prose"
    package: str  # Debian package that ships it
    licence: str
    description: str
    files: Callable[[], list[str]]  # absolute paths, sorted
    heldout: Callable[[str], bool]  # whole files held out of training
    reader: str = "text"  # how to turn a file into text (see corpus.read_document)
    train_cap_bytes: int = 0  # 0 = no cap; else keep at most this many training bytes
    weight: float = 1.0  # how much earlier its documents come in the training stream (see below)


def walk(root: str, patterns: tuple[str, ...], skip_dirs: tuple[str, ...] = ()) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and d != "__pycache__")
        for name in filenames:
            if any(fnmatch.fnmatch(name, p) for p in patterns):
                found.append(os.path.join(dirpath, name))
    return sorted(found)


def under(*prefixes: str) -> Callable[[str], bool]:
    return lambda path: any(path.startswith(p) for p in prefixes)


def never(_path: str) -> bool:
    return False


# Held-out Python: whole stdlib packages and modules, and one whole third-party package.
STDLIB_HELDOUT = tuple(f"{STDLIB}/{p}" for p in (
    "json/", "email/", "wsgiref/", "tomllib/", "statistics.py", "fractions.py", "textwrap.py",
    "shlex.py"))

DIST_PACKAGES = ("numpy", "torch", "sympy", "mpmath", "pygments", "setuptools", "hypothesis",
                 "pip", "attr", "click", "dateutil", "yaml", "onnx", "cryptography", "idna",
                 "oauthlib", "jwt", "pyparsing", "urllib3", "chardet", "distro", "future",
                 "requests")


def dist_files() -> list[str]:
    files: list[str] = []
    for pkg in DIST_PACKAGES:
        files += walk(f"{DIST}/{pkg}", ("*.py",))
    return files


def man_files() -> list[str]:
    """English man pages in sections 1, 5 and 8 (the localised trees are skipped)."""
    files = []
    for section in ("man1", "man5", "man8"):
        root = f"/usr/share/man/{section}"
        if os.path.isdir(root):
            files += [os.path.join(root, n) for n in sorted(os.listdir(root))]
    # Every third page: ~6000 pages are plenty and rendering all ~19000 would take minutes.
    return [f for f in files if not os.path.islink(f)][::3]


# Packages some machines of this kind carry from vendors' own apt repositories, not Debian main:
# their docs are left out so the corpus holds only Debian-licensed text.
NOT_FROM_DEBIAN = ("google-cloud-cli", "kubectl")


def doc_readme_files() -> list[str]:
    """README / *.txt / *.md files of installed packages, not the curated doc packages."""
    curated = {"python3.11", "python3.11-doc", "debian-handbook", "debian-reference-en",
               "git-doc", "perl-doc", "perl", "jargon-text", "gnu-standards", "bible-kjv-text"}
    out = []
    root = "/usr/share/doc"
    for pkg in sorted(os.listdir(root)):
        if pkg in curated or pkg.startswith(NOT_FROM_DEBIAN) or os.path.islink(f"{root}/{pkg}") \
                or not os.path.isdir(f"{root}/{pkg}"):
            continue  # symlinked dirs alias another package's docs (python3.11-dev -> python3.11)
        for path in walk(f"{root}/{pkg}", ("README*", "*.txt", "*.txt.gz", "*.md", "*.md.gz",
                                           "*.rst", "*.rst.gz", "FAQ*", "NEWS.gz", "NEWS")):
            if not re.search(r"changelog|copyright|\.html", os.path.basename(path)):
                out.append(path)
    return out


SOURCES: list[Source] = [
    Source("python-stdlib", "code", "libpython3.11-stdlib", "PSF-2.0 (Python Software Foundation License)",
           "Python 3.11 standard library source (*.py)",
           lambda: walk(STDLIB, ("*.py",), ("site-packages", "dist-packages", "config-3.11-x86_64-linux-gnu")),
           under(*STDLIB_HELDOUT), weight=2.5),
    Source("python-dist-packages", "code", "python3-* (numpy, torch, sympy, ...)",
           "each package's own free licence (BSD-3-Clause for numpy/torch/sympy/mpmath/pygments, "
           "MIT for setuptools/attr/yaml/pip/urllib3, MPL-2.0 for hypothesis, Apache-2.0 for "
           "requests/onnx/cryptography; see /usr/share/doc/python3-*/copyright)",
           f"Python source of Debian python3 packages under {DIST}: " + ", ".join(DIST_PACKAGES)
           + "; `requests` is held out whole",
           dist_files, under(f"{DIST}/requests/"), train_cap_bytes=24_000_000, weight=2.5),
    Source("python-docs", "prose", "python3.11-doc", "PSF-2.0 (documentation licence of Python)",
           "Python 3.11 documentation sources (reStructuredText); howto/ is held out whole",
           lambda: walk(PYDOC, ("*.rst.txt",)), under(f"{PYDOC}/howto/")),
    Source("debian-handbook", "prose", "debian-handbook", "GPL-2.0+ or CC-BY-SA-3.0",
           "The Debian Administrator's Handbook (en-US HTML rendered to text); foreword, "
           "conclusion and case-study chapters held out",
           lambda: walk(HANDBOOK, ("*.html",), ("Common_Content",)),
           under(*(f"{HANDBOOK}/{n}" for n in ("foreword.html", "conclusion.html", "case-study.html"))),
           reader="html", weight=2.0),
    Source("debian-reference", "prose", "debian-reference-en", "GPL-2.0+",
           "Debian Reference (English HTML rendered to text); appendix held out",
           lambda: walk(DEBREF, ("*.en.html",)), under(f"{DEBREF}/apa.en.html"), reader="html",
           weight=2.0),
    Source("perl-pod", "prose", "perl-doc", "GPL-1+ or Artistic",
           "Perl documentation (POD: perlfaq, tutorials, deltas); perlfaq1-3 held out",
           lambda: walk(PERLPOD, ("*.pod",)),
           under(*(f"{PERLPOD}/perlfaq{i}.pod" for i in (1, 2, 3))), weight=0.7),
    Source("git-doc", "prose", "git-doc", "GPL-2.0",
           "Git documentation (AsciiDoc sources *.txt)",
           lambda: walk(GITDOC, ("*.txt",)), never, weight=0.7),
    Source("jargon-file", "prose", "jargon-text", "Public domain",
           "The Jargon File 4.4.7 (plain text)",
           lambda: ["/usr/share/doc/jargon-text/jargon.txt.gz"], never, weight=2.0),
    Source("gnu-standards", "prose", "gnu-standards",
           "GFDL-1.3+ with no invariant sections (Debian main)",
           "GNU Coding Standards and Information for Maintainers of GNU Software (text)",
           lambda: ["/usr/share/doc/gnu-standards/standards.text.gz",
                    "/usr/share/doc/gnu-standards/maintain.text.gz"],
           under("/usr/share/doc/gnu-standards/maintain")),
    Source("fortunes", "prose", "fortunes, fortunes-min", "BSD-4-Clause (UC Berkeley) and "
           "per-file notes in /usr/share/doc/fortunes/copyright",
           "fortune(6) cookie files: quotations, jokes, literature; `literature` and "
           "`humorists` held out whole",
           lambda: [f for f in walk(FORTUNES, ("*",)) if "." not in os.path.basename(f)],
           under(f"{FORTUNES}/literature", f"{FORTUNES}/humorists"), reader="fortune", weight=3.0),
    Source("man-pages", "prose", "(the package that ships each page)",
           "the shipping package's free licence (Debian main; see /usr/share/doc/PKG/copyright)",
           "Man pages of sections 1, 5, 8 (every third file by name) rendered to text with groff -Tutf8",
           man_files, never, reader="man", train_cap_bytes=12_000_000, weight=0.5),
    Source("package-docs", "prose", "(the package that ships each file)",
           "the shipping package's free licence (Debian main; see /usr/share/doc/PKG/copyright)",
           "README, FAQ, NEWS, *.txt and *.md files under /usr/share/doc",
           doc_readme_files, never, train_cap_bytes=8_000_000, weight=0.5),
    # Kinds of text that training never sees: only evaluated.
    Source("unseen-c", "code", "libc6-dev", "LGPL-2.1+ (GNU C Library)",
           "C header files (a programming language absent from training); evaluation only",
           lambda: ["/usr/include/stdlib.h", "/usr/include/stdio.h"], lambda _p: True),
    Source("unseen-design-prose", "prose", "(this project)", "the project's own text",
           "Markov Lens DESIGN.md (ordinary technical English written after every source); "
           "evaluation only",
           lambda: [p for p in ["/work/shared/DESIGN.md"] if os.path.exists(p)], lambda _p: True),
]


def open_text(path: str) -> str:
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    return raw.decode("utf-8")


def iter_sources() -> Iterator[Source]:
    yield from SOURCES


def package_of_paths(paths: set[str]) -> dict[str, str]:
    """Debian package that installed each path (from dpkg's file lists)."""
    owner: dict[str, str] = {}
    info = "/var/lib/dpkg/info"
    for name in sorted(os.listdir(info)):
        if not name.endswith(".list"):
            continue
        package = name[:-len(".list")].split(":")[0]
        with open(os.path.join(info, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                path = line.rstrip("\n")
                if path in paths:
                    owner[path] = package
    return owner


def licences_of_package(package: str) -> str:
    """The distinct `License:` short names of a package's machine-readable copyright file."""
    path = f"/usr/share/doc/{package}/copyright"
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            names = [line.split(":", 1)[1].strip() for line in f
                     if line.startswith("License:") and line.split(":", 1)[1].strip()]
    except OSError:
        return "(no copyright file)"
    unique = list(dict.fromkeys(names))
    if not unique:
        return f"free-form, see {path}"
    return ", ".join(unique[:4]) + (f" (+{len(unique) - 4} more)" if len(unique) > 4 else "")
