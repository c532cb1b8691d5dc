using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Errors;
using Fleet.Core.Platform.Storage;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

public sealed class TableStoreTests
{
    public sealed class Item : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string? Value { get; set; }
    }

    private static async Task<TableStore<Item>> NewStoreAsync()
    {
        var storage = new FleetStorage(Peers.Storage);
        var name = "test" + Guid.NewGuid().ToString("N")[..12];
        await storage.EnsureTableAsync(name);
        return storage.Table<Item>(name);
    }

    [Fact]
    public async Task Update_with_a_stale_etag_is_a_conflict_and_keeps_the_winner()
    {
        var store = await NewStoreAsync();
        await store.AddAsync(new Item { PartitionKey = "p", RowKey = "a", Value = "v1" });
        var first = (await store.GetAsync("p", "a"))!;
        var second = (await store.GetAsync("p", "a"))!;
        first.Value = "winner";
        await store.UpdateAsync(first);
        second.Value = "loser";
        var e = await Assert.ThrowsAsync<FleetException>(() => store.UpdateAsync(second));
        Assert.Equal(FleetErrorKind.Conflict, e.Kind);
        Assert.Equal("winner", (await store.GetAsync("p", "a"))!.Value);
    }

    [Fact]
    public async Task Adding_twice_is_a_conflict()
    {
        var store = await NewStoreAsync();
        await store.AddAsync(new Item { PartitionKey = "p", RowKey = "dup" });
        var e = await Assert.ThrowsAsync<FleetException>(() => store.AddAsync(new Item { PartitionKey = "p", RowKey = "dup" }));
        Assert.Equal(FleetErrorKind.Conflict, e.Kind);
    }

    [Fact]
    public async Task Pages_with_opaque_base64url_tokens_cover_every_entity_once()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 25; i++) await store.AddAsync(new Item { PartitionKey = "p", RowKey = $"r{i:D3}" });
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await store.QueryPageAsync(null, 10, token);
            seen.AddRange(page.Items.Select(x => x.RowKey));
            token = page.ContinuationToken;
            if (token is not null) Assert.Matches(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", token);
            pages++;
        } while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(25, seen.Distinct().Count());
    }

    [Fact]
    public async Task A_tampered_token_is_a_validation_error()
    {
        var store = await NewStoreAsync();
        var e = await Assert.ThrowsAsync<FleetException>(() => store.QueryPageAsync(null, 10, "***"));
        Assert.Equal(FleetErrorKind.Validation, e.Kind);
    }
}
