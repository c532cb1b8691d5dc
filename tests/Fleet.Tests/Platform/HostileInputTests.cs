using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Fleet.Core.Platform.Storage;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;
using Xunit.Abstractions;

namespace Fleet.Tests.Platform;

/// <summary>
/// Walks the whole OpenAPI document and sends every operation boundary and hostile values for each path and
/// query parameter and each body field (see <see cref="HostileCases"/>). Whatever the input: no 500, no 5xx the
/// operation's baseline does not give too (a peer that is down is not the input's fault), no stack trace, an error
/// in the family's envelope, and no table row written by a request that was refused. An endpoint joins this walk by
/// being in the document; nothing here names one.
/// </summary>
[Collection(Fleet.Tests.Identity.AdminUserCollection.Name)]
public sealed partial class HostileInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _hub = "Hostile" + Guid.NewGuid().ToString("N")[..12];
    private FleetApp _app = null!;

    public async Task InitializeAsync() => _app = await FleetApp.StartAsync(new Dictionary<string, string?>
    {
        ["RateLimits:Enabled"] = "false",
        ["Durable:HubName"] = _hub,
        // Registered clusters of other tests are unreachable: fail fast rather than wait for each.
        ["Kubernetes:RequestTimeout"] = "00:00:02",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task No_input_to_any_operation_gives_a_5xx_a_stack_trace_another_envelope_or_a_row()
    {
        var document = JsonNode.Parse(await _app.Client.GetStringAsync("/api/openapi.json"))!.AsObject();
        var cases = new HostileCases(document);
        var operations = cases.Operations().ToList();
        Assert.True(operations.Count > 50, $"only {operations.Count} operations in the document");

        // An admin's API key: hostile calls to logout or change-password must not sign the walk out.
        var admin = await _app.LoginAsync(FleetRole.Admin);
        var keyResponse = await admin.PostAsJsonAsync("/api/kubilitics/v1/auth/api-keys", new { name = "hostile-walk" });
        var key = (string)JsonNode.Parse(await keyResponse.Content.ReadAsStringAsync())!["key"]!;
        SecretRegistry.Register(key, "the hostile walk's API key");
        using var client = _app.CreateClient(apiKey: key);
        client.Timeout = TimeSpan.FromSeconds(30);

        var failures = new ConcurrentBag<string>();
        var refused = new ConcurrentDictionary<string, string>();
        var sent = 0;
        await Parallel.ForEachAsync(operations, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (o, _) =>
        {
            var (method, path, op) = o;
            var anonymous = op["security"] is JsonArray { Count: 0 };
            var baseline = cases.Baseline(method, path, op);
            var (baseStatus, baseText) = await SendAsync(client, baseline);
            Interlocked.Increment(ref sent);
            if (baseStatus == 500) failures.Add($"{Describe(baseline)} → 500 {Trim(baseText)}");
            if (!anonymous && baseStatus is 401 or 403 && (baseText.Contains("Authentication required") || baseText.Contains("Insufficient permissions")))
                failures.Add($"{Describe(baseline)} → {baseStatus}: the admin's key did not reach the handler");
            Check(baseline, baseStatus, baseText, baseStatus, failures, refused);
            foreach (var c in cases.For(method, path, op))
            {
                var (status, text) = await SendAsync(client, c);
                Interlocked.Increment(ref sent);
                Check(c, status, text, baseStatus, failures, refused);
            }
        });

        var (written, rows) = await MarkedRowsAsync(new Regex($"hx{cases.Run}\\d{{6}}q"));
        foreach (var (marker, where) in written)
            if (refused.TryGetValue(marker, out var request)) failures.Add($"{request} was refused but wrote {where}");
        // The tables are shared with every other test: what the walk's accepted requests wrote goes again.
        var storage = _app.Services.GetRequiredService<FleetStorage>();
        foreach (var (table, pk, rk) in rows)
            await storage.Tables.GetTableClient(table).DeleteEntityAsync(pk, rk);

        output.WriteLine($"{operations.Count} operations, {sent} requests, {refused.Count} refused");
        Assert.True(failures.IsEmpty, $"{failures.Count} failures:\n" + string.Join("\n", failures.OrderBy(f => f).Take(200)));
    }

    private void Check(HostileCase c, int status, string text, int baseStatus,
        ConcurrentBag<string> failures, ConcurrentDictionary<string, string> refused)
    {
        var what = Describe(c);
        // A peer that is down answers 502/503/504 whatever the input (the breaker turns 502 into 503): only a 5xx
        // the baseline did not get in that class, or any 500, is the input's doing.
        static bool Upstream(int s) => s is 502 or 503 or 504;
        // A route that answers 501 to every request (the durable entity routes: no entities are registered) is not failing on input.
        bool unimplemented = status == 501 && baseStatus == 501;
        if (status == 500 || (status > 500 && !unimplemented && !(Upstream(status) && Upstream(baseStatus))))
            failures.Add($"{what} → {status} (baseline {baseStatus}) {Trim(text)}");
        if (status == 0) failures.Add($"{what} → no answer: {Trim(text)}");
        if (StackTrace().IsMatch(text)) failures.Add($"{what} → a stack trace: {Trim(text)}");
        // Kestrel refuses a NUL in the request target (400, no body) before any application code runs.
        if (status == 400 && text.Length == 0 && c.Url.Contains("%00", StringComparison.Ordinal)) return;
        if (status >= 400)
        {
            if (c.Marker is not null) refused[c.Marker] = what;
            var envelope = EnvelopeProblem(c.Path, text);
            if (envelope is not null) failures.Add($"{what} → {status} not in the family's envelope ({envelope}): {Trim(text)}");
        }
    }

    private static async Task<(int Status, string Text)> SendAsync(HttpClient client, HostileCase c)
    {
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Url);
        if (c.Body is not null) request.Content = new StringContent(c.Body, Encoding.UTF8, "application/json");
        // Streams (SSE, WebSocket) would never end: read the head only, and at most 64 KiB of any body.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var type = response.Content.Headers.ContentType?.MediaType;
            if (type is "text/event-stream" || response.StatusCode == HttpStatusCode.SwitchingProtocols)
                return ((int)response.StatusCode, "");
            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            var buffer = new byte[1 << 20];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(total), cts.Token)) > 0) total += n;
            return ((int)response.StatusCode, Encoding.UTF8.GetString(buffer, 0, total));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return (0, e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Null when <paramref name="text"/> is the error envelope of the family <paramref name="path"/> belongs to.</summary>
    private static string? EnvelopeProblem(string path, string text)
    {
        JsonObject body;
        try { body = JsonNode.Parse(text) as JsonObject ?? throw new FormatException("not an object"); }
        catch (Exception e) { return "not JSON: " + e.Message; }
        var family = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault();
        switch (family)
        {
            case "kubilitics":
                return body.Count == 1 && body["error"] is JsonValue ? null : "Kubilitics: {\"error\":\"...\"}";
            case "snap":
                return body["success"] is JsonValue s && !(bool)s! && body["error"] is JsonValue && body["code"] is JsonValue ? null
                    : "SNAP: {success:false,error,details,code}";
            case "homei":
                return body["error"]?["code"] is JsonValue && body["error"]?["message"] is JsonValue && body["timestamp"] is JsonValue ? null
                    : "Homei: {error:{code,message,details},timestamp}";
            case "webhooks":
                // The Durable Functions management API answers errors as Durable Functions does: {"message": "..."}.
                return body["message"] is JsonValue ? null : "Durable Functions: {\"message\":\"...\"}";
            default:
                return body["error"]?["code"] is JsonValue && body["error"]?["message"] is JsonValue && body["request_id"] is JsonValue ? null
                    : "{error:{code,message,details},request_id}";
        }
    }

    /// <summary>Every row, in the tables the host uses (its own task hub's included), that carries a request's marker.</summary>
    private async Task<(Dictionary<string, string> Found, List<(string Table, string Pk, string Rk)> Rows)> MarkedRowsAsync(Regex marker)
    {
        var storage = _app.Services.GetRequiredService<FleetStorage>();
        var found = new Dictionary<string, string>();
        var rows = new List<(string, string, string)>();
        await foreach (var table in storage.Tables.QueryAsync())
        {
            var name = table.Name;
            if (name.Equals("platformAuditLog", StringComparison.OrdinalIgnoreCase)) continue;
            // Other hosts' task hubs (parallel tests) are theirs; this host's hub is checked.
            if ((name.StartsWith("Test", StringComparison.Ordinal) || name.StartsWith("Hostile", StringComparison.Ordinal))
                && !name.StartsWith(_hub, StringComparison.OrdinalIgnoreCase)) continue;
            await foreach (var row in storage.Tables.GetTableClient(name).QueryAsync<TableEntity>())
            {
                var text = row.PartitionKey + " " + row.RowKey + " " + string.Join(" ", row.Select(kv => kv.Value?.ToString()));
                var matches = marker.Matches(text);
                foreach (Match m in matches)
                    found.TryAdd(m.Value, $"a row in {name} ({row.PartitionKey}/{row.RowKey})");
                if (matches.Count > 0 && !name.StartsWith(_hub, StringComparison.OrdinalIgnoreCase)) rows.Add((name, row.PartitionKey, row.RowKey));
            }
        }
        return (found, rows);
    }

    private static string Describe(HostileCase c) => $"{c.Method} {c.Path} [{c.Target} = {c.ValueName}]";

    private static string Trim(string text) => text.Length > 300 ? text[..300] + "…" : text;

    [GeneratedRegex(@"\bat [\w\.`<>]+\(.*\) in |\n\s+at [\w\.`<>]+\(|--- End of stack trace")]
    private static partial Regex StackTrace();
}
