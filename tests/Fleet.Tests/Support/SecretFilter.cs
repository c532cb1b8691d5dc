using System.Collections.Concurrent;

namespace Fleet.Tests.Support;

/// <summary>
/// Every secret the test run has created (passwords, refresh tokens after issue, API keys after
/// creation, password hashes). Shared by all hosts in the run so that a leak through any
/// family's route fails the test that caused it.
/// </summary>
public static class SecretRegistry
{
    private static readonly ConcurrentDictionary<string, string> Secrets = new();

    public static void Register(string secret, string what)
    {
        // Short values would match by accident; every secret Fleet makes is long.
        if (secret.Length >= 12) Secrets[secret] = what;
    }

    public static string? FindIn(string body)
    {
        foreach (var (secret, what) in Secrets)
            if (body.Contains(secret, StringComparison.Ordinal)) return what;
        return null;
    }
}

/// <summary>Reads every response body and fails the request when it holds a registered secret.</summary>
public sealed class SecretFilterHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type is "text/event-stream" or "application/x-ndjson" or "application/octet-stream") return response;
        await response.Content.LoadIntoBufferAsync(ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (SecretRegistry.FindIn(body) is { } what)
            throw new Xunit.Sdk.XunitException($"Response to {request.Method} {request.RequestUri?.AbsolutePath} contains a secret ({what})");
        return response;
    }
}
