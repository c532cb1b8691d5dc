using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Platform.Storage;

/// <summary>
/// A typed view of one table. Every update carries the entity's ETag (If-Match) so a lost race
/// becomes a <see cref="FleetErrorKind.Conflict"/> instead of a silent overwrite.
/// </summary>
public sealed class TableStore<T> where T : class, ITableEntity, new()
{
    public TableStore(TableClient client) => Client = client;

    public TableClient Client { get; }
    public string TableName => Client.Name;

    /// <summary>The entity, or null; keys Table storage could never hold find nothing rather than fail.</summary>
    public async Task<T?> GetAsync(string partitionKey, string rowKey, CancellationToken ct = default)
    {
        if (!TableKeys.IsValid(partitionKey) || !TableKeys.IsValid(rowKey)) return null;
        var r = await Client.GetEntityIfExistsAsync<T>(partitionKey, rowKey, cancellationToken: ct);
        return r.HasValue ? r.Value : null;
    }

    /// <summary>Inserts; an entity with the same keys is a conflict.</summary>
    public async Task<T> AddAsync(T entity, string? conflictMessage = null, CancellationToken ct = default)
    {
        TableKeys.CheckWrite(entity);
        try
        {
            var r = await Client.AddEntityAsync(entity, ct);
            entity.ETag = r.Headers.ETag ?? default;
            return entity;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            throw FleetException.Conflict(conflictMessage ?? $"'{entity.RowKey}' already exists");
        }
    }

    /// <summary>Replaces the entity if its ETag still matches what was read.</summary>
    public async Task<T> UpdateAsync(T entity, CancellationToken ct = default)
    {
        TableKeys.CheckWrite(entity);
        try
        {
            var etag = entity.ETag == default ? ETag.All : entity.ETag;
            var r = await Client.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, ct);
            entity.ETag = r.Headers.ETag ?? default;
            return entity;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw FleetException.Conflict($"'{entity.RowKey}' was changed by another request; read it again and retry");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw FleetException.NotFound($"'{entity.RowKey}' does not exist");
        }
    }

    public async Task<T> UpsertAsync(T entity, CancellationToken ct = default)
    {
        TableKeys.CheckWrite(entity);
        var r = await Client.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct);
        entity.ETag = r.Headers.ETag ?? default;
        return entity;
    }

    /// <summary>Deletes; returns false when it did not exist. With an ETag, a changed entity is a conflict.</summary>
    public async Task<bool> DeleteAsync(string partitionKey, string rowKey, ETag? etag = null, CancellationToken ct = default)
    {
        if (!TableKeys.IsValid(partitionKey) || !TableKeys.IsValid(rowKey)) return false;
        try
        {
            var r = await Client.DeleteEntityAsync(partitionKey, rowKey, etag ?? ETag.All, ct);
            return r.Status != 404;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw FleetException.Conflict($"'{rowKey}' was changed by another request");
        }
    }

    /// <summary>One page of a filtered query, resuming from an opaque token.</summary>
    public async Task<TablePage<T>> QueryPageAsync(string? filter, int pageSize, string? continuationToken,
        CancellationToken ct = default)
    {
        var raw = ContinuationToken.Decode(continuationToken);
        await foreach (var page in Client.QueryAsync<T>(filter, pageSize, cancellationToken: ct).AsPages(raw, pageSize))
        {
            return new TablePage<T>(page.Values, ContinuationToken.Encode(page.ContinuationToken));
        }
        return new TablePage<T>(Array.Empty<T>(), null);
    }

    /// <summary>Every entity matching the filter; for bounded sets (a partition, a sweep), never for API paging.</summary>
    public async IAsyncEnumerable<T> QueryAllAsync(string? filter = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var e in Client.QueryAsync<T>(filter, cancellationToken: ct)) yield return e;
    }
}
