using System.Net;
using System.Text;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Fleet.Tests.Identity;

/// <summary>
/// Acceptance: every registered endpoint declares its access, and every endpoint × {anonymous,
/// viewer, operator, admin} gets 401/403/allowed exactly as declared.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    private FleetApp _app = null!;

    // The matrix sends hundreds of requests from one IP; rate limits have their own tests.
    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Enabled"] = "false" });
    public async Task DisposeAsync() => await _app.DisposeAsync();

    private IReadOnlyList<RouteEndpoint> Endpoints() =>
        _app.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();

    [Fact]
    public void Every_endpoint_declares_a_role_or_anonymous_access()
    {
        var undeclared = Endpoints().Where(e => !EndpointRoles.IsDeclared(e))
            .Select(e => $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}").ToList();
        Assert.True(undeclared.Count == 0, "Endpoints without RequiredRole or AnonymousAccess:\n" + string.Join("\n", undeclared));
    }

    [Fact]
    public async Task Every_endpoint_answers_each_role_as_declared()
    {
        var callers = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = _app.Client,
            ["viewer"] = await _app.LoginAsync(FleetRole.Viewer),
            ["operator"] = await _app.LoginAsync(FleetRole.Operator),
            ["admin"] = await _app.LoginAsync(FleetRole.Admin),
        };
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var endpoint in Endpoints())
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<AnonymousAccess>() is not null;
            var required = EndpointRoles.Required(endpoint);
            var path = Path(endpoint.RoutePattern);
            if (path is null) continue;
            foreach (var method in methods)
            foreach (var (who, client) in callers)
            {
                var req = new HttpRequestMessage(new HttpMethod(method), path);
                req.Headers.Add("X-Confirm-Destructive", "true");
                if (method is "POST" or "PUT" or "PATCH") req.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                // Headers are enough: streams (SSE, WebSocket routes) answer their status and then keep going.
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                using var response = await client.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token);
                var status = response.StatusCode;
                checkedCount++;
                var rank = who switch { "viewer" => 1, "operator" => 2, "admin" => 3, _ => 0 };
                var expected = anonymous || rank >= (int)required ? "allowed" : rank == 0 ? "401" : "403";
                var actual = status == HttpStatusCode.Unauthorized ? "401" : status == HttpStatusCode.Forbidden ? "403" : "allowed";
                if (expected != actual) failures.Add($"{method} {path} as {who}: expected {expected}, got {(int)status}");
            }
        }
        Assert.True(checkedCount > 50, $"only {checkedCount} requests made");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>A concrete path for a route pattern: parameters get a harmless value; catch-alls a single segment.</summary>
    private static string? Path(RoutePattern pattern)
    {
        var sb = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            sb.Append('/');
            foreach (var part in segment.Parts)
                switch (part)
                {
                    case RoutePatternLiteralPart l: sb.Append(l.Content); break;
                    case RoutePatternSeparatorPart s: sb.Append(s.Content); break;
                    case RoutePatternParameterPart p:
                        sb.Append(p.Name.Equals("documentName", StringComparison.OrdinalIgnoreCase) ? "kubilitics" : "matrix-" + p.Name.ToLowerInvariant());
                        break;
                }
        }
        return sb.Length == 0 ? "/" : sb.ToString();
    }
}
