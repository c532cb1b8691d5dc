using Fleet.Core.Platform.Identity;

namespace Fleet.Tests.Identity;

/// <summary>The validated-token cache never outlives a token's validity and stays bounded.</summary>
public sealed class AccessTokenCacheTests
{
    private sealed class MovableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static AccessTokenClaims Claims(DateTimeOffset validUntil) => new("u", "name", "viewer", "s", "jti", validUntil);

    [Fact]
    public void A_cached_token_is_answered_until_it_expires_and_not_after()
    {
        var clock = new MovableClock(DateTimeOffset.UtcNow);
        var cache = new AccessTokenCache(clock);
        cache.Add("t", Claims(clock.Now.AddMinutes(1)));
        Assert.NotNull(cache.Get("t"));
        clock.Now = clock.Now.AddMinutes(1);
        Assert.Null(cache.Get("t"));
        Assert.Null(cache.Get("never-seen"));
    }

    [Fact]
    public void The_cache_stays_bounded_when_full_of_live_tokens()
    {
        var clock = new MovableClock(DateTimeOffset.UtcNow);
        var cache = new AccessTokenCache(clock);
        for (var i = 0; i <= AccessTokenCache.MaxEntries; i++) cache.Add("t" + i, Claims(clock.Now.AddHours(1)));
        Assert.Null(cache.Get("t0"));
        Assert.NotNull(cache.Get("t" + AccessTokenCache.MaxEntries));
    }
}
