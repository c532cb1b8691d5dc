using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fleet.Durable.Client;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Fleet.Durable.Tests;

/// <summary>The Durable Functions management API: routes, codes, headers and JSON as FACTS.md documents them.</summary>
public abstract class HttpApiTests<TFixture>(TFixture fixture) where TFixture : DurableFixture
{
    private const string Base = "/runtime/webhooks/durabletask";
    protected TFixture Fixture => fixture;
    private HttpClient Http => fixture.Http;
    private DurableTaskClient Client => fixture.Client;

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage r) => JsonNode.Parse(await r.Content.ReadAsStringAsync())!;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Start_returns_202_with_the_check_status_body_location_and_retry_after()
    {
        var r = await Http.PostAsync($"{Base}/orchestrators/WaitEvent/http-start-{Guid.NewGuid():N}?code=abc", Json("\"input\""));
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var body = await JsonAsync(r);
        string id = body["id"]!.GetValue<string>();
        Assert.StartsWith("http-start-", id);
        string query = $"taskHub={fixture.HubName}&connection=Storage&code=abc";
        Assert.Equal($"http://localhost{Base}/instances/{id}?{query}", body["statusQueryGetUri"]!.GetValue<string>());
        Assert.Equal($"http://localhost{Base}/instances/{id}/raiseEvent/{{eventName}}?{query}", body["sendEventPostUri"]!.GetValue<string>());
        Assert.Equal($"http://localhost{Base}/instances/{id}/terminate?reason={{text}}&{query}", body["terminatePostUri"]!.GetValue<string>());
        Assert.Equal($"http://localhost{Base}/instances/{id}?{query}", body["purgeHistoryDeleteUri"]!.GetValue<string>());
        Assert.Equal($"http://localhost{Base}/instances/{id}/restart?{query}", body["restartPostUri"]!.GetValue<string>());
        Assert.Equal($"http://localhost{Base}/instances/{id}/suspend?reason={{text}}&{query}", body["suspendPostUri"]!.GetValue<string>());
        Assert.Equal($"http://localhost{Base}/instances/{id}/resume?reason={{text}}&{query}", body["resumePostUri"]!.GetValue<string>());
        Assert.Equal(body["statusQueryGetUri"]!.GetValue<string>(), r.Headers.Location!.ToString());
        Assert.Equal(TimeSpan.FromSeconds(10), r.Headers.RetryAfter!.Delta);

        // Running: 202 with Location = the request URL and Retry-After 5.
        await Client.WaitForInstanceStartAsync(id, false, Timeout());
        var status = await Http.GetAsync($"{Base}/instances/{id}");
        Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
        Assert.Equal($"http://localhost{Base}/instances/{id}", status.Headers.Location!.ToString());
        Assert.Equal(TimeSpan.FromSeconds(5), status.Headers.RetryAfter!.Delta);
        var s = await JsonAsync(status);
        Assert.Equal("WaitEvent", s["name"]!.GetValue<string>());
        Assert.Equal("input", s["input"]!.GetValue<string>());

        // Not JSON: 400; then the event completes it; afterwards 410.
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsync($"{Base}/instances/{id}/raiseEvent/Approval", Json("{not json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync($"{Base}/instances/{id}/raiseEvent/Approval", Json("\"ok\""))).StatusCode);
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        Assert.Equal(HttpStatusCode.Gone, (await Http.PostAsync($"{Base}/instances/{id}/raiseEvent/Approval", Json("\"again\""))).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await Http.PostAsync($"{Base}/instances/{id}/terminate?reason=x", null)).StatusCode);
    }

    [Fact]
    public async Task Start_with_timeout_returns_the_finished_status()
    {
        var r = await Http.PostAsync($"{Base}/orchestrators/Chain?timeout=20&pollingInterval=1", null);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await JsonAsync(r);
        Assert.Equal("Completed", body["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("Hello Tokyo!", body["output"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Start_of_an_unknown_orchestrator_or_with_a_bad_body_is_400()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsync($"{Base}/orchestrators/NoSuchThing", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PostAsync($"{Base}/orchestrators/Chain", Json("{oops"))).StatusCode);
    }

    [Fact]
    public async Task Status_of_a_completed_instance_is_200_with_history_and_unknown_is_404()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Chain", "in");
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        var r = await Http.GetAsync($"{Base}/instances/{id}?showHistory=true&showHistoryOutput=true&showInput=false");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var body = await JsonAsync(r);
        Assert.Equal(id, body["instanceId"]!.GetValue<string>());
        Assert.Equal("Completed", body["runtimeStatus"]!.GetValue<string>());
        Assert.Null(body["input"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["createdTime"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["lastUpdatedTime"]!.GetValue<string>());
        var events = body["historyEvents"]!.AsArray();
        var completed = events.Where(e => e!["EventType"]!.GetValue<string>() == "TaskCompleted").ToList();
        Assert.Equal(3, completed.Count);
        Assert.Equal("Hello", completed[0]!["FunctionName"]!.GetValue<string>());
        Assert.Equal("Hello Tokyo!", completed[0]!["Result"]!.GetValue<string>());
        Assert.NotNull(completed[0]!["ScheduledTime"]);
        Assert.Equal("ExecutionCompleted", events[^1]!["EventType"]!.GetValue<string>());
        Assert.DoesNotContain(events, e => e!["EventType"]!.GetValue<string>() is "OrchestratorStarted" or "OrchestratorCompleted" or "TaskScheduled");

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"{Base}/instances/nope-{Guid.NewGuid():N}")).StatusCode);
    }

    [Fact]
    public async Task Failed_instance_is_200_or_500_when_asked()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("FailingChild");
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        var ok = await Http.GetAsync($"{Base}/instances/{id}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("Failed", (await JsonAsync(ok))["runtimeStatus"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.InternalServerError, (await Http.GetAsync($"{Base}/instances/{id}?returnInternalServerErrorOnFailure=true")).StatusCode);
    }

    [Fact]
    public async Task List_pages_with_the_continuation_header_and_filters()
    {
        string prefix = "http-list-" + Guid.NewGuid().ToString("N")[..8];
        foreach (int i in Enumerable.Range(0, 3))
            await Client.ScheduleNewOrchestrationInstanceAsync("Chain", null, new StartOrchestrationOptions($"{prefix}-{i}"));
        foreach (int i in Enumerable.Range(0, 3)) await Client.WaitForInstanceCompletionAsync($"{prefix}-{i}", false, Timeout());

        var seen = new List<string>();
        string? token = null;
        int requests = 0;
        do
        {
            var req = new HttpRequestMessage(HttpMethod.Get, $"{Base}/instances?instanceIdPrefix={prefix}&top=2&runtimeStatus=Completed,Failed");
            if (token is not null) req.Headers.Add("x-ms-continuation-token", token);
            var r = await Http.SendAsync(req);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            seen.AddRange((await JsonAsync(r)).AsArray().Select(n => n!["instanceId"]!.GetValue<string>()));
            token = r.Headers.TryGetValues("x-ms-continuation-token", out var v) ? v.First() : null;
            requests++;
        } while (token is not null && requests < 10);
        Assert.Equal(3, seen.Distinct().Count());
        Assert.True(requests >= 2);

        var none = await Http.GetAsync($"{Base}/instances?instanceIdPrefix={prefix}&runtimeStatus=Running");
        Assert.Empty((await JsonAsync(none)).AsArray());
    }

    [Fact]
    public async Task Purge_routes_answer_200_404_and_400()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Chain");
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        var r = await Http.DeleteAsync($"{Base}/instances/{id}");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1, (await JsonAsync(r))["instancesDeleted"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync($"{Base}/instances/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await Http.DeleteAsync($"{Base}/instances")).StatusCode);
        var from = DateTime.UtcNow.AddSeconds(-2).ToString("yyyy-MM-ddTHH:mm:ssZ");
        string id2 = await Client.ScheduleNewOrchestrationInstanceAsync("Chain");
        await Client.WaitForInstanceCompletionAsync(id2, false, Timeout());
        var many = await Http.DeleteAsync($"{Base}/instances?createdTimeFrom={from}&runtimeStatus=Completed");
        Assert.Equal(HttpStatusCode.OK, many.StatusCode);
        Assert.True((await JsonAsync(many))["instancesDeleted"]!.GetValue<int>() >= 1);
        var future = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync($"{Base}/instances?createdTimeFrom={future}")).StatusCode);
    }

    [Fact]
    public async Task Terminate_suspend_resume_and_restart_routes()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await Client.WaitForInstanceStartAsync(id, false, Timeout());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync($"{Base}/instances/missing-{Guid.NewGuid():N}/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync($"{Base}/instances/{id}/suspend?reason=pause", null)).StatusCode);
        await WaitForStatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync($"{Base}/instances/{id}/resume?reason=go", null)).StatusCode);
        await WaitForStatusAsync(id, OrchestrationRuntimeStatus.Running);
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync($"{Base}/instances/{id}/terminate?reason=enough", null)).StatusCode);
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, m.RuntimeStatus);
        Assert.Equal(HttpStatusCode.Gone, (await Http.PostAsync($"{Base}/instances/{id}/suspend", null)).StatusCode);

        var restart = await Http.PostAsync($"{Base}/instances/{id}/restart?restartWithNewInstanceId=true", null);
        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
        string newId = (await JsonAsync(restart))["id"]!.GetValue<string>();
        Assert.NotEqual(id, newId);
        await Client.WaitForInstanceStartAsync(newId, false, Timeout());
        await Client.TerminateInstanceAsync(newId);
    }

    [Fact]
    public async Task WaitForCompletionOrCreateCheckStatusResponse_returns_output_or_202()
    {
        var app = fixture.App;
        var ctx = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = app.Services };
        ctx.Request.Scheme = "https";
        ctx.Request.Host = new Microsoft.AspNetCore.Http.HostString("fleet.example", 8443);
        ctx.Response.Body = new MemoryStream();

        string done = await Client.ScheduleNewOrchestrationInstanceAsync("Chain");
        var result = await Client.WaitForCompletionOrCreateCheckStatusResponseAsync(ctx.Request, done, TimeSpan.FromSeconds(20));
        await result.ExecuteAsync(ctx);
        Assert.Equal(200, ctx.Response.StatusCode);
        ctx.Response.Body.Position = 0;
        Assert.Equal("Hello Tokyo!", JsonNode.Parse(ctx.Response.Body)![0]!.GetValue<string>());

        var ctx2 = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = app.Services };
        ctx2.Request.Scheme = "https";
        ctx2.Request.Host = new Microsoft.AspNetCore.Http.HostString("fleet.example", 8443);
        ctx2.Response.Body = new MemoryStream();
        string waiting = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        var pending = await Client.WaitForCompletionOrCreateCheckStatusResponseAsync(ctx2.Request, waiting, TimeSpan.FromMilliseconds(300));
        await pending.ExecuteAsync(ctx2);
        Assert.Equal(202, ctx2.Response.StatusCode);
        Assert.StartsWith($"https://fleet.example:8443{Base}/instances/{waiting}?taskHub=", ctx2.Response.Headers.Location.ToString());
        ctx2.Response.Body.Position = 0;
        var payload = JsonSerializer.Deserialize<Http.HttpManagementPayload>(ctx2.Response.Body)!;
        Assert.Equal(waiting, payload.Id);
        await Client.TerminateInstanceAsync(waiting);
    }

    // Item 5 of issue 13: the gaps found when the official durable-functions client was driven against the API.

    [Fact]
    public async Task Rewind_is_412_for_an_instance_that_did_not_fail_and_404_for_an_unknown_one()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Chain");
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        var r = await Http.PostAsync($"{Base}/instances/{id}/rewind?reason=again", null);
        Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode);
        Assert.Contains("Completed", (await JsonAsync(r))["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync($"{Base}/instances/none-{Guid.NewGuid():N}/rewind", null)).StatusCode);
    }

    [Fact]
    public async Task Delete_of_a_running_or_suspended_instance_is_412_and_keeps_it()
    {
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await Client.WaitForInstanceStartAsync(id, false, Timeout());
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Http.DeleteAsync($"{Base}/instances/{id}")).StatusCode);
        await Client.SuspendInstanceAsync(id, "hold");
        await WaitForStatusAsync(id, OrchestrationRuntimeStatus.Suspended);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await Http.DeleteAsync($"{Base}/instances/{id}")).StatusCode);
        Assert.NotNull(await Client.GetInstanceAsync(id));
        await Client.TerminateInstanceAsync(id);
    }

    [Fact]
    public async Task RaiseEvent_checks_the_instance_before_the_body_and_wants_JSON()
    {
        // A finished instance is 410 even with a body that is not JSON; an unknown one is 404.
        string done = await Client.ScheduleNewOrchestrationInstanceAsync("Chain");
        await Client.WaitForInstanceCompletionAsync(done, false, Timeout());
        Assert.Equal(HttpStatusCode.Gone, (await Http.PostAsync($"{Base}/instances/{done}/raiseEvent/Approval", new StringContent("not json", Encoding.UTF8, "text/plain"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PostAsync($"{Base}/instances/none-{Guid.NewGuid():N}/raiseEvent/Approval", Json("\"x\""))).StatusCode);

        string id = await Client.ScheduleNewOrchestrationInstanceAsync("WaitEvent");
        await Client.WaitForInstanceStartAsync(id, false, Timeout());
        var wrongType = await Http.PostAsync($"{Base}/instances/{id}/raiseEvent/Approval", new StringContent("\"ok\"", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Equal("Invalid JSON content.", (await JsonAsync(wrongType))["message"]!.GetValue<string>());
        var invalid = await Http.PostAsync($"{Base}/instances/{id}/raiseEvent/Approval", Json("{\"unclosed\": "));
        Assert.Equal("Invalid JSON content.", (await JsonAsync(invalid))["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync($"{Base}/instances/{id}/raiseEvent/Approval", Json("\"approved\""))).StatusCode);
        var m = await Client.WaitForInstanceCompletionAsync(id, true, Timeout());
        Assert.Equal("approved", m.ReadOutputAs<string>());
    }

    [Theory]
    [InlineData("timeout=1e30")]
    [InlineData("timeout=-5")]
    [InlineData("pollingInterval=99999999999")]
    [InlineData("timeout=Infinity")]
    public async Task Wait_longer_than_a_timer_holds_is_400_and_starts_nothing(string query)
    {
        string id = "too-long-" + Guid.NewGuid().ToString("N");
        var r = await Http.PostAsync($"{Base}/orchestrators/Chain/{id}?{query}", null);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("seconds", (await JsonAsync(r))["message"]!.GetValue<string>());
        Assert.Null(await Client.GetInstanceAsync(id));
    }

    [Fact]
    public async Task Garbage_continuation_token_is_a_400_never_a_500()
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"{Base}/instances?top=1");
        req.Headers.Add("x-ms-continuation-token", "%%%not-a-token%%%");
        var r = await Http.SendAsync(req);
        Assert.True(r.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"got {(int)r.StatusCode}");
        if (r.StatusCode == HttpStatusCode.BadRequest)
            Assert.Contains("continuation", (await JsonAsync(r))["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Query_values_that_do_not_parse_are_ignored()
    {
        string prefix = "ignore-" + Guid.NewGuid().ToString("N")[..8];
        string id = await Client.ScheduleNewOrchestrationInstanceAsync("Chain", null, new StartOrchestrationOptions($"{prefix}-0"));
        await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        var r = await Http.GetAsync($"{Base}/instances?instanceIdPrefix={prefix}&top=abc&createdTimeFrom=yesterday&runtimeStatus=Bogus&showInput=maybe");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Single((await JsonAsync(r)).AsArray());
        var start = await Http.PostAsync($"{Base}/orchestrators/Chain?timeout=soon", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var status = await Http.GetAsync($"{Base}/instances/{id}?showHistory=perhaps");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    [Fact]
    public async Task Instance_ids_with_an_encoded_slash_are_decoded()
    {
        string id = $"tenant/{Guid.NewGuid():N}";
        var r = await Http.PostAsync($"{Base}/orchestrators/WaitEvent/{Uri.EscapeDataString(id)}", null);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        Assert.Equal(id, (await JsonAsync(r))["id"]!.GetValue<string>());
        await Client.WaitForInstanceStartAsync(id, false, Timeout());
        var status = await Http.GetAsync($"{Base}/instances/{Uri.EscapeDataString(id)}");
        Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
        Assert.Equal(id, (await JsonAsync(status))["instanceId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await Http.PostAsync($"{Base}/instances/{Uri.EscapeDataString(id)}/terminate?reason=done", null)).StatusCode);
        var m = await Client.WaitForInstanceCompletionAsync(id, false, Timeout());
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, m.RuntimeStatus);
    }

    [Fact]
    public async Task Entity_routes_answer_501_with_a_message()
    {
        var get = await Http.GetAsync($"{Base}/entities/Counter/one");
        Assert.Equal(HttpStatusCode.NotImplemented, get.StatusCode);
        Assert.Contains("entities", (await JsonAsync(get))["message"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotImplemented, (await Http.PostAsync($"{Base}/entities/Counter/one?op=add", Json("1"))).StatusCode);
    }

    private async Task WaitForStatusAsync(string id, OrchestrationRuntimeStatus status)
    {
        var ct = Timeout();
        while ((await Client.GetInstanceAsync(id, ct))!.RuntimeStatus != status) await Task.Delay(20, ct);
    }
}

public sealed class InMemoryHttpApiTests(InMemoryFixture fixture) : HttpApiTests<InMemoryFixture>(fixture), IClassFixture<InMemoryFixture>;

public sealed class FleetHttpApiTests(AzuriteFixture fixture) : HttpApiTests<AzuriteFixture>(fixture), IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Rewind_of_a_failed_instance_is_501_on_Fleets_provider()
    {
        string id = await Fixture.Client.ScheduleNewOrchestrationInstanceAsync("FailingChild");
        await Fixture.Client.WaitForInstanceCompletionAsync(id, false, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var r = await Fixture.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{id}/rewind?reason=retry", null);
        Assert.Equal(HttpStatusCode.NotImplemented, r.StatusCode);
        Assert.Contains("rewind", JsonNode.Parse(await r.Content.ReadAsStringAsync())!["message"]!.GetValue<string>());
    }
}

public sealed class StockHttpApiTests(StockFixture fixture) : HttpApiTests<StockFixture>(fixture), IClassFixture<StockFixture>
{
    [Fact]
    public async Task Rewind_of_a_failed_instance_is_202_on_the_stock_provider()
    {
        string id = await Fixture.Client.ScheduleNewOrchestrationInstanceAsync("FailingChild");
        await Fixture.Client.WaitForInstanceCompletionAsync(id, false, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        var r = await Fixture.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{id}/rewind?reason=retry", null);
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
    }
}
