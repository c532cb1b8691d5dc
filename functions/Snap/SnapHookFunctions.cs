using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;
using Fleet.Core.Snap.Hooks;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;

namespace Fleet.Functions.Snap;

/// <summary>
/// SNAP <c>/snaphook</c>, <c>/snaphook/{name}/start|stop</c>, <c>/snaphook/list</c>, and the admission webhook Fleet
/// serves itself at <c>/snaphook/{name}/admit</c> (anonymous: the API server calls it; only a started hook answers).
/// </summary>
public static class SnapHookFunctions
{
    public sealed record ClusterConfigRef(string? ApiServerUrl = null);

    public sealed record CreateSnapHookRequest([property: Name] string? Name = null, [property: Name] string? ClusterName = null,
        ClusterConfigRef? ClusterConfig = null, string? WebhookUrl = null, string? Namespace = null, int? CertExpiryDays = null);

    /// <summary>A hook as clients see it: never a key.</summary>
    public sealed record SnapHookView(string Name, string ClusterName, string Namespace, string WebhookUrl, string Status, string CreatedAt,
        string CertExpiresAt, string SecretName, string WebhookConfiguration, string AdmissionPath, string? StartedAt, string? StoppedAt)
    {
        public static SnapHookView From(SnapHookEntity e) => new(e.RowKey, e.ClusterName, e.Namespace, e.WebhookUrl, e.Status,
            FleetTime.Format(e.CreatedAt), FleetTime.Format(e.CertExpiresAt), e.SecretName, e.RowKey,
            $"/api/snap/snaphook/{e.RowKey}/admit", FleetTime.Format(e.StartedAt), FleetTime.Format(e.StoppedAt));
    }

    public sealed record SnapHookResult(bool Success, string Message, SnapHookView Snaphook);
    public sealed record SnapHookList(bool Success, IReadOnlyList<SnapHookView> Snaphooks);

    public static IServiceCollection AddSnapHooks(this IServiceCollection services)
    {
        services.AddFleetTable(SnapHookService.Table);
        services.AddSingleton<SnapHookService>();
        return services;
    }

    public static void MapSnapHooks(this RouteGroupBuilder group)
    {
        var g = group.MapGroup("/snaphook").WithTags("snap");
        // Mapped on the family group itself: an empty pattern under /snaphook would document as "/snaphook/".
        group.MapPost("/snaphook", Create).WithTags("snap").RequireRole(FleetRole.Operator).WithName("SnapCreateSnapHook").WithSummary("Create SnapHook")
            .WithRequestExample(new
            {
                name = "production-snaphook", cluster_name = "production-cluster", cluster_config = new { api_server_url = "https://api.cluster.com:6443" },
                webhook_url = "https://snap.company.com/webhook", @namespace = "snap", cert_expiry_days = 365,
            })
            .Produces<SnapHookResult>(StatusCodes.Status201Created);
        g.MapPost("/{name}/start", Start).RequireRole(FleetRole.Operator).WithName("SnapStartSnapHook").WithSummary("Start SnapHook")
            .Produces<SnapHookResult>();
        g.MapPost("/{name}/stop", Stop).RequireRole(FleetRole.Operator).WithName("SnapStopSnapHook").WithSummary("Stop SnapHook")
            .Produces<SnapHookResult>();
        g.MapGet("/list", List).RequireRole(FleetRole.Viewer).WithName("SnapListSnapHooks").WithSummary("List SnapHooks").Produces<SnapHookList>();
        g.MapPost("/{name}/admit", Admit).Anonymous().WithName("SnapHookAdmit")
            .WithSummary("SnapHook admission webhook (called by the API server)")
            .WithDescription("The mutating admission webhook of a started SnapHook: an admission.k8s.io/v1 AdmissionReview in, the same with "
                + "its response out. A Pod annotated snap.io/restore-from: <checkpoint image> (optionally snap.io/restore-container: <name>, "
                + "else the first container) is allowed with a base64 JSONPatch setting that container's image to the checkpoint image; "
                + "any other object is allowed unchanged. The response uid is the request uid.")
            .Accepts<AdmissionReviewRequest>("application/json")
            .WithRequestExample(AdmissionReviewRequest.Example)
            .Produces<AdmissionReviewResponse>();
    }

