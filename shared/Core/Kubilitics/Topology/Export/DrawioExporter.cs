using System.Text;
using System.Xml;

namespace Fleet.Core.Kubilitics.Topology.Export;

/// <summary>
/// The drawing as a draw.io file: an uncompressed <c>&lt;mxfile&gt;&lt;diagram&gt;&lt;mxGraphModel&gt;</c> with the two
/// root cells, a vertex cell per node (geometry from the layout, colours from the drawing) and an edge cell per
/// edge (source and target cells), which draw.io opens as it is.
/// </summary>
public static class DrawioExporter
{
    public static byte[] Export(TopologyGraph g)
    {
        var d = TopologyDrawing.From(g);
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("mxfile");
            w.WriteAttributeString("host", "Fleet");
            w.WriteAttributeString("type", "device");
            w.WriteStartElement("diagram");
            w.WriteAttributeString("id", "topology");
            w.WriteAttributeString("name", g.Namespace is null ? "Topology" : $"Topology {g.Namespace}");
            w.WriteStartElement("mxGraphModel");
            foreach (var (k, v) in new[] { ("dx", "0"), ("dy", "0"), ("grid", "1"), ("gridSize", "10"), ("guides", "1"), ("tooltips", "1"), ("connect", "1"), ("arrows", "1"), ("fold", "1"), ("page", "0"), ("pageScale", "1"), ("pageWidth", SvgExporter.N(d.Width)), ("pageHeight", SvgExporter.N(d.Height)), ("math", "0"), ("shadow", "0") })
                w.WriteAttributeString(k, v);
            w.WriteStartElement("root");
            Cell(w, "0", null);
            w.WriteEndElement();
            Cell(w, "1", "0");
            w.WriteEndElement();
            foreach (var b in d.Boxes)
            {
                w.WriteStartElement("mxCell");
                w.WriteAttributeString("id", b.Id);
                w.WriteAttributeString("value", $"{b.Kind}\n{b.Name}");
                w.WriteAttributeString("tooltip", $"{b.Kind} {b.Name} ({b.Status})");
                w.WriteAttributeString("style", $"rounded=1;whiteSpace=wrap;html=0;fillColor={b.Fill};strokeColor={b.Stroke};fontSize=11;");
                w.WriteAttributeString("vertex", "1");
                w.WriteAttributeString("parent", "1");
                w.WriteStartElement("mxGeometry");
                w.WriteAttributeString("x", SvgExporter.N(b.X));
                w.WriteAttributeString("y", SvgExporter.N(b.Y));
                w.WriteAttributeString("width", SvgExporter.N(b.W));
                w.WriteAttributeString("height", SvgExporter.N(b.H));
                w.WriteAttributeString("as", "geometry");
                w.WriteEndElement();
                w.WriteEndElement();
            }
            foreach (var a in d.Arrows)
            {
                w.WriteStartElement("mxCell");
                w.WriteAttributeString("id", a.Id);
                w.WriteAttributeString("value", a.Label);
                w.WriteAttributeString("style", $"endArrow=classic;html=0;strokeColor={a.Colour};fontSize=9;");
                w.WriteAttributeString("edge", "1");
                w.WriteAttributeString("parent", "1");
                w.WriteAttributeString("source", a.Source);
                w.WriteAttributeString("target", a.Target);
                w.WriteStartElement("mxGeometry");
                w.WriteAttributeString("relative", "1");
                w.WriteAttributeString("as", "geometry");
                w.WriteEndElement();
                w.WriteEndElement();
            }
            w.WriteEndElement(); // root
            w.WriteEndElement(); // mxGraphModel
            w.WriteEndElement(); // diagram
            w.WriteEndElement(); // mxfile
            w.WriteEndDocument();
        }
        return ms.ToArray();
    }

    private static void Cell(XmlWriter w, string id, string? parent)
    {
        w.WriteStartElement("mxCell");
        w.WriteAttributeString("id", id);
        if (parent is not null) w.WriteAttributeString("parent", parent);
    }
}
