"""Print the dependency graph between Safiri's areas and every cycle in it (`make deps`).

Why a script and not only import-linter: the contracts say pass or fail, while a person
changing the layering wants to see the picture, which area imports which and where a
cycle closes. An area is a package's first two name parts (``app.booking``,
``channels.sms``, ``tickets.codec``); ``app`` alone is the factory (``app/__init__.py``).
Static analysis with grimp (installed with import-linter): nothing is imported or run.
Run from the repository root: ``python scripts/deps_graph.py`` (or ``make deps``).
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import grimp

PACKAGES = ("app", "channels", "tickets")


def area(module: str) -> str:
    """The area a module belongs to: its first two name parts."""
    return ".".join(module.split(".")[:2])


def area_graph(graph) -> dict[str, dict[str, list[str]]]:
    """area -> imported area -> a few example module imports (importer -> imported)."""
    edges: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            a, b = area(importer), area(imported)
            if a != b and b.split(".")[0] in PACKAGES:
                edges[a][b].append(f"{importer} -> {imported}")
    return edges


def strongly_connected(nodes, edges) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one area (the cycles)."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def main() -> int:
    """Print areas, their imports, two-way imports and cycles; exit 0 (a report, not a gate)."""
    sys.path.insert(0, str(Path.cwd()))
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)  # a stale cache misses moved packages
    edges = area_graph(graph)
    nodes = {area(m) for m in graph.modules}
    print("# Area dependency graph (area -> areas it imports; number of module imports)")
    for a in sorted(nodes):
        targets = edges.get(a, {})
        listed = ", ".join(f"{b} ({len(targets[b])})" for b in sorted(targets)) or "-"
        print(f"{a} -> {listed}")
    print()
    print("# Two-way imports (each side's first module import)")
    pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, {})})
    for a, b in pairs:
        print(f"{a} <-> {b}: {edges[a][b][0]} | {edges[b][a][0]}")
    if not pairs:
        print("none")
    print()
    print("# Cycles (strongly connected groups of areas)")
    cycles = strongly_connected(nodes, edges)
    for group in cycles:
        print(" <-> ".join(group))
    if not cycles:
        print("none")
    print()
    print(f"{len(nodes)} areas, {sum(len(t) for t in edges.values())} area imports, "
          f"{len(pairs)} two-way, {len(cycles)} cycle group(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
