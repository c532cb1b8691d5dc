using System.Collections.Concurrent;
using Docker.DotNet.Models;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Events;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Homei;

/// <summary>What a reconcile pass did to one service.</summary>
public sealed record ReconcileAction(string Service, string Action, string ContainerId);

/// <summary>A definition with its container's current state, for the list and get routes.</summary>
public sealed record ServiceView(ServiceDefinition Definition, string Status);

/// <summary>
/// Homei's service rules: desired state in <see cref="ServiceStore"/>, realised by <see cref="ContainerRuntime"/>.
/// Start and stop also set <c>enabled</c>, so reconciliation keeps what the user last asked for.
/// Work on one service is serialised so that a reconcile pass and a request never race on its container.
/// </summary>
public sealed class HomeiServiceManager(ServiceStore store, ContainerRuntime runtime, IEventBus bus, ILogger<HomeiServiceManager> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public async Task<List<ServiceView>> ListAsync(CancellationToken ct = default)
    {
        var services = await store.ListAsync(ct);
        var containers = await ManagedContainersAsync(ct);
        return services.OrderBy(s => s.Name)
            .Select(s => new ServiceView(s, Status(containers.GetValueOrDefault(s.Name)))).ToList();
    }

    public async Task<ServiceView> GetAsync(string name, CancellationToken ct = default)
    {
        var d = await RequireAsync(name, ct);
        return new ServiceView(d, Status(await runtime.FindAsync(name, ct)));
    }

    public async Task CreateAsync(ServiceDefinition d, CancellationToken ct = default)
    {
        ServiceSpecValidator.Validate(d);
        new DependencyGraph(await store.ListAsync(ct)).Check(d);
        var now = DateTimeOffset.UtcNow;
        d = d with { CreatedAt = now, UpdatedAt = now };
        await store.AddAsync(d, ct); // first, so a duplicate name is a 409 before any container is touched
        try
        {
            await Locked(d.Name, async () =>
            {
                if (d.Enabled) await StartChainAsync(d.Name, ct);
                else await runtime.CreateAsync(d, ct);
            });
        }
        catch (Exception)
        {
            // The container could not be made (no such image, the Docker engine down, the caller gone mid-pull): leave
            // nothing behind. The row goes even when the engine cannot be asked to remove a half-made container.
            try
            {
                await Locked(d.Name, () => runtime.RemoveAsync(d.Name, CancellationToken.None));
            }
            catch (Exception cleanup)
            {
                logger.LogWarning("Service {Service}: could not remove its container after a failed create ({Error})", d.Name, cleanup.Message);
            }
            await store.DeleteAsync(d.Name, ct: CancellationToken.None);
            throw;
        }
    }

    /// <summary>Applies <paramref name="change"/> to the stored definition and recreates the container from it.</summary>
    public async Task UpdateAsync(string name, Func<ServiceDefinition, ServiceDefinition> change, CancellationToken ct = default)
    {
        var current = await store.GetAsync(name, ct) ?? throw HomeiErrors.ServiceNotFound(name);
        var d = change(current.Definition) with { Name = name, CreatedAt = current.Definition.CreatedAt, UpdatedAt = DateTimeOffset.UtcNow };
        ServiceSpecValidator.Validate(d);
        new DependencyGraph(await store.ListAsync(ct)).Check(d);
        await store.UpdateAsync(d, current.ETag, ct);
        await Locked(name, async () =>
        {
            if (d.Enabled) await StartChainAsync(name, ct, recreate: true);
            else await runtime.CreateAsync(d, ct);
        });
    }

    public async Task DeleteAsync(string name, CancellationToken ct = default)
    {
        var current = await store.GetAsync(name, ct) ?? throw HomeiErrors.ServiceNotFound(name);
        var dependents = (await store.ListAsync(ct)).Where(s => s.DependsOn.Contains(name)).Select(s => s.Name).ToList();
        if (dependents.Count > 0)
            throw FleetException.Conflict($"Service '{name}' is a dependency of: {string.Join(", ", dependents)}");
        await Locked(name, async () =>
        {
            await runtime.RemoveAsync(name, ct);
            await store.DeleteAsync(name, current.ETag, ct);
        });
    }

    /// <summary>Starts the service after its dependencies (each created if missing) and marks it enabled.</summary>
    public async Task StartAsync(string name, CancellationToken ct = default)
    {
        await SetEnabledAsync(name, true, ct);
        await Locked(name, () => StartChainAsync(name, ct));
    }

    public async Task StopAsync(string name, CancellationToken ct = default)
    {
        await SetEnabledAsync(name, false, ct);
        await Locked(name, async () =>
        {
            if (await runtime.FindAsync(name, ct) is { State: "running" or "restarting" or "paused" } c)
                await runtime.StopAsync(c.ID, ct);
        });
    }

    public async Task RestartAsync(string name, CancellationToken ct = default)
    {
        await SetEnabledAsync(name, true, ct);
        await Locked(name, async () =>
        {
            if (await runtime.FindAsync(name, ct) is { } c)
            {
                await StartChainAsync(name, ct, dependenciesOnly: true);
                await runtime.RestartAsync(c.ID, ct);
            }
            else await StartChainAsync(name, ct);
        });
    }

    /// <summary>One pass: every enabled service whose container is missing or not running is brought back.</summary>
    public async Task<List<ReconcileAction>> ReconcileAsync(CancellationToken ct = default)
    {
        var actions = new List<ReconcileAction>();
        var services = await store.ListAsync(ct);
        var containers = await ManagedContainersAsync(ct);
        foreach (var s in services.Where(s => s.Enabled))
        {
            var c = containers.GetValueOrDefault(s.Name);
            if (c is { State: "running" or "restarting" }) continue;
            try
            {
                await Locked(s.Name, async () =>
                {
                    // Look again under the lock: a request may have fixed or removed it meanwhile.
                    var fresh = await store.GetAsync(s.Name, ct);
                    if (fresh is not { Definition.Enabled: true }) return;
                    var now = await runtime.FindAsync(s.Name, ct);
                    if (now is { State: "running" or "restarting" }) return;
                    string id;
                    if (now is null) { id = await runtime.CreateAsync(fresh.Value.Definition, ct); await runtime.StartAsync(id, ct); }
                    else { id = now.ID; await runtime.StartAsync(id, ct); }
                    var action = new ReconcileAction(s.Name, now is null ? "recreated" : "started", id);
                    actions.Add(action);
                    bus.Publish("homei", "service.reconciled",
                        new { service = s.Name, action = action.Action, container_id = Short(id) });
                });
            }
            catch (FleetException e)
            {
                logger.LogWarning("Reconcile of service {Service} failed: {Message}", s.Name, e.Message);
                bus.Publish("homei", "service.reconcile_failed", new { service = s.Name, error = e.Message });
            }
        }
        return actions;
    }

    public static string Short(string id) => id.Length > 12 ? id[..12] : id;

    public static string Status(ContainerListResponse? c) => c?.State switch
    {
        null => "absent",
        "exited" or "dead" => "stopped",
        var s => s,
    };

    private async Task<Dictionary<string, ContainerListResponse>> ManagedContainersAsync(CancellationToken ct) =>
        (await runtime.ListAsync(ct))
            .Where(c => c.Labels is not null && c.Labels.TryGetValue(HomeiLabels.Managed, out var m) && m == "true" && c.Labels.ContainsKey(HomeiLabels.Service))
            .GroupBy(c => c.Labels[HomeiLabels.Service])
            .ToDictionary(g => g.Key, g => g.First());

    private async Task<ServiceDefinition> RequireAsync(string name, CancellationToken ct) =>
        (await store.GetAsync(name, ct))?.Definition ?? throw HomeiErrors.ServiceNotFound(name);

    private async Task SetEnabledAsync(string name, bool enabled, CancellationToken ct)
    {
        var current = await store.GetAsync(name, ct) ?? throw HomeiErrors.ServiceNotFound(name);
        if (current.Definition.Enabled == enabled) return;
        await store.UpdateAsync(current.Definition with { Enabled = enabled, UpdatedAt = DateTimeOffset.UtcNow }, current.ETag, ct);
    }

    /// <summary>
    /// Brings up the dependencies of <paramref name="name"/> in order, then the service itself (unless
    /// <paramref name="dependenciesOnly"/>); <paramref name="recreate"/> rebuilds the service's own container.
    /// The caller holds the lock of <paramref name="name"/>; dependencies take their own.
    /// </summary>
    private async Task StartChainAsync(string name, CancellationToken ct, bool recreate = false, bool dependenciesOnly = false)
    {
        var graph = new DependencyGraph(await store.ListAsync(ct));
        foreach (var s in graph.StartOrder(name))
        {
            var self = s.Name == name;
            if (self && dependenciesOnly) continue;
            async Task Up()
            {
                var c = await runtime.FindAsync(s.Name, ct);
                var id = c is null || (self && recreate) ? await runtime.CreateAsync(s, ct) : c.ID;
                if (c is null || (self && recreate) || c.State is not ("running" or "restarting")) await runtime.StartAsync(id, ct);
            }
            if (self) await Up();
            else await Locked(s.Name, Up);
        }
    }

    private async Task Locked(string name, Func<Task> work)
    {
        var gate = _locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try { await work(); }
        finally { gate.Release(); }
    }
}
