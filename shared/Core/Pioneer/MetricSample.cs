using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Pioneer;

/// <summary>One sample of a resource's usage: partition <c>{resource id}|{yyyyMMdd}</c>, row the sample time's ticks (D19),
/// so a day of one resource is one partition and a range read is one partition scan per day.</summary>
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

    /// <summary>True on an hourly average the retention sweep made from raw samples (its time is the hour's start).</summary>
    public bool? Rollup { get; set; }

    /// <summary>How many raw samples an hourly average stands for (null: one raw sample).</summary>
    public int? SampleCount { get; set; }

    /// <summary>Table keys may not hold '/', '\', '#' or '?': those are escaped.</summary>
    public static string Partition(string resourceId, DateTimeOffset day) =>
        resourceId.Replace("%", "%25").Replace("/", "%2F").Replace("\\", "%5C").Replace("#", "%23").Replace("?", "%3F")
        + "|" + day.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    public static string Row(DateTimeOffset at) => at.UtcTicks.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);
}
