namespace Fleet.Core.Pioneer;

/// <summary>Prices of one sheet (configuration <c>Pioneer:Prices</c>); any left unset in an override falls back to the default.</summary>
public sealed class Prices
{
    public double? VcpuHour { get; set; }
    public double? MemoryGibHour { get; set; }
    public double? DiskGibMonth { get; set; }
    public double? EdgeDeviceMonth { get; set; }
}

/// <summary>An override for resources carrying a tag (<c>Tag</c> is <c>key=value</c>); the first matching override wins.</summary>
public sealed class PriceOverride
{
    public string Tag { get; set; } = "";
    public Prices Prices { get; set; } = new();
}

/// <summary>
/// Cost as OpenCost computes it: each resource is charged on the larger of what it requested and what it used,
/// per vCPU-hour and GiB-hour of memory, plus GiB-month of disk and a flat monthly price per edge device.
/// Monthly estimates are 730 hours.
/// </summary>
public static class PriceSheet
{
    public const double HoursPerMonth = 730;
    private const double Gib = 1024d * 1024 * 1024;

    public static ResourceCost Cost(ResourceFacts f, PioneerOptions o)
    {
        var p = Effective(f.Tags, o);
        var cores = Math.Max(f.RequestedCores ?? 0, f.UsedCores ?? 0);
        var memGib = Math.Max(f.RequestedMemoryBytes ?? 0, f.UsedMemoryBytes ?? 0) / Gib;
        var diskGib = (f.DiskBytes ?? 0) / Gib;
        var hourly = cores * (p.VcpuHour ?? 0) + memGib * (p.MemoryGibHour ?? 0)
                     + (diskGib * (p.DiskGibMonth ?? 0) + (f.EdgeDevice ? p.EdgeDeviceMonth ?? 0 : 0)) / HoursPerMonth;
        return new ResourceCost(Math.Round(hourly, 6), Math.Round(hourly * HoursPerMonth, 2));
    }

    private static Prices Effective(IReadOnlyDictionary<string, string> tags, PioneerOptions o)
    {
        var match = o.PriceOverrides.FirstOrDefault(x =>
            x.Tag.Split('=', 2) is [var k, var v] && tags.TryGetValue(k, out var actual) && actual == v);
        if (match is null) return o.Prices;
        return new Prices
        {
            VcpuHour = match.Prices.VcpuHour ?? o.Prices.VcpuHour,
            MemoryGibHour = match.Prices.MemoryGibHour ?? o.Prices.MemoryGibHour,
            DiskGibMonth = match.Prices.DiskGibMonth ?? o.Prices.DiskGibMonth,
            EdgeDeviceMonth = match.Prices.EdgeDeviceMonth ?? o.Prices.EdgeDeviceMonth,
        };
    }
}
