using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Timers;
using Fleet.Tests.Support;

namespace Fleet.Tests.Timers;

/// <summary>The status row alone (without the lease) lets only one host claim a tick.</summary>
public sealed class TimerClaimTests
{
    [Fact]
    public async Task Two_hosts_reading_the_same_row_cannot_both_claim_a_tick()
    {
        var timer = TimerTests.UniqueName("claim");
        var now = DateTimeOffset.UtcNow;
        var tick = now.AddSeconds(-1);
        var hostA = new TimerStatusStore(new FleetStorage(Peers.Storage));
        var hostB = new TimerStatusStore(new FleetStorage(Peers.Storage));
        await hostA.GetOrCreateAsync(timer, tick, now, default);

        var rowA = (await hostA.GetAsync(timer))!;
        var rowB = (await hostB.GetAsync(timer))!;
        var claims = await Task.WhenAll(
            hostA.TryClaimAsync(rowA, tick, tick.AddMinutes(1), now, default),
            hostB.TryClaimAsync(rowB, tick, tick.AddMinutes(1), now, default));
        Assert.Single(claims, c => c);

        // Read again, the loser sees the tick taken; an older tick can never be claimed after a newer one.
        var fresh = (await hostB.GetAsync(timer))!;
        Assert.False(await hostB.TryClaimAsync(fresh, tick, tick.AddMinutes(1), now, default));
        Assert.False(await hostB.TryClaimAsync(fresh, tick.AddMinutes(-1), tick, now, default));
        Assert.True(await hostB.TryClaimAsync(fresh, tick.AddMinutes(1), tick.AddMinutes(2), now, default));
    }

    [Fact]
    public async Task Recording_a_run_keeps_the_claimed_tick_and_counts_failures()
    {
        var timer = TimerTests.UniqueName("record");
        var store = new TimerStatusStore(new FleetStorage(Peers.Storage));
        var now = DateTimeOffset.UtcNow;
        var row = await store.GetOrCreateAsync(timer, now, now, default);
        Assert.True(await store.TryClaimAsync(row, now, now.AddMinutes(1), now, default));
        await store.RecordAsync(timer, now.AddSeconds(1), TimeSpan.FromMilliseconds(250), "IOException: disk gone", "host-a", default);
        await store.RecordAsync(timer, now.AddSeconds(2), TimeSpan.FromMilliseconds(100), null, "host-b", default);

        var stored = (await store.GetAsync(timer))!;
        Assert.Equal(now, stored.Last);
        Assert.Equal(now.AddMinutes(1), stored.Next);
        Assert.Equal(2, stored.Runs);
        Assert.Equal(1, stored.Failures);
        Assert.Equal(100, stored.LastDurationMs);
        Assert.True(stored.LastSucceeded);
        Assert.Equal("host-b", stored.LastHost);
        // The last failure stays visible after a later success, with its time.
        Assert.Equal("IOException: disk gone", stored.LastError);
        Assert.Equal(now.AddSeconds(1), stored.LastErrorAt);
    }
}
