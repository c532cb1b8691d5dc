using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Kubilitics;

/// <summary>
/// One host and one test cluster (the emulator, or FLEET_TEST_KUBECONFIG's) registered in it, shared by the
/// Kubilitics cluster-route tests; each test works in namespaces of its own.
/// </summary>
public sealed class KubiliticsClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public FleetApp App { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public HttpClient Viewer { get; private set; } = null!;
    public string ClusterId { get; private set; } = "";

    public string Base => $"/api/kubilitics/v1/clusters/{ClusterId}";

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.CreateAsync();
        App = await FleetApp.StartAsync(new Dictionary<string, string?> { ["RateLimits__Scale"] = "100" });
        Admin = await App.LoginAsync(FleetRole.Admin);
        Operator = await App.LoginAsync(FleetRole.Operator);
        Viewer = await App.LoginAsync(FleetRole.Viewer);
        ClusterId = await RegisterAsync("kub-" + Guid.NewGuid().ToString("N")[..8]);
    }

    /// <summary>Registers the test cluster under another name (a second cluster id for the same API server).</summary>
    public async Task<string> RegisterAsync(string name)
    {
        var r = await Admin.PostAsJsonAsync("/api/kubilitics/v1/clusters",
            new { kubeconfig_base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Cluster.KubeconfigYaml(name))), context = name, name });
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, text);
        return (string)JsonNode.Parse(text)!["id"]!;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>Polls <paramref name="check"/> until it holds (10 s), for what controllers do after a call.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> check, string what, int seconds = 15) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await check() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    public static async Task<(int Status, JsonNode? Body, string Text)> SendAsync(HttpClient client, HttpMethod method, string url, string? body = null,
        string contentType = "application/json", bool confirm = false)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        if (confirm) request.Headers.Add("X-Confirm-Destructive", "true");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        try { json = text.Length == 0 ? null : JsonNode.Parse(text); } catch (System.Text.Json.JsonException) { }
        return ((int)response.StatusCode, json, text);
    }
}

[CollectionDefinition(Name)]
public sealed class KubiliticsCollection : ICollectionFixture<KubiliticsClusterFixture>
{
    public const string Name = "kubilitics-cluster";
}
