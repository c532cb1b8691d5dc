using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace Fleet.Core.Kubernetes;

/// <summary>
/// Keeps kubeconfigs encrypted at rest (ASP.NET Core Data Protection): inline in the cluster row
/// when small, in blob container <c>cluster-kubeconfigs</c> when over the table property limit.
/// </summary>
public sealed class KubeconfigVault(IDataProtectionProvider protection, FleetStorage storage, Microsoft.Extensions.Options.IOptions<KubernetesOptions> options)
{
    public const string Container = "cluster-kubeconfigs";
    private readonly IDataProtector _protector = protection.CreateProtector("Fleet.Kubernetes.Kubeconfig.v1");

    public async Task StoreAsync(ClusterEntity entity, string kubeconfig, CancellationToken ct)
    {
        var sealedText = _protector.Protect(kubeconfig);
        if (sealedText.Length <= options.Value.InlineKubeconfigLimit)
        {
            entity.KubeconfigProtected = sealedText;
            entity.KubeconfigBlob = null;
            return;
        }
        var container = await storage.ContainerAsync(Container, ct);
        var blobName = entity.RowKey + ".kubeconfig";
        await container.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(sealedText), overwrite: true, ct);
        entity.KubeconfigProtected = null;
        entity.KubeconfigBlob = blobName;
    }

    public async Task<string> ReadAsync(ClusterEntity entity, CancellationToken ct)
    {
        if (entity.KubeconfigProtected is { } inline) return _protector.Unprotect(inline);
        var container = await storage.ContainerAsync(Container, ct);
        var content = await container.GetBlobClient(entity.KubeconfigBlob).DownloadContentAsync(ct);
        return _protector.Unprotect(content.Value.Content.ToString());
    }

    public async Task DeleteAsync(ClusterEntity entity, CancellationToken ct)
    {
        if (entity.KubeconfigBlob is null) return;
        var container = await storage.ContainerAsync(Container, ct);
        await container.GetBlobClient(entity.KubeconfigBlob).DeleteIfExistsAsync(cancellationToken: ct);
    }
}
