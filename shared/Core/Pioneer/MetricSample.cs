using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Pioneer;

/// <summary>One sample of a resource's usage: partition <c>{resource id}|{yyyyMMdd}</c>, row the sample time's ticks (D19),
/// so a day of one resource is one partition and a range read is one partition scan per day. The same shape holds an
/// hourly rollup (table <c>pioneerMetricsHourly</c>, partition <c>{resource id}|{yyyyMM}</c>, row the hour's start).</summary>
public sealed class MetricSample : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string ResourceId { get; set; } = "";
    public DateTimeOffset SampledAt { get; set; }
    public double? CpuUsage { get; set; }
    public double? MemoryUsage { get; set; }
    public double? DiskUsage { get; set; }

    /// <summary>True on an hourly average (its time is the hour's start).</summary>
    public bool? Rollup { get; set; }

    /// <summary>How many raw samples an hourly average stands for (null: one raw sample).</summary>
    public int? SampleCount { get; set; }

    /// <summary>How many of those samples had each metric (an average of a metric weighs by its own count).</summary>
    public int? CpuCount { get; set; }
    public int? MemoryCount { get; set; }
    public int? DiskCount { get; set; }

    /// <summary>True on an hourly average whose raw samples the retention sweep has deleted: later samples of the hour are added to it.</summary>
    public bool? Sealed { get; set; }

    /// <summary>Table keys may not hold '/', '\', '#' or '?': those are escaped.</summary>
    public static string Partition(string resourceId, DateTimeOffset day) =>
        Escape(resourceId) + "|" + day.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The hourly rollups' partition: one resource's month.</summary>
    public static string HourlyPartition(string resourceId, DateTimeOffset month) =>
        Escape(resourceId) + "|" + month.UtcDateTime.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture);

    private static string Escape(string id) =>
        id.Replace("%", "%25").Replace("/", "%2F").Replace("\\", "%5C").Replace("#", "%23").Replace("?", "%3F");

    public static DateTimeOffset Hour(DateTimeOffset t) => new(t.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);

    public static string Row(DateTimeOffset at) => at.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
