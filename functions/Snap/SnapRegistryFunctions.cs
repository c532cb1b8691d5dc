using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;
using Microsoft.AspNetCore.Mvc;

namespace Fleet.Functions.Snap;

/// <summary>SNAP's <c>config/registry/*</c> and <c>registry/login</c>: passwords go in, never come out.</summary>
public static class SnapRegistryFunctions
{
    public sealed record CreateRegistryRequest([property: Name] string? Name = null, string? Url = null, string? Username = null,
        string? Password = null, bool? VerifySsl = null);

    public sealed record DeleteRegistryRequest([property: Name] string? Name = null);
    public sealed record RegistryLoginRequest([property: Name] string? RegistryConfigName = null);
    public sealed record RegistryResult(bool Success, string Message, RegistryConfigView Registry);
    public sealed record RegistryList(bool Success, IReadOnlyList<RegistryConfigView> Registries);
    public sealed record RegistryLoginResult(bool Success, string Message, string Registry, string Username);
    public sealed record Done(bool Success, string Message);

    public static void MapSnapRegistryConfigs(this RouteGroupBuilder group)
    {
        var g = group.MapGroup("/config/registry").WithTags("snap");
        g.MapPost("/create", Create).RequireRole(FleetRole.Admin).WithName("SnapCreateRegistry").WithSummary("Create registry config")
            .WithRequestExample(new { name = "nexus-registry", url = "https://localhost:5000", username = "admin", password = "password123", verify_ssl = true })
            .Produces<RegistryResult>(StatusCodes.Status201Created);
        g.MapGet("/list", List).RequireRole(FleetRole.Viewer).WithName("SnapListRegistries").WithSummary("List registry configs").Produces<RegistryList>();
        g.MapPut("/update", Update).RequireRole(FleetRole.Admin).WithName("SnapUpdateRegistry").WithSummary("Update registry config")
            .WithRequestExample(new { name = "nexus-registry", url = "https://localhost:5000", verify_ssl = false })
            .Produces<RegistryResult>();
        g.MapDelete("/delete", Delete).RequireRole(FleetRole.Admin).WithName("SnapDeleteRegistry").WithSummary("Delete registry config").Produces<Done>();
        group.MapPost("/registry/login", Login).RequireRole(FleetRole.Operator).WithName("SnapRegistryLogin").WithSummary("Login to registry")
            .WithRequestExample(new { registry_config_name = "nexus-registry" })
            .Produces<RegistryLoginResult>();
    }

    private static async Task<IResult> Create(CreateRegistryRequest body, RegistryConfigService configs, CancellationToken ct)
    {
        var e = await configs.CreateAsync(new RegistryConfigRequest(body.Name, body.Url, body.Username, body.Password, body.VerifySsl), ct);
        return Results.Json(new RegistryResult(true, "Registry configuration created", RegistryConfigView.From(e)), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> List(RegistryConfigService configs, CancellationToken ct) =>
        Results.Json(new RegistryList(true, (await configs.ListAsync(ct)).Select(RegistryConfigView.From).ToList()));

    private static async Task<IResult> Update(CreateRegistryRequest body, RegistryConfigService configs, CancellationToken ct)
    {
        var e = await configs.UpdateAsync(new RegistryConfigRequest(body.Name, body.Url, body.Username, body.Password, body.VerifySsl), ct);
        return Results.Json(new RegistryResult(true, "Registry configuration updated", RegistryConfigView.From(e)));
    }

    /// <summary>The name may come as <c>?name=</c> or in a JSON body, as for cluster configs.</summary>
    private static async Task<IResult> Delete([FromQuery] string? name, HttpRequest request, RegistryConfigService configs, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(name) && request.HasJsonContentType())
            name = (await request.ReadFromJsonAsync<DeleteRegistryRequest>(ct))?.Name;
        if (string.IsNullOrWhiteSpace(name)) throw FleetException.Validation("name", "name is required");
        await configs.DeleteAsync(name, ct);
        return Results.Json(new Done(true, "Registry configuration deleted"));
    }

    /// <summary>GET <c>/v2/</c> with the stored credentials: 401 → AUTHENTICATION_FAILED, no answer → REGISTRY_CONNECTION_FAILED.</summary>
    private static async Task<IResult> Login(RegistryLoginRequest body, RegistryConfigService configs, OciHttp http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.RegistryConfigName))
            throw FleetException.Validation("registry_config_name", "registry_config_name is required");
        var target = await configs.TargetAsync(body.RegistryConfigName, ct);
        await http.Client(target).CheckAsync(ct);
        return Results.Json(new RegistryLoginResult(true, "Login succeeded", target.Host, target.Username ?? ""));
    }
}
