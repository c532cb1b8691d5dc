using Fleet.Functions.Platform.Contract;
using System.Text.Json.Serialization;
using Fleet.Core.Platform.Identity;

namespace Fleet.Functions.Platform.Auth;

/// <summary>Login by username or email (CloudPioneer sends <c>email</c>).</summary>
public sealed record LoginRequest([property: AnyText] string? Username = null, [property: AnyText] string? Email = null, [property: AnyText] string? Password = null);
public sealed record RefreshRequest(string? RefreshToken = null);
public sealed record MessageResponse(string Message);

/// <summary>The token answer the Kubilitics, CloudPioneer and platform login routes share.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn)
{
    public static TokenResponse From(TokenPair p, string tokenType = "Bearer") => new(p.AccessToken, p.RefreshToken, tokenType, p.ExpiresIn);
}

public sealed record MeResponse(string Id, string Username, string Role, string? Email,
    [property: JsonPropertyName("cluster_permissions")] IReadOnlyDictionary<string, string> ClusterPermissions);
