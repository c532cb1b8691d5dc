using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

/// <summary>
/// Bad input and failures through the real pipeline, for every family: each answer is in that
/// family's envelope and names the problem; an exception is a 500 with the request id and no stack trace.
/// </summary>
public sealed class ErrorEnvelopeTests : IAsyncLifetime
{
    public enum Tier { Free, Pro }
    public sealed record ProbeRequest(string Name, int Replicas, Tier Tier, string? Note = null);

    private FleetApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Http:MaxRequestBodySize"] = "4096" }, mapExtra: app =>
        {
            foreach (var family in new[] { "kubeedge", "kubilitics", "snap", "homei", "pioneer" })
            {
                app.MapPost($"/api/{family}/_probe", (ProbeRequest r) => Results.Json(new { r.Name, r.Replicas }))
                    .WithMetadata(new Fleet.Functions.Platform.Auth.AnonymousAccess());
                app.MapGet($"/api/{family}/_boom", string () => throw new InvalidOperationException("secret internals at Foo.Bar()"))
                    .WithMetadata(new Fleet.Functions.Platform.Auth.AnonymousAccess());
            }
        });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> Families => new() { "kubeedge", "kubilitics", "snap", "homei", "pioneer" };

    [Theory, MemberData(nameof(Families))]
    public async Task Valid_body_passes(string family)
    {
        var r = await Post(family, """{"name":"a","replicas":2,"tier":"pro"}""");
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    [Theory, MemberData(nameof(Families))]
    public async Task Malformed_json_is_400_in_the_family_envelope(string family)
    {
        var r = await Post(family, """{"name": "a", "replicas": """);
        var (code, message) = await Envelope(family, r, HttpStatusCode.BadRequest);
        Assert.Contains("Malformed JSON", message);
        AssertCode(family, code, "API-001", "VALIDATION_ERROR");
    }

    [Theory, MemberData(nameof(Families))]
    public async Task Missing_field_is_400_naming_it(string family)
    {
        var r = await Post(family, """{"replicas":1,"tier":"free"}""");
        var (code, message) = await Envelope(family, r, HttpStatusCode.BadRequest);
        Assert.Contains("'name'", message);
        AssertCode(family, code, "API-001", "VALIDATION_ERROR");
    }

    [Theory, MemberData(nameof(Families))]
    public async Task Wrong_type_and_unknown_enum_are_400_naming_the_field(string family)
    {
        var (_, m1) = await Envelope(family, await Post(family, """{"name":"a","replicas":"many","tier":"free"}"""), HttpStatusCode.BadRequest);
        Assert.True(m1.Contains("'replicas' must be an integer"), m1);
        var (_, m2) = await Envelope(family, await Post(family, """{"name":"a","replicas":1,"tier":"gold"}"""), HttpStatusCode.BadRequest);
        Assert.Contains("'tier' must be one of: free, pro", m2);
        var (_, m3) = await Envelope(family, await Post(family, """{"name":null,"replicas":1,"tier":"free"}"""), HttpStatusCode.BadRequest);
        Assert.Contains("'name'", m3);
    }

    [Theory, MemberData(nameof(Families))]
    public async Task Oversized_body_is_413(string family)
    {
        var big = "{\"name\":\"a\",\"replicas\":1,\"tier\":\"free\",\"note\":\"" + new string('x', 8000) + "\"}";
        var (code, _) = await Envelope(family, await Post(family, big), HttpStatusCode.RequestEntityTooLarge);
        AssertCode(family, code, "API-001", "PAYLOAD_TOO_LARGE");
    }

    [Theory, MemberData(nameof(Families))]
    public async Task Exception_is_500_with_request_id_and_no_stack_trace(string family)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"/api/{family}/_boom");
        req.Headers.Add("X-Request-ID", "req-boom-1");
        var r = await _app.Client.SendAsync(req);
        var text = await r.Content.ReadAsStringAsync();
        var (code, message) = await Envelope(family, r, HttpStatusCode.InternalServerError, text);
        Assert.Contains("req-boom-1", message);
        Assert.DoesNotContain("secret internals", text);
        Assert.DoesNotContain(" at ", text);
        Assert.DoesNotContain("InvalidOperationException", text);
        AssertCode(family, code, "API-007", "INTERNAL_ERROR");
    }

    [Fact]
    public async Task A_json_body_sent_as_a_form_like_curl_d_is_read_as_json()
    {
        var content = new StringContent("""{"name":"a","replicas":2,"tier":"pro"}""", Encoding.UTF8, "application/x-www-form-urlencoded");
        var r = await _app.Client.PostAsync("/api/kubeedge/_probe", content);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task Unknown_route_is_404_in_the_family_envelope()
    {
        var r = await _app.Client.GetAsync("/api/snap/no/such/route");
        var body = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.False((bool)body["success"]!);
        Assert.Equal("NOT_FOUND", (string?)body["code"]);
    }

    private Task<HttpResponseMessage> Post(string family, string json) =>
        _app.Client.PostAsync($"/api/{family}/_probe", new StringContent(json, Encoding.UTF8, "application/json"));

    private static void AssertCode(string family, string? code, string kubeedge, string others)
    {
        if (family == "kubilitics") Assert.Null(code);
        else Assert.Equal(family == "kubeedge" ? kubeedge : others, code);
    }

    /// <summary>Checks the family's envelope shape and returns its code (null for Kubilitics, which has none) and message.</summary>
    private static async Task<(string? Code, string Message)> Envelope(string family, HttpResponseMessage r, HttpStatusCode expected, string? text = null)
    {
        text ??= await r.Content.ReadAsStringAsync();
        Assert.True(expected == r.StatusCode, $"expected {expected}, got {r.StatusCode}: {text}");
        Assert.StartsWith("application/json", r.Content.Headers.ContentType?.ToString());
        var body = JsonNode.Parse(text)!.AsObject();
        switch (family)
        {
            case "kubilitics":
                Assert.Single(body);
                return (null, (string)body["error"]!);
            case "snap":
                Assert.False((bool)body["success"]!);
                Assert.NotNull(body["details"]);
                return ((string?)body["code"], (string)body["error"]!);
            case "homei":
                Assert.NotNull(body["timestamp"]);
                return ((string?)body["error"]!["code"], (string)body["error"]!["message"]!);
            default:
                Assert.NotNull(body["request_id"]);
                Assert.NotNull(body["error"]!["details"]);
                return ((string?)body["error"]!["code"], (string)body["error"]!["message"]!);
        }
    }
}
