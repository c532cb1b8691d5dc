using System.Net;
using System.Net.Http.Json;
using Fleet.Tests.Support;
using static Fleet.Tests.Homei.HomeiFixture;

namespace Fleet.Tests.Homei;

[Collection("homei")]
public sealed class HomeiServiceTests(HomeiFixture f)
{
    [Fact]
    public async Task Service_runs_as_a_container_restarts_stops_starts_dependency_first_is_recreated_on_update_and_is_gone_after_delete()
    {
        var dep = UniqueName("dep");
        var web = UniqueName("web");
        var port = Peers.FreePort();
        try
        {
            // A disabled dependency: created, not started, until something needs it.
            var r = await f.CreateService(new { name = dep, image = "local/busybox-httpd:1", enabled = false });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            Assert.Equal("created", (await f.Inspect(dep)).State.Status);

            r = await f.CreateService(new
            {
                name = web,
                image = "local/busybox-httpd:1",
                enabled = true,
                restart_policy = "unless-stopped",
                environment = new Dictionary<string, string> { ["GREETING"] = "hello" },
                ports = new[] { $"127.0.0.1:{port}:8080" },
                depends_on = new[] { dep },
                labels = new Dictionary<string, string> { ["tier"] = "web" },
            });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            var body = await Json(r);
            Assert.Equal(web, body.GetProperty("name").GetString());
            Assert.Equal("created", body.GetProperty("status").GetString());
            Assert.Equal("Service created successfully", body.GetProperty("message").GetString());

            // The engine runs it, labelled, with its port, env and restart policy; the dependency started first.
            var c = await f.Inspect(web);
            Assert.True(c.State.Running);
            Assert.Equal("true", c.Config.Labels["io.homei.managed"]);
            Assert.Equal(web, c.Config.Labels["io.homei.service"]);
            Assert.Equal("web", c.Config.Labels["tier"]);
            Assert.Contains("GREETING=hello", c.Config.Env);
            Assert.Equal("unless-stopped", c.HostConfig.RestartPolicy.Name.ToString().ToLowerInvariant().Replace("unlessstopped", "unless-stopped"));
            var d = await f.Inspect(dep);
            Assert.True(d.State.Running);
            Assert.True(DateTimeOffset.Parse(d.State.StartedAt) <= DateTimeOffset.Parse(c.State.StartedAt));
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) })
            {
                // "Running" is the process, not yet its listener: docker-proxy resets connections until httpd has bound.
                HttpResponseMessage? answer = null;
                for (var attempt = 0; answer is null && attempt < 50; attempt++)
                {
                    try { answer = await http.GetAsync($"http://127.0.0.1:{port}/"); }
                    catch (HttpRequestException) { await Task.Delay(200); }
                }
                Assert.True(answer is not null, "busybox httpd never answered through the published port");
                Assert.NotNull(answer!.Headers); // an HTTP answer through the published port: busybox httpd inside
            }

            var get = await Json(await f.Client.GetAsync($"/api/homei/v1/services/{web}"));
            Assert.Equal("running", get.GetProperty("status").GetString());
            Assert.Equal($"127.0.0.1:{port}:8080", get.GetProperty("ports")[0].GetString());
            Assert.Equal(dep, get.GetProperty("depends_on")[0].GetString());
            Assert.Equal("true", get.GetProperty("labels").GetProperty("io.homei.managed").GetString());
            var list = await Json(await f.Client.GetAsync("/api/homei/v1/services"));
            Assert.Contains(list.GetProperty("services").EnumerateArray(), s => s.GetProperty("name").GetString() == web);

            // Restart: a new start time on the same container.
            r = await f.Client.PostAsync($"/api/homei/v1/services/{web}/restart", null);
            Assert.Equal("restarted", (await Json(r)).GetProperty("status").GetString());
            var restarted = await f.Inspect(web);
            Assert.Equal(c.ID, restarted.ID);
            Assert.True(DateTimeOffset.Parse(restarted.State.StartedAt) > DateTimeOffset.Parse(c.State.StartedAt));

            // Stop, then start again.
            r = await f.Client.PostAsync($"/api/homei/v1/services/{web}/stop", null);
            Assert.Equal("stopped", (await Json(r)).GetProperty("status").GetString());
            Assert.False((await f.Inspect(web)).State.Running);
            Assert.Equal("stopped", (await Json(await f.Client.GetAsync($"/api/homei/v1/services/{web}"))).GetProperty("status").GetString());
            await f.Client.PostAsync($"/api/homei/v1/services/{dep}/stop", null);
            r = await f.Client.PostAsync($"/api/homei/v1/services/{web}/start", null);
            Assert.Equal("started", (await Json(r)).GetProperty("status").GetString());
            Assert.True((await f.Inspect(web)).State.Running);
            Assert.True((await f.Inspect(dep)).State.Running); // its dependency came up with it

            // Update: a new container from the new definition.
            r = await f.Client.PutAsJsonAsync($"/api/homei/v1/services/{web}", new
            {
                image = BusyboxImage,
                environment = new Dictionary<string, string> { ["GREETING"] = "changed" },
                ports = Array.Empty<string>(),
                command = new[] { "sh", "-c", "while :; do echo tick; sleep 1; done" },
            });
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("updated", (await Json(r)).GetProperty("status").GetString());
            var updated = await f.Inspect(web);
            Assert.NotEqual(c.ID, updated.ID);
            Assert.Equal(BusyboxImage, updated.Config.Image);
            Assert.Contains("GREETING=changed", updated.Config.Env);
            Assert.True(updated.State.Running);

            // A dependency in use cannot go first.
            Assert.Equal(HttpStatusCode.Conflict, (await f.Client.DeleteAsync($"/api/homei/v1/services/{dep}")).StatusCode);

            r = await f.Client.DeleteAsync($"/api/homei/v1/services/{web}");
            Assert.Equal("deleted", (await Json(r)).GetProperty("status").GetString());
            Assert.Null(await f.ContainerOf(web));
            r = await f.Client.GetAsync($"/api/homei/v1/services/{web}");
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            var err = await Json(r);
            Assert.Equal("SERVICE_NOT_FOUND", err.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(web, err.GetProperty("error").GetProperty("details").GetProperty("service_name").GetString());
        }
        finally
        {
            await f.Cleanup(web, dep);
        }
    }

    [Fact]
    public async Task Logs_stats_and_details_of_a_running_container_are_real()
    {
        var name = UniqueName("ticker");
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await f.CreateService(TickerService(name))).StatusCode);
            var id = (await f.ContainerOf(name))!.ID[..12];

            var logs = await Eventually(async () =>
            {
                var j = await Json(await f.Client.GetAsync($"/api/homei/v1/containers/{id}/logs?tail=5&timestamps=true"));
                var lines = j.GetProperty("logs").EnumerateArray().Select(l => l.GetString()!).ToList();
                return lines.Count >= 2 ? lines : null;
            }, "two log lines");
            Assert.True(logs.Count <= 5);
            Assert.All(logs, l => Assert.EndsWith(" tick", l)); // "<RFC 3339 timestamp> tick"

            var stats = await Json(await f.Client.GetAsync($"/api/homei/v1/containers/{id}/stats"));
            Assert.True(stats.GetProperty("cpu_percent").GetDouble() >= 0);
            Assert.True(stats.GetProperty("memory_usage").GetProperty("usage").GetInt64() > 0);
            Assert.True(stats.GetProperty("memory_usage").GetProperty("limit").GetInt64() > 0);
            Assert.True(stats.GetProperty("network_io").TryGetProperty("rx_bytes", out _));
            Assert.True(stats.GetProperty("block_io").TryGetProperty("read_bytes", out _));

            var detail = await Json(await f.Client.GetAsync($"/api/homei/v1/containers/{id}"));
            Assert.Equal(id, detail.GetProperty("id").GetString());
            Assert.Equal(name, detail.GetProperty("name").GetString());
            Assert.True(detail.GetProperty("managed").GetBoolean());
            Assert.True(detail.GetProperty("state").GetProperty("running").GetBoolean());
            Assert.True(detail.GetProperty("state").GetProperty("pid").GetInt64() > 0);
            Assert.Equal("sh", detail.GetProperty("config").GetProperty("cmd")[0].GetString());

            var managed = await Json(await f.Client.GetAsync("/api/homei/v1/containers?managed=true&status=running"));
            Assert.Contains(managed.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
            var unmanaged = await Json(await f.Client.GetAsync("/api/homei/v1/containers?managed=false"));
            Assert.DoesNotContain(unmanaged.GetProperty("containers").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
        }
        finally
        {
            await f.Cleanup(name);
        }
    }
}
