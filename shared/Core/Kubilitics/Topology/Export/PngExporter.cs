using SkiaSharp;

namespace Fleet.Core.Kubilitics.Topology.Export;

/// <summary>
/// The drawing rendered with SkiaSharp and encoded as PNG. Drawings wider or taller than <see cref="MaxSide"/>
/// pixels are scaled down to fit (a 2,000-object graph is several thousand pixels across).
/// </summary>
public static class PngExporter
{
    public const int MaxSide = 3072;

    /// <summary>Up to this many edges (at full scale) are drawn antialiased.</summary>
    public const int SmoothEdgeLimit = 1000;

    /// <summary>The pixel size of the PNG of a drawing of the given size.</summary>
    public static (int Width, int Height, float Scale) SizeOf(double width, double height)
    {
        var scale = (float)Math.Min(1.0, MaxSide / Math.Max(width, height));
        return ((int)Math.Ceiling(width * scale), (int)Math.Ceiling(height * scale), scale);
    }

    public static byte[] Export(TopologyGraph g)
    {
        var d = TopologyDrawing.From(g);
        var (pw, ph, scale) = SizeOf(d.Width, d.Height);
        using var surface = SKSurface.Create(new SKImageInfo(pw, ph, SKColorType.Rgba8888, SKAlphaType.Premul))
                            ?? throw new InvalidOperationException($"cannot allocate a {pw}x{ph} drawing surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColor.Parse(TopologyDrawing.Background));
        canvas.Scale(scale);

        var typeface = Typeface.Value;
        using var small = new SKFont(typeface, 9);
        using var kindFont = new SKFont(typeface, 10);
        using var nameFont = new SKFont(typeface, 12);
        using var line = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f };
        using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        using var text = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        var colours = new Dictionary<string, SKColor>(StringComparer.Ordinal);
        SKColor C(string hex) => colours.TryGetValue(hex, out var c) ? c : colours[hex] = SKColor.Parse(hex);

        var smooth = scale >= 1 && d.Arrows.Count <= SmoothEdgeLimit;
        // Edges: the lines of one colour in one call (thousands of separate long antialiased lines are the slow part).
        foreach (var group in d.Arrows.GroupBy(a => a.Colour).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            line.Color = C(group.Key);
            // Antialiased edges cost ~8x aliased ones in Skia's CPU raster: large drawings get crisp 1-pixel lines.
            line.IsAntialias = smooth;
            line.StrokeWidth = smooth ? 1.2f : 0;
            canvas.DrawPoints(SKPointMode.Lines, group.SelectMany(a => new[] { new SKPoint((float)a.X1, (float)a.Y1), new SKPoint((float)a.X2, (float)a.Y2) }).ToArray(), line);
        }
        foreach (var a in d.Arrows)
        {
            DrawHead(canvas, a, fill, C(a.Colour));
            text.Color = C(a.Colour);
            canvas.DrawText(a.Label, (float)((a.X1 + a.X2) / 2), (float)((a.Y1 + a.Y2) / 2 - 3), SKTextAlign.Center, small, text);
        }
        foreach (var b in d.Boxes)
        {
            var rect = SKRect.Create((float)b.X, (float)b.Y, (float)b.W, (float)b.H);
            fill.Color = C(b.Fill);
            canvas.DrawRoundRect(rect, 6, 6, fill);
            line.Color = C(b.Stroke);
            line.IsAntialias = true;
            line.StrokeWidth = 1.5f;
            canvas.DrawRoundRect(rect, 6, 6, line);
            text.Color = C(b.Stroke);
            canvas.DrawText(b.Kind, (float)b.X + 10, (float)b.Y + 20, SKTextAlign.Left, kindFont, text);
            text.Color = C(TopologyDrawing.TextColour);
            canvas.DrawText(TopologyDrawing.Fit(b.Name, b.W - 20), (float)b.X + 10, (float)b.Y + 40, SKTextAlign.Left, nameFont, text);
        }
        canvas.Flush();
        // Sub filter and zlib level 1: a topology is mostly flat colour, which compresses well at the fastest level.
        using var pixmap = surface.PeekPixels();
        using var data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 1))
                         ?? throw new InvalidOperationException("PNG encoding failed");
        return data.ToArray();
    }

    // Looking a family up goes through fontconfig: once per process, not once per export.
    private static readonly Lazy<SKTypeface> Typeface = new(() => SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default);

    private static void DrawHead(SKCanvas canvas, TopologyDrawing.Arrow a, SKPaint fill, SKColor colour)
    {
        var dx = a.X2 - a.X1;
        var dy = a.Y2 - a.Y1;
        var len = Math.Sqrt(dx * dx + dy * dy);
        if (len < 1) return;
        var (ux, uy) = (dx / len, dy / len);
        const double size = 7;
        using var path = new SKPath();
        path.MoveTo((float)a.X2, (float)a.Y2);
        path.LineTo((float)(a.X2 - ux * size - uy * size / 2), (float)(a.Y2 - uy * size + ux * size / 2));
        path.LineTo((float)(a.X2 - ux * size + uy * size / 2), (float)(a.Y2 - uy * size - ux * size / 2));
        path.Close();
        fill.Color = colour;
        canvas.DrawPath(path, fill);
    }
}
