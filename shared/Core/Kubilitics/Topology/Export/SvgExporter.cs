using System.Globalization;
using System.Text;
using System.Xml;

namespace Fleet.Core.Kubilitics.Topology.Export;

/// <summary>The drawing as SVG 1.1, written with an XmlWriter (well-formed, every text escaped).</summary>
public static class SvgExporter
{
    private const string Ns = "http://www.w3.org/2000/svg";

    public static byte[] Export(TopologyGraph g)
    {
        var d = TopologyDrawing.From(g);
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("svg", Ns);
            w.WriteAttributeString("version", "1.1");
            w.WriteAttributeString("width", N(d.Width));
            w.WriteAttributeString("height", N(d.Height));
            w.WriteAttributeString("viewBox", $"0 0 {N(d.Width)} {N(d.Height)}");
            w.WriteAttributeString("font-family", "DejaVu Sans, Arial, sans-serif");
            w.WriteStartElement("title", Ns);
            w.WriteString($"Topology of cluster {g.ClusterId}{(g.Namespace is null ? "" : ", namespace " + g.Namespace)}");
            w.WriteEndElement();
            w.WriteStartElement("defs", Ns);
            foreach (var colour in d.Arrows.Select(a => a.Colour).Distinct().Order(StringComparer.Ordinal))
            {
                w.WriteStartElement("marker", Ns);
                w.WriteAttributeString("id", "arrow-" + colour.TrimStart('#'));
                w.WriteAttributeString("viewBox", "0 0 10 10");
                w.WriteAttributeString("refX", "10");
                w.WriteAttributeString("refY", "5");
                w.WriteAttributeString("markerWidth", "7");
                w.WriteAttributeString("markerHeight", "7");
                w.WriteAttributeString("orient", "auto");
                w.WriteStartElement("path", Ns);
                w.WriteAttributeString("d", "M0,0 L10,5 L0,10 z");
                w.WriteAttributeString("fill", colour);
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement();
            Rect(w, 0, 0, d.Width, d.Height, TopologyDrawing.Background, null);

            w.WriteStartElement("g", Ns);
            w.WriteAttributeString("class", "edges");
            foreach (var a in d.Arrows)
            {
                w.WriteStartElement("g", Ns);
                w.WriteAttributeString("id", a.Id);
                w.WriteAttributeString("class", "edge");
                w.WriteAttributeString("data-source", a.Source);
                w.WriteAttributeString("data-target", a.Target);
                w.WriteStartElement("line", Ns);
                w.WriteAttributeString("x1", N(a.X1));
                w.WriteAttributeString("y1", N(a.Y1));
                w.WriteAttributeString("x2", N(a.X2));
                w.WriteAttributeString("y2", N(a.Y2));
                w.WriteAttributeString("stroke", a.Colour);
                w.WriteAttributeString("stroke-width", "1.2");
                w.WriteAttributeString("marker-end", $"url(#arrow-{a.Colour.TrimStart('#')})");
                w.WriteEndElement();
                Text(w, (a.X1 + a.X2) / 2, (a.Y1 + a.Y2) / 2 - 3, a.Label, 9, a.Colour, "middle");
                w.WriteEndElement();
            }
            w.WriteEndElement();

            w.WriteStartElement("g", Ns);
            w.WriteAttributeString("class", "nodes");
            foreach (var b in d.Boxes)
            {
                w.WriteStartElement("g", Ns);
                w.WriteAttributeString("id", b.Id);
                w.WriteAttributeString("class", "node");
                w.WriteAttributeString("data-kind", b.Kind);
                w.WriteAttributeString("data-status", b.Status);
                w.WriteStartElement("title", Ns);
                w.WriteString($"{b.Kind} {b.Name} ({b.Status})");
                w.WriteEndElement();
                Rect(w, b.X, b.Y, b.W, b.H, b.Fill, b.Stroke);
                Text(w, b.X + 10, b.Y + 20, b.Kind, 10, b.Stroke, "start");
                Text(w, b.X + 10, b.Y + 40, TopologyDrawing.Fit(b.Name, b.W - 20), 12, TopologyDrawing.TextColour, "start");
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return ms.ToArray();
    }

    private static void Rect(XmlWriter w, double x, double y, double width, double height, string fill, string? stroke)
    {
        w.WriteStartElement("rect", Ns);
        w.WriteAttributeString("x", N(x));
        w.WriteAttributeString("y", N(y));
        w.WriteAttributeString("width", N(width));
        w.WriteAttributeString("height", N(height));
        if (stroke is not null)
        {
            w.WriteAttributeString("rx", "6");
            w.WriteAttributeString("stroke", stroke);
            w.WriteAttributeString("stroke-width", "1.5");
        }
        w.WriteAttributeString("fill", fill);
        w.WriteEndElement();
    }

    private static void Text(XmlWriter w, double x, double y, string text, int size, string colour, string anchor)
    {
        w.WriteStartElement("text", Ns);
        w.WriteAttributeString("x", N(x));
        w.WriteAttributeString("y", N(y));
        w.WriteAttributeString("font-size", size.ToString(CultureInfo.InvariantCulture));
        w.WriteAttributeString("fill", colour);
        w.WriteAttributeString("text-anchor", anchor);
        w.WriteString(text);
        w.WriteEndElement();
    }

    public static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
