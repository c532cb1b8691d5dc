using Fleet.Core.Platform.Identity;
using Microsoft.AspNetCore.Authentication;

namespace Fleet.Functions.Platform.Auth;

/// <summary>Wires the identity into the host: authentication, audit, rate limits, authorization, /api/auth.</summary>
public static class IdentityModule
{
    public static void AddFleetIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddFleetIdentityCore();
        builder.Services.AddAuthentication(FleetAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, FleetAuthenticationHandler>(FleetAuthenticationHandler.SchemeName, null);
    }

    /// <summary>After routing: who is calling, record it, count it, then check the declared role.</summary>
    public static void UseFleetIdentity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<AuditMiddleware>();
        if (!string.Equals(app.Configuration["RateLimits:Enabled"], "false", StringComparison.OrdinalIgnoreCase))
            app.UseMiddleware<RateLimitMiddleware>();
        app.UseMiddleware<FleetAuthorizationMiddleware>();
    }
}
