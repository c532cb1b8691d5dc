namespace Fleet.Durable;

/// <summary>One page of results with the token for the next page.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Values">The items.</param>
/// <param name="ContinuationToken">The token for the next page, or null on the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Values, string? ContinuationToken = null) where T : notnull;

/// <summary>An asynchronous sequence fetched in pages (Microsoft.DurableTask's AsyncPageable).</summary>
/// <typeparam name="T">The item type.</typeparam>
public abstract class AsyncPageable<T> : IAsyncEnumerable<T> where T : notnull
{
    /// <summary>Enumerates the pages, starting at <paramref name="continuationToken"/>.</summary>
    /// <param name="continuationToken">Where to start, or null for the first page.</param>
    /// <param name="pageSizeHint">Preferred page size.</param>
    public abstract IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null);

    /// <inheritdoc/>
    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        await foreach (var page in AsPages().WithCancellation(cancellationToken))
            foreach (var item in page.Values) yield return item;
    }

    /// <summary>Creates a pageable from a page-fetching function.</summary>
    /// <param name="fetch">Fetches a page from a continuation token and a page size hint.</param>
    public static AsyncPageable<T> Create(Func<string?, int?, CancellationToken, Task<Page<T>>> fetch) => new FuncPageable(fetch);

    private sealed class FuncPageable(Func<string?, int?, CancellationToken, Task<Page<T>>> fetch) : AsyncPageable<T>
    {
        public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            string? token = continuationToken;
            do
            {
                var page = await fetch(token, pageSizeHint, CancellationToken.None);
                yield return page;
                token = page.ContinuationToken;
            } while (!string.IsNullOrEmpty(token));
        }
    }
}
