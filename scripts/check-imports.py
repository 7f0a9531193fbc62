#!/usr/bin/env python3
"""Checks that the crate's imports form no circle, neither between two source files nor between two top-level
modules, and that no import runs up the layers of docs/architecture.md (LAYERS below: a module imports from its
own layer or the ones beneath it). A module's own `mod child;` and `pub use child::…` are the parent owning its
children, not an import. Test modules (`#[cfg(test)] mod tests` to the end of a file) are left out. Prints each
circle and each arrow up; exit 1 if there is one.

    python3 scripts/check-imports.py [--graph]
"""
import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# The layers of docs/architecture.md, bottom first. Every top-level module must be placed.
LAYERS = [
    ("foundations", {"money", "secret", "state", "qr", "staff", "logging", "toml_errors", "i18n", "service", "simulator", "printer", "metrics", "tax"}),
    ("shop data", {"catalog", "order", "journal"}),
    ("gateway and configuration", {"wooshpay", "catalog_feed", "config"}),
    ("payments", {"checkout", "refund"}),
    ("the kiosk's rules", {"kiosk"}),
    ("devices and screens", {"hw", "ui", "demo"}),
    ("commands", {"cli", ""}),
]
LAYER = {module: index for index, (_, modules) in enumerate(LAYERS) for module in modules}


def module_of(path):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


FILES = {module_of(p): p for p in SRC.rglob("*.rs")}


def expand(tree):
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = tree.strip()
    if "{" not in tree:
        return [tree]
    head, rest = tree.split("{", 1)
    body, depth, parts, current = rest[: rest.rindex("}")], 0, [], ""
    for ch in body:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [head + p for part in parts if part.strip() for p in expand(part)]


def code_of(path):
    text = path.read_text()
    text = re.split(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)[0]
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def targets(module, code):
    children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod (\w+);", code, re.M))
    paths = []
    for tree in re.findall(r"\buse\s+([^;]+);", code, re.S):
        paths += expand(tree)
    paths += re.findall(r"\b(?:crate|super)(?:::\w+)+", code)
    for path in paths:
        segments = [s.strip() for s in re.split(r"::", path.split(" as ")[0]) if s.strip()]
        if not segments:
            continue
        if segments[0] == "crate":
            base, segments = [], segments[1:]
        elif segments[0] in ("super", "self"):
            base = list(module)
            while segments and segments[0] in ("super", "self"):
                if segments.pop(0) == "super":
                    base = base[:-1]
        elif segments[0] in children:
            base = list(module)
        else:
            continue  # another crate
        full = base + segments
        for end in range(len(full), -1, -1):
            target = tuple(full[:end])
            if target in FILES:
                if target != module and target[: len(module)] != module:
                    yield target  # a parent's `use child::…` owns the child; not an import
                break


def circles(graph):
    found, index, low, stack, on, counter = [], {}, {}, [], set(), [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


files = {m: set(targets(m, code_of(p))) for m, p in FILES.items()}
rooms = {}
for m, ts in files.items():
    for t in ts:
        if m[:1] != t[:1] and m and t:
            rooms.setdefault(m[:1], set()).add(t[:1])
name = lambda m: "::".join(("crate",) + m)
if "--graph" in sys.argv:
    for m in sorted(files):
        print(f"{name(m)} -> {', '.join(name(t) for t in sorted(files[m])) or '-'}")
bad = 0
for kind, graph in (("files", files), ("top-level modules", rooms)):
    for circle in circles(graph):
        bad += 1
        print(f"circle between {kind}: {' <-> '.join(name(m) for m in circle)}")
up = 0
for m in sorted(files):
    top = m[0] if m else ""
    if top not in LAYER:
        up += 1
        print(f"{name(m)}: src/{top} is in no layer of LAYERS (and of docs/architecture.md)")
        continue
    for t in sorted(files[m]):
        target = t[0] if t else ""
        if LAYER.get(target, len(LAYERS)) > LAYER[top]:
            up += 1
            print(f"arrow up the layers: {name(m)} ({LAYERS[LAYER[top]][0]}) -> {name(t)} "
                  f"({LAYERS[LAYER[target]][0] if target in LAYER else 'no layer'})")
print(f"{len(files)} files, {sum(map(len, files.values()))} imports between them, {bad} circles, {up} arrows up")
sys.exit(1 if bad or up else 0)
