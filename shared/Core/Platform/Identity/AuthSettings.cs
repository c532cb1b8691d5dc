using Microsoft.Extensions.Configuration;

namespace Fleet.Core.Platform.Identity;

/// <summary>How strictly requests must authenticate (Kubilitics' <c>auth_mode</c>).</summary>
public enum AuthMode { Required, Optional, Disabled }

/// <summary>The <c>Auth__*</c> settings, read once at start.</summary>
public sealed record AuthSettings(
    AuthMode Mode,
    string? BootstrapAdminPassword,
    string? SigningKey,
    string Issuer,
    string Audience,
    TimeSpan AccessTokenLifetime)
{
    /// <summary>
    /// <c>Auth__ResetAdminPassword=true</c> with <c>Auth__BootstrapAdminPassword</c>: at start, the <c>admin</c> user gets
    /// that password and the admin role back and is unlocked (created if missing) — how to recover a missed or lost password.
    /// </summary>
    public bool ResetAdminPassword { get; init; }

    public static AuthSettings From(IConfiguration c) => new(
        Enum.TryParse<AuthMode>(c["Auth:Mode"], ignoreCase: true, out var m) ? m : AuthMode.Required,
        c["Auth:BootstrapAdminPassword"] is { Length: > 0 } p ? p : null,
        c["Auth:SigningKey"] is { Length: > 0 } k ? k : null,
        c["Auth:Issuer"] is { Length: > 0 } i ? i : "fleet",
        c["Auth:Audience"] is { Length: > 0 } a ? a : "fleet",
        TimeSpan.FromSeconds(int.TryParse(c["Auth:AccessTokenSeconds"], out var s) && s > 0 ? s : 3600))
    {
        ResetAdminPassword = bool.TryParse(c["Auth:ResetAdminPassword"], out var reset) && reset,
    };
}
