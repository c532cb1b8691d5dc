using k8s;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Events;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.KubeEdge;

public enum JoinOutcome { Joined, AlreadyPresent }

public sealed record DevicePage(IReadOnlyList<DeviceView> Devices, int Count, string? Continue);

/// <summary>Edge devices: a Device CR (devices.kubeedge.io/v1beta1) in the cluster plus a record in <c>kubeedgeDevices</c>.</summary>
public sealed class DeviceService(FleetStorage storage, KubeEdgeScope scope, IEventBus bus)
{
    public const string Table = "kubeedgeDevices";
    public const string Group = "devices.kubeedge.io";
    public const string ApiVersion = "v1beta1";
    public const string Plural = "devices";
    public const string DeviceNamespace = "default";
    public TableStore<DeviceEntity> Rows => storage.Table<DeviceEntity>(Table);

    /// <summary>Checks a join request's fields; throws 400 naming the field.</summary>
    public static DeviceJoinRequest Validate(DeviceJoinRequest r, string prefix = "")
    {
        var node = KubeEdgeValidation.Label(r.NodeName, prefix + "node_name");
        var id = KubeEdgeValidation.Label(r.DeviceId, prefix + "device_id");
        var model = r.Model is null ? "default-model" : KubeEdgeValidation.Label(r.Model, prefix + "model");
        var protocol = r.Protocol is null ? "mqtt" : KubeEdgeValidation.Label(r.Protocol, prefix + "protocol");
        return new DeviceJoinRequest(node, id, model, protocol);
    }

    /// <summary>Joins one device; idempotent: a device already present is reported so, except to the batch that joined it
    /// (<paramref name="joinedBy"/>), whose activity ran again after its host died and still reports "joined".</summary>
    public async Task<(DeviceEntity Device, JoinOutcome Outcome)> JoinAsync(string clusterId, DeviceJoinRequest request, CancellationToken ct,
        string? joinedBy = null)
    {
        var r = Validate(request);
        await storage.EnsureTableAsync(Table, ct);
        if (await Rows.GetAsync(clusterId, r.DeviceId!, ct) is { } existing) return (existing, OutcomeFor(existing, joinedBy));

        await CreateCrAsync(clusterId, r.DeviceId!, r.NodeName!, r.Model!, r.Protocol!, ct);
        var entity = new DeviceEntity
        {
            PartitionKey = clusterId, RowKey = r.DeviceId!, NodeName = r.NodeName!, Model = r.Model!, Protocol = r.Protocol!,
            Namespace = DeviceNamespace, CreatedAt = DateTimeOffset.UtcNow, JoinedBy = joinedBy,
        };
        try
        {
            await Rows.AddAsync(entity, ct: ct);
        }
        catch (FleetException e) when (e.Kind == FleetErrorKind.Conflict)
        {
            var current = await Rows.GetAsync(clusterId, r.DeviceId!, ct) ?? entity;
            return (current, OutcomeFor(current, joinedBy));
        }
        bus.Publish(KubeEdgeEvents.Family, KubeEdgeEvents.DeviceJoined, new JsonObject
        {
            ["device_id"] = entity.RowKey, ["node_name"] = entity.NodeName, ["timestamp"] = FleetTime.Format(entity.CreatedAt),
        });
        return (entity, JoinOutcome.Joined);
    }

    private static JoinOutcome OutcomeFor(DeviceEntity existing, string? joinedBy) =>
        joinedBy is not null && existing.JoinedBy == joinedBy ? JoinOutcome.Joined : JoinOutcome.AlreadyPresent;

