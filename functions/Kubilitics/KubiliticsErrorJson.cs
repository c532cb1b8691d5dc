namespace Fleet.Functions.Kubilitics;

/// <summary>The Kubilitics error envelope as OpenAPI documents it: <c>{"error":"..."}</c>.</summary>
public sealed record KubiliticsErrorJson(string Error);
