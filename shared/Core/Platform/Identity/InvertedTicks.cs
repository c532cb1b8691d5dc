namespace Fleet.Core.Platform.Identity;

/// <summary>Row keys that sort newest first, since Table storage only returns ascending key order.</summary>
public static class InvertedTicks
{
    public static string Of(DateTimeOffset t) => (DateTime.MaxValue.Ticks - t.UtcTicks).ToString("D19");

    public static DateTimeOffset Parse(string key) =>
        new(DateTime.MaxValue.Ticks - long.Parse(key.AsSpan(0, 19)), TimeSpan.Zero);
}
