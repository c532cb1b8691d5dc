using System.Security.Cryptography;

namespace Fleet.Core.Platform.Mesh;

/// <summary>
/// Who this host process is among the fleet's hosts: a random id for its messages (to skip its own echoes) and a 6-bit
/// slot folded into event ids, claimed at start through a blob lease (<see cref="HostSlotClaim"/>) so that no two live
/// hosts share one; until then (or when storage cannot be reached at start) it is random.
/// </summary>
public sealed class HostIdentity
{
    public const int Slots = 64;

    public string HostId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";

    public int Slot { get; internal set; } = RandomNumberGenerator.GetInt32(Slots);
}