    /// <summary>Creates the Device CR; an existing one bound to the same node is adopted (a retry after a crash), another node's is a conflict.</summary>
    public Task CreateCrAsync(string clusterId, string deviceId, string node, string model, string protocol, CancellationToken ct) =>
        scope.ExecuteAsync(clusterId, async (k, t) =>
        {
            try
            {
                await k.CustomObjects.CreateNamespacedCustomObjectAsync(Cr(deviceId, node, model, protocol), Group, ApiVersion, DeviceNamespace, Plural, cancellationToken: t);
            }
            catch (Exception e) when (KubeEdgeScope.IsStatus(e, 409))
            {
                var current = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(
                    await k.CustomObjects.GetNamespacedCustomObjectAsync(Group, ApiVersion, DeviceNamespace, Plural, deviceId, t)));
                var boundTo = (string?)current?["spec"]?["nodeName"];
                if (boundTo != node)
                    throw FleetException.Conflict($"a Device '{deviceId}' already exists in the cluster, bound to node '{boundTo}'");
            }
            return true;
        }, ct);

    private static JsonObject Cr(string deviceId, string node, string model, string protocol) => new()
    {
        ["apiVersion"] = $"{Group}/{ApiVersion}",
        ["kind"] = "Device",
        ["metadata"] = new JsonObject
        {
            ["name"] = deviceId, ["namespace"] = DeviceNamespace,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "fleet", ["fleet.io/node"] = node },
        },
        ["spec"] = new JsonObject
        {
            ["deviceModelRef"] = new JsonObject { ["name"] = model },
            ["nodeName"] = node,
            ["protocol"] = new JsonObject { ["protocolName"] = protocol, ["configData"] = new JsonObject() },
        },
    };

    public async Task<DeviceEntity> GetAsync(string deviceId, CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(clusterId, deviceId, ct) ?? throw FleetException.NotFound($"device '{deviceId}' not found");
    }

    public async Task<DeviceEntity?> FindAsync(string clusterId, string deviceId, CancellationToken ct)
    {
        await storage.EnsureTableAsync(Table, ct);
        return await Rows.GetAsync(clusterId, deviceId, ct);
    }

    public async Task<DevicePage> ListAsync(string? nodeName, string? status, int? limit, string? continueToken, CancellationToken ct)
    {
        // Bad input is a 400 whatever the state of the cluster: checked before the cluster is looked up.
        var pageSize = KubeEdgeValidation.Range(limit ?? 100, 1, 1000, "limit");
        ContinuationToken.Decode(continueToken);
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}");
        if (nodeName is { Length: > 0 }) filter += " and " + TableClient.CreateQueryFilter($"NodeName eq {nodeName}");
        if (status is { Length: > 0 }) filter += " and " + TableClient.CreateQueryFilter($"Status eq {status}");
        var page = await Rows.QueryPageAsync(filter, pageSize, continueToken, ct);
        return new DevicePage(page.Items.Select(DeviceView.From).ToList(), page.Items.Count, page.ContinuationToken);
    }

    /// <summary>Removes the CR, then the record; 404 only when neither existed.</summary>
    public async Task DeleteAsync(string deviceId, CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        var crDeleted = await scope.ExecuteAsync(clusterId, async (k, t) =>
        {
            try
            {
                await k.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, ApiVersion, DeviceNamespace, Plural, deviceId, cancellationToken: t);
                return true;
            }
            catch (Exception e) when (KubeEdgeScope.IsStatus(e, 404)) { return false; }
        }, ct);
        var rowDeleted = await Rows.DeleteAsync(clusterId, deviceId, ct: ct);
        if (!crDeleted && !rowDeleted) throw FleetException.NotFound($"device '{deviceId}' not found");
        bus.Publish(KubeEdgeEvents.Family, KubeEdgeEvents.DeviceRemoved, new JsonObject
        {
            ["device_id"] = deviceId, ["timestamp"] = FleetTime.Format(DateTimeOffset.UtcNow),
        });
    }

    /// <summary>Sets status and last-seen, retrying on a lost ETag race; returns the previous status, null when the device is unknown.</summary>
    public async Task<string?> SetStatusAsync(string clusterId, string deviceId, string? status, DateTimeOffset? seen, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var e = await FindAsync(clusterId, deviceId, ct);
            if (e is null) return null;
            var previous = e.Status;
            if (status is not null) e.Status = status;
            if (seen is not null && (e.LastSeen is null || seen > e.LastSeen)) e.LastSeen = seen;
            try
            {
                await Rows.UpdateAsync(e, ct);
                return previous;
            }
            catch (FleetException x) when (x.Kind == FleetErrorKind.Conflict) { }
        }
        throw FleetException.Conflict($"device '{deviceId}' keeps changing; status not saved");
    }

    /// <summary>(total, online) for the metrics route; reads only the Status column.</summary>
    public async Task<(int Total, int Online)> CountAsync(CancellationToken ct)
    {
        var clusterId = await scope.ClusterIdAsync(ct);
        await storage.EnsureTableAsync(Table, ct);
        int total = 0, online = 0;
        await foreach (var e in Rows.Client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {clusterId}"), select: ["Status"], cancellationToken: ct))
        {
            total++;
            if (e.GetString("Status") == DeviceStatus.Online) online++;
        }
        return (total, online);
    }
}
