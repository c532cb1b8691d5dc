namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// Event ids that are unique across hosts, ordered by time and exact in JavaScript (below 2^53 until 2039):
/// <c>milliseconds &lt;&lt; 12 | slot &lt;&lt; 6 | counter</c>. Ids from one host strictly increase (a full counter borrows the
/// next millisecond); ids from different hosts order by their clocks, which is what a client resuming with
/// <c>Last-Event-ID</c> on another host needs. Ids from the clock also mean a restarted host never reuses one.
/// </summary>
public sealed class EventIdGenerator(HostIdentity host, TimeProvider clock)
{
    private readonly object _gate = new();
    private long _ms;
    private int _counter;

    public long Next()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (now > _ms) { _ms = now; _counter = 0; }
            else if (++_counter > 63) { _ms++; _counter = 0; }
            return (_ms << 12) | ((long)host.Slot << 6) | (long)_counter;
        }
    }

    /// <summary>The millisecond an id was minted at.</summary>
    public static DateTimeOffset TimeOf(long id) => DateTimeOffset.FromUnixTimeMilliseconds(id >> 12);
}
