using System.Text;

namespace Fleet.Durable.Partitioning;

/// <summary>Maps an instance id to a control-queue partition with FNV-1a, which, unlike string.GetHashCode, is the same in every process.</summary>
internal static class StableHash
{
    public static uint Fnv1a(string value)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            hash ^= b;
            hash *= 16777619;
        }
        return hash;
    }

    public static int PartitionOf(string instanceId, int partitionCount) => (int)(Fnv1a(instanceId) % (uint)partitionCount);
}
