using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Fleet.Tests.Support;
using k8s;

namespace Fleet.Tests.Kubernetes;

/// <summary>
/// The relay the outage tests put in front of the cluster: TLS passes through untouched, so the server certificate
/// is still checked against the kubeconfig's CA (KubernetesClient checks the chain, not the name, when a CA is given).
/// </summary>
[Trait("Category", "Kubernetes")]
public sealed class TcpRelayTests
{
    [Fact]
    public async Task A_client_through_the_relay_still_checks_the_server_certificate_and_loses_the_cluster_on_stop()
    {
        await using var cluster = await TestCluster.CreateAsync();
        await using var relay = new TcpRelay(new Uri(cluster.ServerUrl)).Start();
        var yaml = cluster.KubeconfigYaml("relay", relay.Url);

        using var good = Client(yaml, null);
        Assert.NotEmpty((await good.CoreV1.ListNamespaceAsync()).Items);
        using var strangerCa = Client(yaml, OtherCaData());
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => strangerCa.CoreV1.ListNamespaceAsync());

        relay.Stop();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => good.CoreV1.ListNamespaceAsync());
        relay.Start();
        Assert.NotEmpty((await good.CoreV1.ListNamespaceAsync()).Items);
    }

    private static k8s.Kubernetes Client(string yaml, string? caData)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(yaml));
        var config = KubernetesClientConfiguration.LoadKubeConfig(stream);
        var endpoint = config.Clusters.Single().ClusterEndpoint;
        if (caData is not null) (endpoint.CertificateAuthorityData, endpoint.SkipTlsVerify) = (caData, false);
        return new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigObject(config));
    }

    /// <summary>A CA that signed nothing the cluster serves.</summary>
    private static string OtherCaData()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=stranger-ca", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return Convert.ToBase64String(Encoding.ASCII.GetBytes(ca.ExportCertificatePem()));
    }
}
