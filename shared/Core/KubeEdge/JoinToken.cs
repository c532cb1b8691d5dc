using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Fleet.Core.KubeEdge;

/// <summary>
/// KubeEdge's join token: <c>hex(sha256(CA DER)) + "." + JWT</c>, the JWT HS256-signed with the CA private key's DER bytes
/// (cloudcore's <c>token.SignedString(caKey)</c>; its HTTPS server verifies with the same bytes).
/// </summary>
public static class JoinToken
{
    public static string Create(CaMaterial ca, string nodeName, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "HS256", ["typ"] = "JWT" }));
        // exp is what cloudcore checks; sub and iat make each node's token distinct and traceable.
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["exp"] = expiresAt.ToUnixTimeSeconds(), ["iat"] = issuedAt.ToUnixTimeSeconds(), ["sub"] = nodeName,
        }));
        var signature = B64(HMACSHA256.HashData(ca.KeyDer, Encoding.ASCII.GetBytes(header + "." + payload)));
        return $"{ca.Hash}.{header}.{payload}.{signature}";
    }

    /// <summary>The stored fingerprint of a token: the full token is shown once and never kept.</summary>
    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token))).ToLowerInvariant();

    public static string Prefix(string token) => token[..Math.Min(16, token.Length)] + "...";

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
