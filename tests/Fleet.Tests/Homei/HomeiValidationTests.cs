using System.Net;
using System.Net.Http.Json;
using static Fleet.Tests.Homei.HomeiFixture;

namespace Fleet.Tests.Homei;

[Collection("homei")]
public sealed class HomeiValidationTests(HomeiFixture f)
{
    public static TheoryData<string, string, string> BadServices => new()
    {
        { "ports", "[\"80:80:80:80\"]", "ports[0]" },
        { "ports", "[\"80:80\", \"127.0.0.1:8080:70000\"]", "ports[1]" },
        { "ports", "[\"80:80/icmp\"]", "ports[0]" },
        { "volumes", "[\"relative/path:/data\"]", "volumes[0]" },
        { "volumes", "[\"/host:/ctr:rx\"]", "volumes[0]" },
        { "volumes", "[\"/host/../etc:/ctr\"]", "volumes[0]" },
        { "environment", "{\"1BAD\":\"x\"}", "environment.1BAD" },
        { "restart_policy", "\"sometimes\"", "restart_policy" },
        { "image", "\"Not An Image!\"", "image" },
    };

    [Theory]
    [MemberData(nameof(BadServices))]
    public async Task Bad_service_fields_are_400_naming_the_field_and_nothing_is_created(string field, string json, string expectedField)
    {
        var name = UniqueName("bad");
        var body = $"{{\"name\":\"{name}\",\"image\":\"{HttpdImage}\",\"{field}\":{json}}}";
        var r = await f.Client.PostAsync("/api/homei/v1/services", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await AssertError(r, HttpStatusCode.BadRequest, "VALIDATION_ERROR", expectedField);
        Assert.Null(await f.Store.GetAsync(name));
        Assert.Null(await f.ContainerOf(name));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("slash/name")]
    [InlineData("")]
    public async Task Bad_names_are_400(string name)
    {
        var r = await f.CreateService(new { name, image = HttpdImage });
        await AssertError(r, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "name");
    }

    [Fact]
    public async Task Unknown_dependency_cycle_duplicate_and_unknown_container_are_rejected_and_nothing_is_created()
    {
        var a = UniqueName("a");
        var b = UniqueName("b");
        try
        {
            var r = await f.CreateService(new { name = a, image = HttpdImage, enabled = false, depends_on = new[] { "no-such-service-x" } });
            await AssertError(r, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "depends_on[0]");
            Assert.Null(await f.Store.GetAsync(a));
            Assert.Null(await f.ContainerOf(a));

            r = await f.CreateService(new { name = a, image = HttpdImage, enabled = false, depends_on = new[] { a } });
            await AssertError(r, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "depends_on[0]");

            Assert.Equal(HttpStatusCode.Created, (await f.CreateService(new { name = a, image = HttpdImage, enabled = false })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await f.CreateService(new { name = b, image = HttpdImage, enabled = false, depends_on = new[] { a } })).StatusCode);
            var containerOfA = (await f.ContainerOf(a))!.ID;

            // a -> b -> a closes a cycle: refused, and a's definition and container are untouched.
            r = await f.Client.PutAsJsonAsync($"/api/homei/v1/services/{a}", new { depends_on = new[] { b } });
            await AssertError(r, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "depends_on");
            Assert.Empty((await f.Store.GetAsync(a))!.Value.Definition.DependsOn);
            Assert.Equal(containerOfA, (await f.ContainerOf(a))!.ID);

            r = await f.CreateService(new { name = a, image = HttpdImage });
            await AssertError(r, HttpStatusCode.Conflict, "CONFLICT", null);
            Assert.Equal(containerOfA, (await f.ContainerOf(a))!.ID);

            // An image the engine does not have (and cannot pull): DOCKER_ERROR, nothing left behind.
            var c = UniqueName("c");
            r = await f.CreateService(new { name = c, image = "local/missing-image:9" });
            var err = await Json(r);
            Assert.True((int)r.StatusCode >= 400);
            Assert.Equal("DOCKER_ERROR", err.GetProperty("error").GetProperty("code").GetString());
            Assert.Null(await f.Store.GetAsync(c));
            Assert.Null(await f.ContainerOf(c));

            await AssertError(await f.Client.GetAsync("/api/homei/v1/containers/0123456789ab"), HttpStatusCode.NotFound, "CONTAINER_NOT_FOUND", null);
            await AssertError(await f.Client.GetAsync("/api/homei/v1/containers/0123456789ab/logs"), HttpStatusCode.NotFound, "CONTAINER_NOT_FOUND", null);
            await AssertError(await f.Client.PostAsync("/api/homei/v1/services/no-such-svc-q/start", null), HttpStatusCode.NotFound, "SERVICE_NOT_FOUND", null);
            await AssertError(await f.Client.GetAsync("/api/homei/v1/containers?managed=maybe"), HttpStatusCode.BadRequest, "VALIDATION_ERROR", "managed");
        }
        finally
        {
            await f.Cleanup(b, a);
        }
    }

    internal static async Task AssertError(HttpResponseMessage r, HttpStatusCode status, string code, string? field)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(status == r.StatusCode, $"expected {(int)status}, got {(int)r.StatusCode}: {text}");
        var body = System.Text.Json.JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("message").GetString()));
        Assert.True(body.TryGetProperty("timestamp", out _));
        if (field is not null) Assert.Equal(field, body.GetProperty("error").GetProperty("details").GetProperty("field").GetString());
        Assert.DoesNotContain("   at ", text);
    }
}
