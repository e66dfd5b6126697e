/**
 * The nodes of a lock file's dependency graph that only development needs:
 * reachable from a development root and from no production root. A node
 * reachable from neither stays a production node, so a graph the lock
 * describes only in part errs towards reporting more.
 */
export function devOnlyNodes<Node>(
  prodRoots: Iterable<Node>,
  devRoots: Iterable<Node>,
  edges: (node: Node) => Iterable<Node>,
): Set<Node> {
  const prod = reachable(prodRoots, edges);
  const dev = reachable(devRoots, edges);
  for (const node of prod) dev.delete(node);
  return dev;
}

/** Every node reachable from the roots; each visited once, no recursion. */
function reachable<Node>(
  roots: Iterable<Node>,
  edges: (node: Node) => Iterable<Node>,
): Set<Node> {
  const seen = new Set<Node>();
  const queue = [...roots];
  for (let node = queue.pop(); node !== undefined; node = queue.pop()) {
    if (seen.has(node)) continue;
    seen.add(node);
    for (const next of edges(node)) {
      if (!seen.has(next)) queue.push(next);
    }
  }
  return seen;
}
