using System.Text;
using Azure;
using Azure.Storage.Blobs;

namespace Fleet.Durable.Tracking.AzureStorage;

/// <summary>Keeps what does not fit a queue message (~45 KB) or a table property (~60 KB) in the <c>{hub}-largemessages</c> container,
/// under a prefix per instance so that a purge removes them with the instance.</summary>
internal sealed class LargePayloads(BlobContainerClient container)
{
    /// <summary>Queue messages are limited to 64 KB; leave room for the envelope.</summary>
    public const int MaxMessageBytes = 45 * 1024;

    /// <summary>Table string properties are limited to 64 KB of UTF-16, i.e. 32K characters.</summary>
    public const int MaxPropertyChars = 30 * 1024;

    public BlobContainerClient Container => container;

    public static string Prefix(string instanceId) => Uri.EscapeDataString(instanceId) + "/";

    public async Task<string> UploadAsync(string instanceId, string kind, string content, CancellationToken ct)
    {
        string name = $"{Prefix(instanceId)}{kind}-{Guid.NewGuid():N}.json";
        await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true, ct);
        return name;
    }

    public async Task<string> DownloadAsync(string name, CancellationToken ct)
    {
        var result = await container.GetBlobClient(name).DownloadContentAsync(ct);
        return Encoding.UTF8.GetString(result.Value.Content.ToMemory().Span);
    }

    public async Task DeleteInstanceAsync(string instanceId, CancellationToken ct)
    {
        try
        {
            await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, Prefix(instanceId), ct))
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }
    }
}
