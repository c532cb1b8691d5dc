using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

// The load balancer in front of several Fleet hosts (infra/run.sh --hosts N): YARP, round robin over the hosts given in
// Proxy__Backends (comma-separated base URLs), WebSockets and SSE passed through. A host that stops answering is taken out
// by passive checks at its first failed connection and by active checks of /api/health every second, and put back when
// it answers again; when none looks healthy every host is tried rather than none.
var builder = WebApplication.CreateBuilder(args);
// Active health probes run every second: their log lines only matter when a probe fails.
builder.Logging.AddFilter("Yarp.ReverseProxy.Health", LogLevel.Warning);
var backends = (builder.Configuration["Proxy:Backends"] ?? "")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (backends.Length == 0)
{
    Console.Error.WriteLine("Proxy__Backends names no host (comma-separated base URLs, e.g. http://127.0.0.1:7072,http://127.0.0.1:7073)");
    return 2;
}

var cluster = new ClusterConfig
{
    ClusterId = "fleet",
    LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
    Destinations = backends.Select((b, i) => (b, i)).ToDictionary(x => $"host{x.i + 1}", x => new DestinationConfig { Address = x.b }),
    HealthCheck = new HealthCheckConfig
    {
        AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
        Active = new ActiveHealthCheckConfig
        {
            Enabled = true, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromSeconds(2),
            Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures, Path = "/api/health",
        },
        Passive = new PassiveHealthCheckConfig
        {
            Enabled = true, Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate, ReactivationPeriod = TimeSpan.FromSeconds(5),
        },
    },
};
// The original Host header goes through, so the links a host builds (202 check-status URLs, stream URLs) name the proxy.
var route = new RouteConfig
{
    RouteId = "all", ClusterId = "fleet", Match = new RouteMatch { Path = "{**rest}" },
    Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
};
builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
// One failed connection is enough to take a host out: a dead process refuses connections outright.
builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(o => { o.DefaultFailureRateLimit = 0.01; o.MinimalTotalCountThreshold = 1; });

var app = builder.Build();
app.MapReverseProxy();
app.Run();
return 0;
