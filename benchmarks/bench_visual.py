"""Pictures of graphs (issue #13): how long `tfgrad_jax.show` takes on a 2,000-op graph.

    python benchmarks/bench_visual.py           # the full run (about half a minute)
    python benchmarks/bench_visual.py --quick   # tiny sizes: only checks that it runs

The graph: a placeholder, then 20 name scopes of 100 ops each (Tanh, Neg), as
`tf.Graph` builds it. Process CPU time, best of N, igraph imported beforehand
(its first import, timed apart, is a one-time cost: with matplotlib installed,
igraph imports it).

1. The picture with `collapse="auto"` (20 scope boxes): against building the
   graph itself (the Python calls that make its 2,000 ops). Target: the
   picture costs at most as much as the graph (ratio <= 1.0).
2. The picture of every op (`collapse=None`: 2,001 nodes, SVG included):
   informational, no target: its time beside the graph's text form
   (`Graph.as_text()`, the plain-text fallback) and igraph's layout alone. The
   SVG of 2,000 nodes (1.5 MB) is what costs: measured 0.24 s, 8.5x the text
   form, the layout 0.014 s of it.
Informational: the layout alone with grandalf and networkx, the candidates
tried (see tfgrad_jax/visual.py), when they are installed.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import tfgrad_jax as tf  # noqa: E402
from tfgrad_jax import visual  # noqa: E402
from bench_core import print_results, report  # noqa: E402


def build(scopes, per_scope):
    g = tf.Graph()
    with g.as_default():
        h = tf.compat.v1.placeholder(tf.float32, [None, 4], name="x")
        for s in range(scopes):
            with tf.name_scope(f"block{s}"):
                for _ in range(per_scope // 2):
                    h = tf.negative(tf.tanh(h))
    return g


def best(fn, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        out = fn()
        times.append(time.process_time() - t0)
    return min(times), out


def edges_of(graph):
    index = {op.name: i for i, op in enumerate(graph.get_operations())}
    return len(index), sorted({(index[t.op.name], index[op.name])
                               for op in graph.get_operations() for t in op.inputs})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, checks it runs")
    args = parser.parse_args()
    scopes, per_scope, rounds = (4, 10, 2) if args.quick else (20, 100, 5)
    t0 = time.perf_counter()
    import igraph
    print(f"igraph {igraph.__version__}: first import {time.perf_counter() - t0:.2f} s (wall)")
    n_ops = 1 + scopes * per_scope
    print(f"[1] Picture of a {n_ops}-op graph, scopes collapsed (collapse='auto')")
    t_build, graph = best(lambda: build(scopes, per_scope), rounds)
    visual.AUTO_COLLAPSE_OPS = min(visual.AUTO_COLLAPSE_OPS, n_ops - 1)  # (--quick: tiny graph)
    t_show, picture = best(lambda: tf.show(graph), rounds)
    print(f"  build the graph {t_build:.3f} s, picture {t_show:.3f} s "
          f"({len(picture.node_names)} nodes, {len(picture.svg) / 1e3:.0f} kB of SVG)")
    ratio = t_show / t_build
    report(f"picture of {n_ops} ops, collapsed / building them", t_show, t_build, ratio,
           "<= 1.0", ratio <= 1.0, "s")

    print("[2] Picture of every op of the same graph (collapse=None)")
    t_full, picture = best(lambda: tf.show(graph, collapse=None), rounds)
    t_text, _ = best(graph.as_text, rounds)
    n, pairs = edges_of(graph)
    t_layout, _ = best(lambda: igraph.Graph(n=n, edges=pairs, directed=True).layout_sugiyama(
        layers=visual._layers(n, pairs)), rounds)
    print(f"  picture {t_full:.3f} s ({len(picture.node_names)} nodes, "
          f"{len(picture.svg) / 1e6:.1f} MB of SVG), Graph.as_text() {t_text:.3f} s, "
          f"igraph layout alone {t_layout:.3f} s")
    print(f"  -> picture / as_text {t_full / t_text:.1f} (informational)")

    for name in ("grandalf", "networkx"):
        try:
            __import__(name)
        except ImportError:
            print(f"  ({name} is not installed: not timed)")
            continue
        try:
            t, _ = best(lambda: _LAYOUTS[name](n, pairs), 1)
        except RecursionError:  # grandalf recurses once per op along a path
            print(f"  layout alone with {name}: RecursionError (a {n_ops}-op path)")
            continue
        print(f"  layout alone with {name}: {t:.2f} s (informational)")
    print()
    sys.exit(print_results(args.quick))


def _grandalf(n, pairs):
    from grandalf.graphs import Edge, Graph, Vertex
    from grandalf.layouts import SugiyamaLayout

    class View:
        w, h = 80, 36

    vs = [Vertex(i) for i in range(n)]
    for v in vs:
        v.view = View()
    g = Graph(vs, [Edge(vs[a], vs[b]) for a, b in pairs])
    for component in g.C:
        layout = SugiyamaLayout(component)
        layout.init_all()
        layout.draw(N=1)


def _networkx(n, pairs):
    import networkx as nx
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    for layer, members in enumerate(nx.topological_generations(g)):
        for v in members:
            g.nodes[v]["layer"] = layer
    nx.multipartite_layout(g, subset_key="layer", align="horizontal")


_LAYOUTS = {"grandalf": _grandalf, "networkx": _networkx}

if __name__ == "__main__":
    main()
