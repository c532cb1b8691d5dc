using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Fleet.Core.KubeEdge;
using k8s;

namespace Fleet.Tests.KubeEdge;

/// <summary>Join tokens, config and CloudCore deployment against the test cluster.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubeEdgeTokenTests(KubeEdgeFixture f) : IClassFixture<KubeEdgeFixture>
{
    private static byte[] B64Url(string s) => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/').PadRight(s.Length + (4 - s.Length % 4) % 4, '='));

    [Fact]
    public async Task Token_has_KubeEdge_format_signed_with_the_casecret_CA_and_a_well_formed_join_command()
    {
        var node = KubeEdgeFixture.Unique("edge");
        var before = DateTimeOffset.UtcNow;
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/token/generate", $$"""{"node_name":"{{node}}","expiry_hours":72}""");
        Assert.Equal(201, status);
        var token = (string)body!["token"]!;

        // The CA lives in Secret kubeedge/casecret, as cloudcore keeps it.
        var secret = await f.Cluster.Client.CoreV1.ReadNamespacedSecretAsync("casecret", "kubeedge");
        var caDer = secret.Data["cadata"];
        var keyDer = secret.Data["cakeydata"];
        using var ca = X509CertificateLoader.LoadCertificate(caDer);
        using var key = ECDsa.Create();
        key.ImportECPrivateKey(keyDer, out _);
        Assert.True(ca.GetECDsaPublicKey()!.VerifyData(Encoding.ASCII.GetBytes("probe"), key.SignData(Encoding.ASCII.GetBytes("probe"), HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));

        var parts = token.Split('.');
        Assert.Equal(4, parts.Length);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(caDer)).ToLowerInvariant(), parts[0]);
        var header = JsonNode.Parse(B64Url(parts[1]))!;
        Assert.Equal("HS256", (string?)header["alg"]);
        var expected = HMACSHA256.HashData(keyDer, Encoding.ASCII.GetBytes(parts[1] + "." + parts[2]));
        Assert.Equal(expected, B64Url(parts[3]));
        var exp = DateTimeOffset.FromUnixTimeSeconds((long)JsonNode.Parse(B64Url(parts[2]))!["exp"]!);
        Assert.InRange(exp, before.AddHours(72).AddSeconds(-5), DateTimeOffset.UtcNow.AddHours(72).AddSeconds(5));
        Assert.Equal(exp, DateTimeOffset.Parse((string)body["expires_at"]!));

        Assert.Equal($"keadm join --cloudcore-ipport=10.20.30.40:10000 --edgenode-name={node} --token={token} --kubeedge-version=v1.18.0",
            (string)body["join_command"]!);

        // A second token is signed by the same CA: the secret is not replaced.
        var (_, second) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/token/generate", $$"""{"node_name":"{{node}}-b"}""");
        Assert.StartsWith(parts[0] + ".", (string)second!["token"]!);
    }

    [Fact]
    public async Task Tokens_list_shows_only_a_prefix_and_revoke_removes_the_record()
    {
        var node = KubeEdgeFixture.Unique("edge");
        var (_, gen) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/token/generate", $$"""{"node_name":"{{node}}"}""");
        var token = (string)gen!["token"]!;
        var text = await f.Client.GetStringAsync("/api/kubeedge/tokens");
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(token.Split('.')[3], text);
        var row = JsonNode.Parse(text)!["tokens"]!.AsArray().Single(t => (string?)t!["node_name"] == node)!;
        Assert.EndsWith("...", (string)row["token_prefix"]!);
        Assert.False((bool)row["expired"]!);

        var stored = await TableClient(JoinTokenService.Table).GetEntityAsync<TableEntity>(f.ClusterId, node);
        Assert.Equal(JoinToken.Hash(token), stored.Value.GetString("TokenHash"));
        Assert.DoesNotContain(((IDictionary<string, object>)stored.Value).Values, v => v is string s && s.Contains(token.Split('.')[3]));

        Assert.Equal(200, (await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/token/{node}")).Status);
        var again = await f.SendAsync(HttpMethod.Delete, $"/api/kubeedge/token/{node}");
        Assert.Equal(404, again.Status);
        Assert.Equal("API-004", (string?)again.Body!["error"]!["code"]);
    }

    [Fact]
    public async Task Expired_token_records_are_removed_by_the_sweep()
    {
        var node = KubeEdgeFixture.Unique("old");
        var table = TableClient(JoinTokenService.Table);
        await table.UpsertEntityAsync(new JoinTokenEntity
        {
            PartitionKey = f.ClusterId, RowKey = node, TokenHash = "x", TokenPrefix = "x...", CreatedAt = DateTimeOffset.UtcNow.AddDays(-2),
            ExpiresAt = DateTimeOffset.UtcNow.AddHours(-1),
        });
        var removed = await f.App.Services.GetRequiredService<JoinTokenService>().RemoveExpiredAsync(CancellationToken.None);
        Assert.True(removed >= 1);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(f.ClusterId, node)).HasValue);
    }

    [Theory]
    [InlineData("""{"node_name":"Edge_01"}""", "node_name")]
    [InlineData("""{"node_name":"edge-1","expiry_hours":0}""", "expiry_hours")]
    [InlineData("""{}""", "node_name")]
    public async Task Bad_token_requests_are_400_API_001_and_write_nothing(string json, string field)
    {
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/token/generate", json);
        Assert.Equal(400, status);
        Assert.Equal("API-001", (string?)body!["error"]!["code"]);
        Assert.Contains(field, body.ToJsonString());
        Assert.False((await TableClient(JoinTokenService.Table).GetEntityIfExistsAsync<TableEntity>(f.ClusterId, "edge-1")).HasValue);
    }

    [Fact]
    public async Task CloudCore_deploy_creates_the_objects_and_status_reports_them()
    {
        var (status, body) = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/cloudcore/deploy", """{"version":"1.18.0","replicas":1}""");
        Assert.Equal(200, status);
        Assert.Equal("success", (string?)body!["status"]);
        Assert.Equal("cloudcore", (string?)body["deployment_name"]);
        Assert.Equal("kubeedge", (string?)body["namespace"]);
        var k = f.Cluster.Client;
        var d = await k.AppsV1.ReadNamespacedDeploymentAsync("cloudcore", "kubeedge");
        Assert.Equal("kubeedge/cloudcore:v1.18.0", d.Spec.Template.Spec.Containers[0].Image);
        Assert.NotNull(await k.CoreV1.ReadNamespacedServiceAccountAsync("cloudcore", "kubeedge"));
        Assert.NotNull(await k.RbacAuthorizationV1.ReadClusterRoleAsync("cloudcore"));
        Assert.NotNull(await k.RbacAuthorizationV1.ReadClusterRoleBindingAsync("cloudcore"));
        var svc = await k.CoreV1.ReadNamespacedServiceAsync("cloudcore", "kubeedge");
        Assert.Equal("NodePort", svc.Spec.Type);
        Assert.Equal(new[] { 10000, 10002, 10003, 10004 }, svc.Spec.Ports.Select(p => p.Port).ToArray());

        // Deploying again updates in place.
        Assert.Equal(200, (await f.SendAsync(HttpMethod.Post, "/api/kubeedge/cloudcore/deploy", """{"version":"1.19.0","replicas":2}""")).Status);
        d = await k.AppsV1.ReadNamespacedDeploymentAsync("cloudcore", "kubeedge");
        Assert.Equal(2, d.Spec.Replicas);

        var st = await KubeEdgeFixture.EventuallyAsync(async () => JsonNode.Parse(await f.Client.GetStringAsync("/api/kubeedge/cloudcore/status"))!,
            s => (string?)s["status"] == "running");
        Assert.Equal("running", (string?)st["status"]);
        Assert.NotEmpty(st["pods"]!.AsArray());
        Assert.Matches(@"^\d+/\d+$", (string)st["pods"]![0]!["ready"]!);
        var ports = st["services"]![0]!["ports"]!.AsArray();
        Assert.Equal("NodePort", (string?)st["services"]![0]!["type"]);
        Assert.All(ports, p => Assert.InRange((int)p!["node_port"]!, 30000, 32767));

        var bad = await f.SendAsync(HttpMethod.Post, "/api/kubeedge/cloudcore/deploy", """{"version":"latest"}""");
        Assert.Equal(400, bad.Status);
        Assert.Equal("API-001", (string?)bad.Body!["error"]!["code"]);
    }

    [Fact]
    public async Task Config_is_validated_and_persisted()
    {
        var (_, before) = await f.SendAsync(HttpMethod.Get, "/api/kubeedge/config");
        Assert.Equal(f.ClusterId, (string?)before!["cluster_id"]);
        Assert.Equal(10000, (int)before["cloudhub_port"]!);

        var bad = await f.SendAsync(HttpMethod.Put, "/api/kubeedge/config", """{"cloudhub_port":70000}""");
        Assert.Equal(400, bad.Status);
        Assert.Contains("cloudhub_port", bad.Body!.ToJsonString());
        Assert.Equal(10000, (int)(await f.SendAsync(HttpMethod.Get, "/api/kubeedge/config")).Body!["cloudhub_port"]!);

        var (status, saved) = await f.SendAsync(HttpMethod.Put, "/api/kubeedge/config", """{"token_expiry_hours":48}""");
        Assert.Equal(200, status);
        Assert.Equal(48, (int)saved!["token_expiry_hours"]!);
        Assert.Equal(48, (int)(await f.SendAsync(HttpMethod.Get, "/api/kubeedge/config")).Body!["token_expiry_hours"]!);
        var row = await TableClient(KubeEdgeConfigStore.Table).GetEntityAsync<TableEntity>(f.ClusterId, "config");
        Assert.Equal(48, row.Value.GetInt32("TokenExpiryHours"));
    }

    private static TableClient TableClient(string name) => new(Fleet.Tests.Support.Peers.Storage, name);
}
