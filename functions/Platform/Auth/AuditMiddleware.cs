using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Identity;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Fleet.Functions.Platform.Auth;

/// <summary>Marks routes that write their own audit entries (logins record success and failure themselves).</summary>
public sealed record SelfAudited;

/// <summary>
/// Writes an audit entry for every mutating request (POST, PUT, PATCH, DELETE), allowed or not,
/// naming the caller, the cluster and the resource from the route. Bodies are never recorded:
/// they may hold passwords and keys.
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditLog audit)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var endpoint = context.GetEndpoint();
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || endpoint is null ||
            endpoint.Metadata.GetMetadata<SelfAudited>() is not null)
        {
            await next(context);
            return;
        }
        int status;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (FleetException e)
        {
            status = e.Kind.StatusCode();
            await RecordAsync(context, endpoint, status);
            throw;
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            await RecordAsync(context, endpoint, 500);
            throw;
        }
        await RecordAsync(context, endpoint, status);
    }

    private Task RecordAsync(HttpContext context, Endpoint endpoint, int status)
    {
        var caller = context.User.Caller();
        var values = context.Request.RouteValues;
        string? Value(string name) => values.TryGetValue(name, out var v) ? v?.ToString() : null;
        var action = context.Request.Method.ToUpperInvariant() switch
        {
            "POST" => "create",
            "PUT" or "PATCH" => "update",
            "DELETE" => "delete",
            var m => m.ToLowerInvariant(),
        };
        return audit.RecordAsync(action, status, caller?.UserId, caller?.Username, context.ClientIp(),
            $"{context.Request.Method} {context.Request.Path}",
            clusterId: Value(FleetAuthorizationMiddleware.ClusterRouteValue),
            kind: Value("kind") ?? ResourceKind(endpoint),
            ns: Value("namespace"),
            name: Value("name"),
            ct: CancellationToken.None);
    }

    /// <summary>The last literal segment of the route before its trailing parameters, e.g. "users" or "api-keys".</summary>
    private static string? ResourceKind(Endpoint endpoint)
    {
        if (endpoint is not RouteEndpoint r) return null;
        string? kind = null;
        foreach (var segment in r.RoutePattern.PathSegments)
            if (segment.Parts is [RoutePatternLiteralPart literal]) kind = literal.Content;
        return kind;
    }
}
