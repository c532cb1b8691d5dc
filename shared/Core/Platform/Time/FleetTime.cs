namespace Fleet.Core.Platform.Time;

/// <summary>Timestamps as the seeds write them: ISO 8601 UTC to the second with a Z.</summary>
public static class FleetTime
{
    public static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
    public static string? Format(DateTimeOffset? t) => t is null ? null : Format(t.Value);
}
