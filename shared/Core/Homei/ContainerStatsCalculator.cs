using Docker.DotNet.Models;

namespace Fleet.Core.Homei;

public sealed record MemoryUsage(ulong Usage, ulong Limit, double Percent);
public sealed record NetworkIo(ulong RxBytes, ulong TxBytes);
public sealed record BlockIo(ulong ReadBytes, ulong WriteBytes);
public sealed record ContainerStats(double CpuPercent, MemoryUsage MemoryUsage, NetworkIo NetworkIo, BlockIo BlockIo);

/// <summary>The figures <c>docker stats</c> shows, computed the way the docker CLI computes them.</summary>
public static class ContainerStatsCalculator
{
    public static ContainerStats Calculate(ContainerStatsResponse s)
    {
        return new ContainerStats(
            Math.Round(CpuPercent(s.PreCPUStats, s.CPUStats), 2),
            Memory(s.MemoryStats),
            new NetworkIo(
                s.Networks?.Values.Aggregate(0UL, (a, n) => a + n.RxBytes) ?? 0,
                s.Networks?.Values.Aggregate(0UL, (a, n) => a + n.TxBytes) ?? 0),
            new BlockIo(Blkio(s.BlkioStats, "read"), Blkio(s.BlkioStats, "write")));
    }

    /// <summary>Container CPU time over host CPU time between two samples, times the CPUs online.</summary>
    public static double CpuPercent(CPUStats? previous, CPUStats? current)
    {
        if (previous?.CPUUsage is null || current?.CPUUsage is null) return 0;
        var cpuDelta = (double)current.CPUUsage.TotalUsage - previous.CPUUsage.TotalUsage;
        var systemDelta = (double)current.SystemUsage - previous.SystemUsage;
        var online = current.OnlineCPUs > 0 ? current.OnlineCPUs : (uint)(current.CPUUsage.PercpuUsage?.Count ?? 0);
        if (online == 0) online = (uint)Environment.ProcessorCount;
        return systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0;
    }

    /// <summary>Usage minus page cache (cgroup v1 <c>total_inactive_file</c>, v2 <c>inactive_file</c>), as the CLI shows it.</summary>
    public static MemoryUsage Memory(MemoryStats? m)
    {
        if (m is null) return new MemoryUsage(0, 0, 0);
        var usage = m.Usage;
        var stats = m.Stats ?? new Dictionary<string, ulong>();
        if (stats.TryGetValue("total_inactive_file", out var v1) && v1 < usage) usage -= v1;
        else if (stats.TryGetValue("inactive_file", out var v2) && v2 < usage) usage -= v2;
        var percent = m.Limit > 0 ? Math.Round(usage * 100.0 / m.Limit, 2) : 0;
        return new MemoryUsage(usage, m.Limit, percent);
    }

    private static ulong Blkio(BlkioStats? b, string op) =>
        b?.IoServiceBytesRecursive?.Where(e => string.Equals(e.Op, op, StringComparison.OrdinalIgnoreCase))
            .Aggregate(0UL, (a, e) => a + e.Value) ?? 0;
}
