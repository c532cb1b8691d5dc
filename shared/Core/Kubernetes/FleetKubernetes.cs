using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Fleet.Core.Kubernetes;

/// <summary>
/// KubernetesClient's client with raw JSON calls beside its typed ones: the generic resource routes
/// (any kind discovery finds, CRDs included) go through the same transport, credentials and TLS as the
/// typed calls, and answer with the server's objects unchanged. A non-2xx answer throws KubernetesClient's
/// <see cref="k8s.Autorest.HttpOperationException"/>, as its typed calls do.
/// </summary>
public sealed class FleetKubernetes(KubernetesClientConfiguration config) : k8s.Kubernetes(config)
{
    /// <summary>Sends <paramref name="body"/> (JSON unless <paramref name="contentType"/> says otherwise) and parses the JSON answer.</summary>
    public async Task<JsonNode?> SendJsonAsync(HttpMethod method, string path, string? body, string? contentType, CancellationToken ct)
    {
        using var response = await SendAsync(method, path, body, contentType, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
    }

    public async Task<JsonObject> GetObjectAsync(string path, CancellationToken ct) =>
        await SendJsonAsync(HttpMethod.Get, path, null, null, ct) as JsonObject ?? new JsonObject();

    /// <summary>The raw response with its headers read (for watches, which stream).</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body, string? contentType, CancellationToken ct)
    {
        var baseUri = BaseUri.AbsoluteUri.EndsWith('/') ? BaseUri : new Uri(BaseUri.AbsoluteUri + "/");
        var request = new HttpRequestMessage(method, new Uri(baseUri, path.TrimStart('/'))) { Version = System.Net.HttpVersion.Version20 };
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }
        return SendRequestRaw(body ?? "", request, ct);
    }
}
