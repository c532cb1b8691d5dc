using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Auth;
using Fleet.Orchestrations.Homei;

namespace Fleet.Functions.Homei;

/// <summary>The seed's "System Updates (RAUC Integration)" routes under <c>/v1/update</c>.</summary>
public static class HomeiUpdateFunctions
{
    public sealed record InstallRequest
    {
        public string? BundlePath { get; init; }
    }

    public sealed record StatusMessage(string Status, string Message);

    public static void MapHomeiUpdates(this RouteGroupBuilder api)
    {
        var g = api.MapGroup("/v1/update").ViewerReadsOperatorWrites();
        g.MapGet("/status", (RaucClient rauc, CancellationToken ct) => rauc.StatusAsync(ct)).WithName("HomeiUpdateStatus").WithSummary("Get update status");
        g.MapPost("/install", Install).WithName("HomeiInstallUpdate").WithSummary("Install update").Produces(StatusCodes.Status202Accepted);
        g.MapPost("/mark-good", async (RaucClient rauc, CancellationToken ct) =>
        {
            await rauc.MarkGoodAsync(ct);
            return new StatusMessage("success", "Current slot marked as good");
        }).WithName("HomeiMarkGood").WithSummary("Mark slot as good");
    }

    /// <summary>The bundle is checked here (400 before anything starts); the install runs as an orchestration.</summary>
    private static Task<IResult> Install(InstallRequest body, RaucClient rauc, HttpRequest request)
    {
        var bundle = rauc.ResolveBundle(body.BundlePath);
        return HomeiLongRunning.RunAsync<RaucInstallResult>(request, nameof(RaucInstallOrchestrator), new RaucInstallInput(bundle),
            r => new { status = r.Status, message = r.Message, slot = r.Slot, version = r.Version },
            new StatusMessage("installing", "Update installation started"),
            message => HomeiErrors.Update(message));
    }
}