    private static async Task<IResult> Create(CreateSnapHookRequest body, SnapHookService hooks, CancellationToken ct)
    {
        var hook = await hooks.CreateAsync(new SnapHookRequest(body.Name, body.ClusterName, body.ClusterConfig?.ApiServerUrl, body.WebhookUrl,
            body.Namespace, body.CertExpiryDays), ct);
        return Results.Json(new SnapHookResult(true, "SnapHook created", SnapHookView.From(hook)), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Start(string name, SnapHookService hooks, CancellationToken ct) =>
        Results.Json(new SnapHookResult(true, "SnapHook started", SnapHookView.From(await hooks.StartAsync(name, ct))));

    private static async Task<IResult> Stop(string name, SnapHookService hooks, CancellationToken ct) =>
        Results.Json(new SnapHookResult(true, "SnapHook stopped", SnapHookView.From(await hooks.StopAsync(name, ct))));

    private static async Task<IResult> List(SnapHookService hooks, CancellationToken ct) =>
        Results.Json(new SnapHookList(true, (await hooks.ListAsync(ct)).Select(SnapHookView.From).ToList()));

    /// <summary>The AdmissionReview is read as sent (camelCase, any pod); it is answered in the same shape, not SNAP's.</summary>
    private static async Task<IResult> Admit(string name, HttpRequest request, SnapHookService hooks, CancellationToken ct)
    {
        await hooks.ActiveAsync(name, ct);
        JsonNode? review;
        try
        {
            review = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException)
        {
            throw FleetException.Validation("body", "the body must be a JSON AdmissionReview");
        }
        return Results.Text(RestoreAdmission.Review(review).ToJsonString(), "application/json", statusCode: StatusCodes.Status200OK);
    }
}

/// <summary>GroupVersionKind / GroupVersionResource of an admission request (documentation of the wire shape).</summary>
public sealed record AdmissionGroupVersionKind(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("kind")] string? Kind = null,
    [property: JsonPropertyName("resource")] string? Resource = null);

/// <summary>The <c>request</c> of an admission.k8s.io/v1 AdmissionReview.</summary>
public sealed record AdmissionRequestBody(
    [property: JsonPropertyName("uid")] string Uid,
    [property: JsonPropertyName("kind")] AdmissionGroupVersionKind Kind,
    [property: JsonPropertyName("resource")] AdmissionGroupVersionKind? Resource,
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("object")] JsonObject? Object,
    [property: JsonPropertyName("dryRun")] bool? DryRun = null);

/// <summary>An admission.k8s.io/v1 AdmissionReview as the API server sends it.</summary>
public sealed record AdmissionReviewRequest(
    [property: JsonPropertyName("apiVersion")] string ApiVersion,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("request")] AdmissionRequestBody Request)
{
    public static readonly JsonObject Example = new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = "705ab4f5-6393-11e8-b7cc-42010a800002",
            ["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = "Pod" },
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = "pods" },
            ["operation"] = "CREATE",
            ["namespace"] = "default",
            ["name"] = "test-app",
            ["object"] = new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Pod",
                ["metadata"] = new JsonObject
                {
                    ["name"] = "test-app", ["namespace"] = "default",
                    ["annotations"] = new JsonObject { ["snap.io/restore-from"] = "registry.company.com/checkpoints/test-app:checkpoint-20240115" },
                },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "test-app", ["image"] = "nginx:1.27" }) },
            },
        },
    };
}

/// <summary>The <c>response</c> of an AdmissionReview: the request's uid, allowed, and the JSONPatch (base64) when the pod changes.</summary>
public sealed record AdmissionResponseBody(
    [property: JsonPropertyName("uid")] string Uid,
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("patchType")] string? PatchType,
    [property: JsonPropertyName("patch")] string? Patch,
    [property: JsonPropertyName("warnings")] IReadOnlyList<string>? Warnings);

/// <summary>The AdmissionReview Fleet answers.</summary>
public sealed record AdmissionReviewResponse(
    [property: JsonPropertyName("apiVersion")] string ApiVersion,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("response")] AdmissionResponseBody Response);
