namespace Fleet.Core.Kubilitics.Topology.Export;

/// <summary>
/// The picture of a graph that every visual export draws (SVG, PNG, draw.io): one box per node at the layout's
/// coordinates, filled by status and outlined by kind, with kind and name as labels; one arrow per edge
/// from the bottom of its source to the top of its target, with its label at the middle.
/// </summary>
public sealed record TopologyDrawing(double Width, double Height, IReadOnlyList<TopologyDrawing.Box> Boxes, IReadOnlyList<TopologyDrawing.Arrow> Arrows)
{
    public sealed record Box(string Id, double X, double Y, double W, double H, string Fill, string Stroke, string Kind, string Name, string Status);

    public sealed record Arrow(string Id, string Source, string Target, double X1, double Y1, double X2, double Y2, string Colour, string Label);

    public const string Background = "#ffffff";
    public const string TextColour = "#1f2933";

    public static TopologyDrawing From(TopologyGraph g)
    {
        const double w = LayeredLayout.NodeWidth, h = LayeredLayout.NodeHeight;
        var boxes = g.Nodes.Select(n => new Box(n.Id, n.X, n.Y, w, h, StatusFill(n.Status), KindStroke(n.Type), n.Type, n.Name, n.Status)).ToList();
        var at = boxes.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var arrows = new List<Arrow>(g.Edges.Count);
        foreach (var e in g.Edges)
        {
            if (!at.TryGetValue(e.Source, out var s) || !at.TryGetValue(e.Target, out var t)) continue;
            // Downwards from the bottom edge, upwards from the top edge, sideways within a row.
            var (y1, y2) = t.Y > s.Y ? (s.Y + h, t.Y) : t.Y < s.Y ? (s.Y, t.Y + h) : (s.Y + h / 2, t.Y + h / 2);
            var (x1, x2) = t.Y == s.Y ? (t.X > s.X ? (s.X + w, t.X) : (s.X, t.X + w)) : (s.X + w / 2, t.X + w / 2);
            arrows.Add(new Arrow(e.Id, e.Source, e.Target, x1, y1, x2, y2, EdgeColour(e.Type), e.Label));
        }
        return new TopologyDrawing(g.Meta.Width, g.Meta.Height, boxes, arrows);
    }

    public static string StatusFill(string status) => status switch
    {
        "Running" or "Ready" or "Active" or "Bound" or "Complete" or "Succeeded" or "Available" => "#c8e6c9",
        "Pending" or "Progressing" or "Degraded" or "Released" or "ScaledDown" or "Suspended" => "#fff3c4",
        "Failed" or "NotReady" or "Lost" or "CrashLoopBackOff" => "#ffcdd2",
        _ => "#e0e0e0",
    };

    public static string KindStroke(string kind) => kind switch
    {
        "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" or "CronJob" => "#1565c0",
        "Pod" => "#2e7d32",
        "Service" or "Ingress" or "NetworkPolicy" => "#6a1b9a",
        "ConfigMap" or "Secret" => "#ef6c00",
        "PersistentVolumeClaim" or "PersistentVolume" or "StorageClass" => "#5d4037",
        "ServiceAccount" or "Role" or "RoleBinding" or "ClusterRole" or "ClusterRoleBinding" => "#c62828",
        "Node" => "#37474f",
        _ => "#546e7a",
    };

    public static string EdgeColour(string type) => type switch
    {
        "owner" => "#1565c0",
        "selector" => "#6a1b9a",
        "volume" or "env" or "storage" or "tls" => "#ef6c00",
        "rbac" or "serviceaccount" => "#c62828",
        "scale" => "#00838f",
        _ => "#78909c",
    };

    /// <summary>A label cut to fit a box (about 6.5 px per character at 11 px).</summary>
    public static string Fit(string text, double width, double charWidth = 6.6)
    {
        var max = Math.Max(4, (int)(width / charWidth));
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }
}
