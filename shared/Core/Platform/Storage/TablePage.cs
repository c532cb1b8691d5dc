namespace Fleet.Core.Platform.Storage;

/// <summary>One page of a table query; <see cref="ContinuationToken"/> is opaque base64url, null on the last page.</summary>
public sealed record TablePage<T>(IReadOnlyList<T> Items, string? ContinuationToken);
