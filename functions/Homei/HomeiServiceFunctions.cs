using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;

namespace Fleet.Functions.Homei;

/// <summary>The seed's "Service Management" routes under <c>/v1/services</c>.</summary>
public static class HomeiServiceFunctions
{
    /// <summary>Create and update bodies; every field optional here so the service names the missing one.</summary>
    public sealed record ServiceRequest
    {
        public string? Name { get; init; }
        public string? Image { get; init; }
        public bool? Enabled { get; init; }
        public string? RestartPolicy { get; init; }
        public Dictionary<string, string>? Environment { get; init; }
        public List<string>? Ports { get; init; }
        public List<string>? Volumes { get; init; }
        public List<string>? DependsOn { get; init; }
        public Dictionary<string, string>? Labels { get; init; }
        public List<string>? Command { get; init; }
        public List<string>? Entrypoint { get; init; }
    }

    public sealed record ServiceSummary(string Name, string Image, string Status, bool Enabled, string RestartPolicy,
        DateTimeOffset CreatedAt, Dictionary<string, string> Labels);
    public sealed record ServiceList(List<ServiceSummary> Services);
    public sealed record ServiceDetail(string Name, string Image, string Status, bool Enabled, string RestartPolicy,
        Dictionary<string, string> Environment, List<string> Ports, List<string> Volumes, List<string> DependsOn,
        Dictionary<string, string> Labels, List<string>? Command, List<string>? Entrypoint, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
    public sealed record ServiceResult(string Name, string Status, string Message);

    public static void MapHomeiServices(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/v1/services").ViewerReadsOperatorWrites();
        g.MapGet("", List).WithName("HomeiListServices").WithSummary("List services");
        g.MapGet("/{service_name}", Get).WithName("HomeiGetService").WithSummary("Get service");
        g.MapPost("", Create).WithName("HomeiCreateService").WithSummary("Create service").Produces<ServiceResult>(StatusCodes.Status201Created);
        g.MapPut("/{service_name}", Update).WithName("HomeiUpdateService").WithSummary("Update service");
        g.MapDelete("/{service_name}", Delete).WithName("HomeiDeleteService").WithSummary("Delete service");
        g.MapPost("/{service_name}/start", Start).WithName("HomeiStartService").WithSummary("Start service");
        g.MapPost("/{service_name}/stop", Stop).WithName("HomeiStopService").WithSummary("Stop service");
        g.MapPost("/{service_name}/restart", Restart).WithName("HomeiRestartService").WithSummary("Restart service");
    }

    private static async Task<ServiceList> List(HomeiServiceManager m, CancellationToken ct) =>
        new((await m.ListAsync(ct)).Select(v => new ServiceSummary(v.Definition.Name, v.Definition.Image, v.Status, v.Definition.Enabled,
            v.Definition.RestartPolicy, v.Definition.CreatedAt, v.Definition.ContainerLabels())).ToList());

    private static async Task<ServiceDetail> Get(string service_name, HomeiServiceManager m, CancellationToken ct)
    {
        var v = await m.GetAsync(service_name, ct);
        var d = v.Definition;
        return new ServiceDetail(d.Name, d.Image, v.Status, d.Enabled, d.RestartPolicy, d.Environment, d.Ports, d.Volumes, d.DependsOn,
            d.ContainerLabels(), d.Command, d.Entrypoint, d.CreatedAt, d.UpdatedAt);
    }

    private static async Task<IResult> Create(ServiceRequest body, HomeiServiceManager m, CancellationToken ct)
    {
        ServiceSpecValidator.ValidateName(body.Name);
        if (string.IsNullOrWhiteSpace(body.Image)) throw FleetException.Validation("image", "Field 'image' is required");
        var d = Apply(new ServiceDefinition { Name = body.Name!, Image = body.Image }, body);
        await m.CreateAsync(d, ct);
        return Results.Json(new ServiceResult(d.Name, "created", "Service created successfully"), statusCode: 201);
    }

    private static async Task<ServiceResult> Update(string service_name, ServiceRequest body, HomeiServiceManager m, CancellationToken ct)
    {
        if (body.Name is not null && body.Name != service_name)
            throw FleetException.Validation("name", "A service cannot be renamed; 'name' must match the path");
        await m.UpdateAsync(service_name, d => Apply(d, body), ct);
        return new(service_name, "updated", "Service updated successfully");
    }

    private static async Task<ServiceResult> Delete(string service_name, HomeiServiceManager m, CancellationToken ct)
    {
        await m.DeleteAsync(service_name, ct);
        return new(service_name, "deleted", "Service deleted successfully");
    }

    private static async Task<ServiceResult> Start(string service_name, HomeiServiceManager m, CancellationToken ct)
    {
        await m.StartAsync(service_name, ct);
        return new(service_name, "started", "Service started successfully");
    }

    private static async Task<ServiceResult> Stop(string service_name, HomeiServiceManager m, CancellationToken ct)
    {
        await m.StopAsync(service_name, ct);
        return new(service_name, "stopped", "Service stopped successfully");
    }

    private static async Task<ServiceResult> Restart(string service_name, HomeiServiceManager m, CancellationToken ct)
    {
        await m.RestartAsync(service_name, ct);
        return new(service_name, "restarted", "Service restarted successfully");
    }

    /// <summary>Fields present in the body replace the definition's; absent ones keep it (the seed's partial PUT).</summary>
    private static ServiceDefinition Apply(ServiceDefinition d, ServiceRequest b) => d with
    {
        Image = b.Image ?? d.Image,
        Enabled = b.Enabled ?? d.Enabled,
        RestartPolicy = b.RestartPolicy ?? d.RestartPolicy,
        Environment = b.Environment ?? d.Environment,
        Ports = b.Ports ?? d.Ports,
        Volumes = b.Volumes ?? d.Volumes,
        DependsOn = b.DependsOn ?? d.DependsOn,
        Labels = b.Labels ?? d.Labels,
        Command = b.Command ?? d.Command,
        Entrypoint = b.Entrypoint ?? d.Entrypoint,
    };
}
