using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Tests.Support;

namespace Fleet.Tests.Kubilitics;

/// <summary>What the Kubilitics part-2 tests share: registering the test cluster, WebSockets with a bearer token.</summary>
public static class KubiliticsTestKit
{
    public static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    /// <summary>Registers the test cluster through the API (admin) and returns its id.</summary>
    public static async Task<string> RegisterAsync(HttpClient admin, TestCluster cluster)
    {
        var name = "c-" + Guid.NewGuid().ToString("N")[..12];
        var r = await admin.PostAsJsonAsync("/api/kubilitics/v1/clusters", new { kubeconfig_base64 = Base64(cluster.KubeconfigYaml("ctx-" + name)), name });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.Created, text);
        return (string)JsonNode.Parse(text)!["id"]!;
    }

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage r, HttpStatusCode expected)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expected, $"{(int)r.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Connects a WebSocket to <paramref name="path"/> as the caller of <paramref name="client"/>.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(FleetApp app, HttpClient client, string path, CancellationToken ct)
    {
        var ws = new ClientWebSocket();
        if (client.DefaultRequestHeaders.Authorization is { } auth) ws.Options.SetRequestHeader("Authorization", auth.ToString());
        await ws.ConnectAsync(new Uri(new Uri(app.BaseAddress.ToString().Replace("http://", "ws://")), path), ct);
        return ws;
    }

    /// <summary>The next whole text message, or null when the server closed.</summary>
    public static async Task<string?> ReceiveAsync(WebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[65536];
        var sb = new StringBuilder();
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            sb.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
            if (r.EndOfMessage) return sb.ToString();
        }
    }

    /// <summary>DELETE with the confirmation header the Kubilitics seed requires.</summary>
    public static Task<HttpResponseMessage> Delete(HttpClient client, string path) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "X-Confirm-Destructive", "true" } } });

    public static Task SendAsync(WebSocket ws, string text, CancellationToken ct) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, ct);
}
