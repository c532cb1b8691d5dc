using k8s;

namespace Fleet.KubeEmulator.Tests;

/// <summary>The kubeconfigs TestCluster hands to the code under test work on their own, against whichever cluster runs.</summary>
[Collection("cluster")]
[Trait("Category", "Kubernetes")]
public sealed class TestClusterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_kubeconfig_with_a_chosen_context_name_reaches_the_same_cluster()
    {
        var cluster = fixture.Cluster;
        var yaml = cluster.KubeconfigYaml("chosen-ctx");
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(yaml));
        var file = KubernetesClientConfiguration.LoadKubeConfig(stream);
        Assert.Equal("chosen-ctx", file.CurrentContext);
        Assert.Equal(cluster.ServerUrl, Assert.Single(file.Clusters).ClusterEndpoint.Server);

        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigObject(file));
        var ns = await cluster.CreateNamespaceAsync("kcfg");
        var seen = await client.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal(ns, seen.Metadata.Name);
    }

    [Fact]
    public async Task A_kubeconfig_pointed_at_a_dead_port_fails_to_connect()
    {
        var yaml = fixture.Cluster.KubeconfigYaml("dead", server: "https://127.0.0.1:1");
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(yaml));
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigObject(KubernetesClientConfiguration.LoadKubeConfig(stream)));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.CoreV1.ListNamespaceAsync());
    }
}
