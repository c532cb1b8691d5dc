using System.Text.Json.Serialization;

namespace Fleet.Durable.Http;

/// <summary>The check-status body of Durable Functions: the instance id and the management links for it.
/// Public and plain so that HTTP functions can merge it into their own response bodies.</summary>
public sealed record HttpManagementPayload
{
    /// <summary>Gets the instance id.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>Gets the GET link for the instance's status.</summary>
    [JsonPropertyName("statusQueryGetUri")] public required string StatusQueryGetUri { get; init; }

    /// <summary>Gets the POST link for raising an event (replace <c>{eventName}</c>).</summary>
    [JsonPropertyName("sendEventPostUri")] public required string SendEventPostUri { get; init; }

    /// <summary>Gets the POST link for terminating the instance (replace <c>{text}</c>).</summary>
    [JsonPropertyName("terminatePostUri")] public required string TerminatePostUri { get; init; }

    /// <summary>Gets the DELETE link for purging the instance's history.</summary>
    [JsonPropertyName("purgeHistoryDeleteUri")] public required string PurgeHistoryDeleteUri { get; init; }

    /// <summary>Gets the POST link for restarting the instance.</summary>
    [JsonPropertyName("restartPostUri")] public required string RestartPostUri { get; init; }

    /// <summary>Gets the POST link for suspending the instance (replace <c>{text}</c>).</summary>
    [JsonPropertyName("suspendPostUri")] public required string SuspendPostUri { get; init; }

    /// <summary>Gets the POST link for resuming the instance (replace <c>{text}</c>).</summary>
    [JsonPropertyName("resumePostUri")] public required string ResumePostUri { get; init; }
}
