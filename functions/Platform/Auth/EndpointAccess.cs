using Microsoft.AspNetCore.Authorization;

namespace Fleet.Functions.Platform.Auth;

/// <summary>The global roles of the one access model; each includes the ones below it.</summary>
public enum FleetRole { Viewer = 1, Operator = 2, Admin = 3 }

/// <summary>Declares the role an endpoint needs; every mapped endpoint carries this or <see cref="AnonymousAccess"/>.</summary>
public sealed record RequiredRole(FleetRole Role);

/// <summary>Declares an endpoint open to anyone (health, login, refresh, API documents).</summary>
public sealed record AnonymousAccess;

public static class EndpointAccessExtensions
{
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, FleetRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRole(role));

    /// <summary>Reads for viewers, changes for operators: the role a route's HTTP method implies.</summary>
    public static TBuilder ViewerReadsOperatorWrites<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(b =>
        {
            var methods = b.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().SelectMany(m => m.HttpMethods).ToList();
            var readOnly = methods.Count > 0 && methods.All(m => m is "GET" or "HEAD");
            if (!b.Metadata.OfType<RequiredRole>().Any() && !b.Metadata.OfType<AnonymousAccess>().Any())
                b.Metadata.Add(new RequiredRole(readOnly ? FleetRole.Viewer : FleetRole.Operator));
        });
        return builder;
    }

    public static TBuilder Anonymous<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AnonymousAccess(), new AllowAnonymousAttribute());
}
