using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Fleet.Core.Platform.Identity;

/// <summary>
/// Keeps the Data Protection key ring in one blob, so every host process shares it (the registry
/// has no Azure.Extensions.AspNetCore.DataProtection.Blobs). Appends are ETag-guarded: two hosts
/// adding a key at once both keep theirs.
/// </summary>
public sealed class BlobXmlRepository(BlobContainerClient container, string blobName) : IXmlRepository
{
    private BlobClient Blob => container.GetBlobClient(blobName);

    public IReadOnlyCollection<XElement> GetAllElements() => Read().Doc.Root!.Elements().ToList();

    public void StoreElement(XElement element, string friendlyName)
    {
        container.CreateIfNotExists();
        for (var attempt = 0; ; attempt++)
        {
            var (doc, etag) = Read();
            doc.Root!.Add(element);
            var conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                Blob.Upload(BinaryData.FromString(doc.ToString(SaveOptions.DisableFormatting)),
                    new BlobUploadOptions { Conditions = conditions });
                return;
            }
            catch (RequestFailedException ex) when ((ex.Status is 409 or 412) && attempt < 10)
            {
                // Another host wrote first: read its version and append again.
            }
        }
    }

    private (XDocument Doc, ETag? ETag) Read()
    {
        try
        {
            var r = Blob.DownloadContent();
            return (XDocument.Parse(r.Value.Content.ToString()), r.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (new XDocument(new XElement("repository")), null);
        }
    }
}
