using SkiaSharp;

namespace Fleet.Core.Kubilitics.Topology.Export;

/// <summary>
/// The drawing rendered with SkiaSharp and encoded as PNG. Drawings wider or taller than <see cref="MaxSide"/>
/// pixels are scaled down to fit (a 2,000-object graph is several thousand pixels across).
/// </summary>
public static class PngExporter
{
    public const int MaxSide = 4096;

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

        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var small = new SKFont(typeface, 9);
        using var kindFont = new SKFont(typeface, 10);
        using var nameFont = new SKFont(typeface, 12);
        using var line = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f };
        using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        using var text = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        var colours = new Dictionary<string, SKColor>(StringComparer.Ordinal);
        SKColor C(string hex) => colours.TryGetValue(hex, out var c) ? c : colours[hex] = SKColor.Parse(hex);

        foreach (var a in d.Arrows)
        {
            line.Color = C(a.Colour);
            canvas.DrawLine((float)a.X1, (float)a.Y1, (float)a.X2, (float)a.Y2, line);
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
            line.StrokeWidth = 1.5f;
            canvas.DrawRoundRect(rect, 6, 6, line);
            line.StrokeWidth = 1.2f;
            text.Color = C(b.Stroke);
            canvas.DrawText(b.Kind, (float)b.X + 10, (float)b.Y + 20, SKTextAlign.Left, kindFont, text);
            text.Color = C(TopologyDrawing.TextColour);
            canvas.DrawText(TopologyDrawing.Fit(b.Name, b.W - 20), (float)b.X + 10, (float)b.Y + 40, SKTextAlign.Left, nameFont, text);
        }
        canvas.Flush();
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

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
