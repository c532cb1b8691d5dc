namespace Fleet.Core.KubeEdge;

/// <summary>Event names on the bus, as the seed's WebSocket table names them.</summary>
public static class KubeEdgeEvents
{
    public const string Family = "kubeedge";
    public const string DeviceJoined = "device_joined";
    public const string DeviceRemoved = "device_removed";
    public const string DeviceStatus = "device_status";
    public const string Detection = "detection";
    public const string CommandResult = "command_result";
    public const string NodeStatus = "node_status";
    public static readonly string[] All = [DeviceJoined, DeviceRemoved, DeviceStatus, Detection, CommandResult, NodeStatus];
}
