using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Mesh;
using Fleet.Functions.Platform.Http;

namespace Fleet.Functions.Platform.Auth;

/// <summary>
/// Applies <see cref="RateLimitPolicies"/> with System.Threading.RateLimiting fixed windows and
/// puts <c>X-RateLimit-Limit/-Remaining/-Reset</c> on the response; over the limit is a 429 with
/// <c>Retry-After</c> in the family's envelope. Windows are replenished here rather than by a
/// timer, so the reset instant is known for the header. <c>RateLimits__Enabled=false</c> turns it off;
/// <c>RateLimits__Scale</c> multiplies every limit (load tests measure the limiter without hitting it).
/// With several hosts (the mesh on), windows are counted for the whole fleet by <see cref="SharedRateWindows"/>, so
/// spreading requests over hosts does not multiply a client's limit.
/// </summary>
public sealed class RateLimitMiddleware(RequestDelegate next, HttpSettings http, TimeProvider clock, IConfiguration configuration,
    MeshTopics mesh, SharedRateWindows shared)
{
    private readonly int _scale = int.TryParse(configuration["RateLimits:Scale"], out var s) && s > 0 ? s : 1;

    private readonly ConcurrentDictionary<string, Window> _windows = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var rule = RateLimitPolicies.For(context, http.RoutePrefix);
        if (rule is null)
        {
            await next(context);
            return;
        }
        if (_scale != 1) rule = rule with { Limit = rule.Limit * _scale };
        var now = clock.GetUtcNow();
        if (_windows.Count > 50_000) Sweep(now);
        var key = $"{rule.Tier}|{rule.Window}|{rule.Limit}|{rule.Partition}";
        var (granted, remaining, reset) = mesh.Enabled
            ? await shared.AcquireAsync(key, rule.Limit, rule.Window, context.RequestAborted)
            : _windows.GetOrAdd(key, _ => new Window(rule, now)).Acquire(now);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["X-RateLimit-Limit"] = rule.Limit.ToString();
            context.Response.Headers["X-RateLimit-Remaining"] = remaining.ToString();
            context.Response.Headers["X-RateLimit-Reset"] = reset.ToUnixTimeSeconds().ToString();
            return Task.CompletedTask;
        });
        if (!granted)
        {
            var retry = Math.Max(1, (int)Math.Ceiling((reset - now).TotalSeconds));
            throw new FleetException(FleetErrorKind.RateLimited, $"Rate limit exceeded. Please retry after {retry} seconds.") { RetryAfterSeconds = retry };
        }
        await next(context);
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, w) in _windows)
            if (w.Idle(now)) _windows.TryRemove(key, out _);
    }

    private sealed class Window(RateLimitRule rule, DateTimeOffset start)
    {
        private readonly FixedWindowRateLimiter _limiter = new(new FixedWindowRateLimiterOptions
        {
            PermitLimit = rule.Limit, Window = rule.Window, QueueLimit = 0, AutoReplenishment = false,
        });
        private DateTimeOffset _start = start;

        public RateDecision Acquire(DateTimeOffset now)
        {
            lock (this)
            {
                if (now >= _start + rule.Window && _limiter.TryReplenish()) _start = now;
                using var lease = _limiter.AttemptAcquire();
                var remaining = _limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
                return new RateDecision(lease.IsAcquired, remaining, _start + rule.Window);
            }
        }

        public bool Idle(DateTimeOffset now) { lock (this) return now >= _start + rule.Window; }
    }
}
