using System.Globalization;

namespace Fleet.Core.Pioneer;

public sealed record CpuMetrics(double UsagePercent, double[] LoadAverage);
public sealed record CapacityMetrics(long Total, long Used, long Free, double UsagePercent);
public sealed record SystemMetrics(CpuMetrics Cpu, CapacityMetrics Memory, CapacityMetrics Disk);

/// <summary>
/// CloudPioneer's <c>GET /system/metrics</c> from /proc and the filesystem of the host Fleet runs on.
/// CPU usage is the busy share of all jiffies between two reads of /proc/stat a short window apart.
/// Memory: free is MemAvailable (what a new process can get), used = total - free. Disk (the root
/// filesystem): free is the space available to Fleet, used = total - free. So used + free = total.
/// </summary>
public static class SystemMetricsReader
{
    public static async Task<SystemMetrics> ReadAsync(TimeSpan window, string procRoot = "/proc", string diskPath = "/", CancellationToken ct = default)
    {
        var statPath = Path.Combine(procRoot, "stat");
        var (busy0, total0) = ReadCpu(statPath);
        await Task.Delay(window, ct);
        var (busy1, total1) = ReadCpu(statPath);
        var dt = total1 - total0;
        var cpu = dt > 0 ? Math.Round(Math.Clamp((busy1 - busy0) * 100.0 / dt, 0, 100), 1) : 0;
        var load = File.ReadAllText(Path.Combine(procRoot, "loadavg")).Split(' ').Take(3)
            .Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();

        var mem = File.ReadLines(Path.Combine(procRoot, "meminfo")).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);
        var memTotal = mem.GetValueOrDefault("MemTotal");
        var memFree = Math.Min(memTotal, mem.GetValueOrDefault("MemAvailable", mem.GetValueOrDefault("MemFree")));

        var drive = new DriveInfo(diskPath);
        var diskTotal = drive.TotalSize;
        var diskFree = Math.Min(diskTotal, drive.AvailableFreeSpace);
        return new SystemMetrics(new CpuMetrics(cpu, load), Capacity(memTotal, memFree), Capacity(diskTotal, diskFree));
    }

    private static CapacityMetrics Capacity(long total, long free) =>
        new(total, total - free, free, total > 0 ? Math.Round((total - free) * 100.0 / total, 1) : 0);

    /// <summary>The aggregate "cpu" line: busy = all but idle and iowait; total = the sum of the first eight fields.</summary>
    internal static (long Busy, long Total) ReadCpu(string statPath)
    {
        var line = File.ReadLines(statPath).First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var total = f.Sum();
        var idle = f[3] + (f.Length > 4 ? f[4] : 0);
        return (total - idle, total);
    }
}
