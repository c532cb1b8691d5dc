using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Homei;

/// <summary>The depends_on graph of all services: start order, unknown names and cycles.</summary>
public sealed class DependencyGraph
{
    private readonly Dictionary<string, ServiceDefinition> _services;

    public DependencyGraph(IEnumerable<ServiceDefinition> services) =>
        _services = services.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>Rejects (400) a definition whose dependencies are unknown or would close a cycle.</summary>
    public void Check(ServiceDefinition candidate)
    {
        var all = new Dictionary<string, ServiceDefinition>(_services) { [candidate.Name] = candidate };
        for (var i = 0; i < candidate.DependsOn.Count; i++)
            if (!all.ContainsKey(candidate.DependsOn[i]))
                throw FleetException.Validation($"depends_on[{i}]", $"Service '{candidate.DependsOn[i]}' does not exist");
        var cycle = FindCycle(all, candidate.Name);
        if (cycle is not null)
            throw FleetException.Validation("depends_on", $"Dependency cycle: {string.Join(" -> ", cycle)}");
    }

    /// <summary>The services to start for <paramref name="name"/>, dependencies first, <paramref name="name"/> last.</summary>
    public List<ServiceDefinition> StartOrder(string name)
    {
        var order = new List<ServiceDefinition>();
        var seen = new HashSet<string>();
        void Visit(string n)
        {
            if (!seen.Add(n) || !_services.TryGetValue(n, out var s)) return;
            foreach (var d in s.DependsOn) Visit(d);
            order.Add(s);
        }
        Visit(name);
        return order;
    }

    private static List<string>? FindCycle(Dictionary<string, ServiceDefinition> all, string start)
    {
        var path = new List<string>();
        var onPath = new HashSet<string>();
        var done = new HashSet<string>();
        List<string>? Walk(string n)
        {
            if (onPath.Contains(n)) return [.. path.SkipWhile(p => p != n), n];
            if (!done.Add(n) || !all.TryGetValue(n, out var s)) return null;
            path.Add(n);
            onPath.Add(n);
            foreach (var d in s.DependsOn)
                if (Walk(d) is { } c) return c;
            path.RemoveAt(path.Count - 1);
            onPath.Remove(n);
            return null;
        }
        return Walk(start);
    }
}
