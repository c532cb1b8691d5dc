using Fleet.Core.Pioneer;
using Fleet.Functions.Platform.Auth;
using Fleet.Functions.Platform.Contract;

namespace Fleet.Functions.Pioneer;

/// <summary>The seed's "Get Kafka Metrics" from the broker <c>Pioneer__Kafka__BootstrapServers</c> names (503 when none does).</summary>
public static class PioneerKafkaFunctions
{
    public static void MapPioneerKafka(this RouteGroupBuilder group) =>
        group.MapGet("/kafka/metrics", (KafkaMetrics kafka, CancellationToken ct) => kafka.ReadAsync(ct))
            .RequireRole(FleetRole.Viewer).WithName("PioneerKafkaMetrics").WithSummary("Get Kafka metrics")
            .PioneerResponses<KafkaMetricsView>(502, 503).WithFamilyErrors(502, 503);
}
