using Azure;
using Azure.Data.Tables;

namespace Fleet.Core.Platform.Identity;

/// <summary>A user row of <c>platformUsers</c> (see <see cref="UserStore"/> for the keys).</summary>
public sealed class UserEntity : ITableEntity
{
    public string PartitionKey { get; set; } = UserStore.UserPartition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id => RowKey;
    public string Username { get; set; } = "";
    public string? Email { get; set; }
    public string Role { get; set; } = UserRoles.Viewer;
    public string PasswordHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public DateTimeOffset? LastLogin { get; set; }
    public int FailedLogins { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>Soft delete, as the Kubilitics seed says: the row stays for the audit trail.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
    /// <summary>Queryable twin of <see cref="DeletedAt"/> (Table filters cannot test for null).</summary>
    public bool Deleted { get; set; }

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

/// <summary>A uniqueness index row: username or email → user id.</summary>
public sealed class UserIndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string UserId { get; set; } = "";
}
