using QuikGraph;
using QuikGraph.Algorithms;
using QuikGraph.Algorithms.Search;

namespace Fleet.Core.Kubilitics.Topology;

/// <summary>
/// A Sugiyama-style layered layout: cycles broken by reversing the back edges of a depth-first search,
/// layers by longest path over a topological order (QuikGraph), crossings reduced by barycentre sweeps,
/// then rows of at most <c>RowWidth</c> nodes so large layers wrap into a roughly square drawing. Every step
/// is a function of the sorted input alone (no randomness, no hash order), so equal graphs get equal
/// coordinates. Cost: O((V + E) · sweeps + V log V).
/// </summary>
public static class LayeredLayout
{
    public const double NodeWidth = 180;
    public const double NodeHeight = 56;
    public const double GapX = 40;
    public const double RowGap = 28;
    public const double LayerGap = 84;
    public const double Margin = 40;
    private const int Sweeps = 4;

    public sealed record Result(Dictionary<string, (double X, double Y)> Positions, double Width, double Height);

    public static Result Compute(IReadOnlyList<TopologyNode> nodes, IReadOnlyList<TopologyEdge> edges)
    {
        var graph = new BidirectionalGraph<string, SEquatableEdge<string>>(allowParallelEdges: false);
        foreach (var n in nodes) graph.AddVertex(n.Id);
        foreach (var e in edges)
            if (e.Source != e.Target && graph.ContainsVertex(e.Source) && graph.ContainsVertex(e.Target))
                graph.AddEdge(new SEquatableEdge<string>(e.Source, e.Target));

        // 1. Break cycles: edges the DFS finds pointing back up its tree are reversed.
        var back = new HashSet<SEquatableEdge<string>>();
        var dfs = new DepthFirstSearchAlgorithm<string, SEquatableEdge<string>>(graph);
        dfs.BackEdge += e => back.Add(e);
        dfs.Compute();
        var dag = new BidirectionalGraph<string, SEquatableEdge<string>>(allowParallelEdges: false);
        foreach (var n in nodes) dag.AddVertex(n.Id);
        foreach (var e in graph.Edges)
        {
            var d = back.Contains(e) ? new SEquatableEdge<string>(e.Target, e.Source) : e;
            if (!dag.ContainsEdge(d)) dag.AddEdge(d);
        }

        // 2. Layers: the longest path from a source.
        var layer = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in dag.TopologicalSort())
            layer[v] = dag.InEdges(v).Select(e => layer[e.Source] + 1).DefaultIfEmpty(0).Max();
        var layerCount = layer.Count == 0 ? 0 : layer.Values.Max() + 1;
        var layers = Enumerable.Range(0, layerCount).Select(_ => new List<string>()).ToList();
        foreach (var n in nodes) layers[layer[n.Id]].Add(n.Id); // input order: kind, namespace, name

        // 3. Crossing reduction: barycentres of the neighbours in the layers above (down) or below (up).
        var pos = new Dictionary<string, double>(StringComparer.Ordinal);
        void Number(List<string> l) { for (var i = 0; i < l.Count; i++) pos[l[i]] = l.Count == 1 ? 0.5 : (double)i / (l.Count - 1); }
        layers.ForEach(Number);
        for (var sweep = 0; sweep < Sweeps; sweep++)
        {
            var down = sweep % 2 == 0;
            var order = down ? Enumerable.Range(1, Math.Max(0, layerCount - 1)) : Enumerable.Range(0, Math.Max(0, layerCount - 1)).Reverse();
            foreach (var li in order)
            {
                var l = layers[li];
                var keys = new Dictionary<string, double>(l.Count, StringComparer.Ordinal);
                foreach (var v in l)
                {
                    var neighbours = down ? dag.InEdges(v).Select(e => e.Source) : dag.OutEdges(v).Select(e => e.Target);
                    double sum = 0; var count = 0;
                    foreach (var u in neighbours) { sum += pos[u]; count++; }
                    keys[v] = count == 0 ? pos[v] : sum / count;
                }
                var sorted = l.Select((v, i) => (v, i)).OrderBy(t => keys[t.v]).ThenBy(t => t.i).Select(t => t.v).ToList();
                layers[li] = sorted;
                Number(sorted);
            }
        }

        // 4. Coordinates: each layer in rows of at most RowWidth nodes, rows centred.
        var rowWidth = Math.Max(6, (int)Math.Ceiling(Math.Sqrt(nodes.Count * 0.62)));
        var widest = Math.Min(rowWidth, layers.Select(l => l.Count).DefaultIfEmpty(0).Max());
        var contentWidth = widest * NodeWidth + Math.Max(0, widest - 1) * GapX;
        var positions = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        var y = Margin;
        foreach (var l in layers)
        {
            for (var start = 0; start < l.Count; start += rowWidth)
            {
                var count = Math.Min(rowWidth, l.Count - start);
                var width = count * NodeWidth + (count - 1) * GapX;
                var x0 = Margin + Math.Floor((contentWidth - width) / 2);
                for (var i = 0; i < count; i++) positions[l[start + i]] = (x0 + i * (NodeWidth + GapX), y);
                y += NodeHeight + RowGap;
            }
            y += LayerGap - RowGap;
        }
        var height = layerCount == 0 ? 2 * Margin : y - (LayerGap - RowGap) - RowGap + Margin;
        return new Result(positions, Math.Max(2 * Margin + NodeWidth, contentWidth + 2 * Margin), Math.Max(2 * Margin + NodeHeight, height));
    }
}
