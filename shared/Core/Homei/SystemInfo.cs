using System.Globalization;
using System.Runtime.InteropServices;

namespace Fleet.Core.Homei;

public sealed record MemoryInfo(long Total, long Available, double Percent);
public sealed record DiskInfo(long Total, long Used, long Free, double Percent);
public sealed record SystemInfo(string Hostname, string Platform, string Architecture, int CpuCount, MemoryInfo Memory,
    DiskInfo Disk, long Uptime, double[] LoadAverage);

/// <summary>The host's figures from /proc and the root filesystem, as the seed's "System Information" shows them.</summary>
public static class SystemInfoReader
{
    public static SystemInfo Read(string procRoot = "/proc", string diskPath = "/")
    {
        var mem = ReadMeminfo(Path.Combine(procRoot, "meminfo"));
        var total = mem.GetValueOrDefault("MemTotal");
        var available = mem.GetValueOrDefault("MemAvailable", mem.GetValueOrDefault("MemFree"));
        var drive = new DriveInfo(diskPath);
        var used = drive.TotalSize - drive.TotalFreeSpace;
        return new SystemInfo(
            Environment.MachineName,
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux" : RuntimeInformation.OSDescription.ToLowerInvariant(),
            RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "x86_64",
                Architecture.Arm64 => "aarch64",
                Architecture.Arm => "armv7l",
                Architecture.X86 => "i686",
                var a => a.ToString().ToLowerInvariant(),
            },
            Environment.ProcessorCount,
            new MemoryInfo(total, available, total > 0 ? Math.Round((total - available) * 100.0 / total, 1) : 0),
            new DiskInfo(drive.TotalSize, used, drive.AvailableFreeSpace,
                drive.TotalSize > 0 ? Math.Round(used * 100.0 / drive.TotalSize, 1) : 0),
            (long)double.Parse(First(Path.Combine(procRoot, "uptime")), CultureInfo.InvariantCulture),
            File.ReadAllText(Path.Combine(procRoot, "loadavg")).Split(' ').Take(3)
                .Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>/proc/meminfo values in bytes (the file says kB).</summary>
    private static Dictionary<string, long> ReadMeminfo(string path) =>
        File.ReadLines(path).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => long.Parse(p[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);

    private static string First(string path) => File.ReadAllText(path).Split(' ')[0];
}
