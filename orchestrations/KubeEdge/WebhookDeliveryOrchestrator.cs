using System.Text;
using Fleet.Core.KubeEdge;
using Microsoft.DurableTask;

namespace Fleet.Orchestrations.KubeEdge;

/// <summary>One delivery: the event body is fixed when the event is seen, so every retry sends (and signs) the same bytes.</summary>
public sealed record WebhookDelivery(string ClusterId, string WebhookId, string EventType, string Body);

/// <summary>Delivers one event to one webhook, retried with backoff; a delivery that never succeeds ends as failed, not as a fault.</summary>
public sealed class WebhookDeliveryOrchestrator : TaskOrchestrator<WebhookDelivery, string>
{
    public static readonly RetryPolicy Retry = new(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30));

    public override async Task<string> RunAsync(TaskOrchestrationContext context, WebhookDelivery input)
    {
        try
        {
            return await context.CallActivityAsync<string>(nameof(DeliverWebhookActivity), input, TaskOptions.FromRetryPolicy(Retry));
        }
        catch (TaskFailedException)
        {
            return "failed";
        }
    }
}

/// <summary>POSTs the body with <c>X-Fleet-Signature</c>; a non-2xx answer throws so the retry policy tries again.</summary>
public sealed class DeliverWebhookActivity(WebhookService webhooks, IHttpClientFactory http) : TaskActivity<WebhookDelivery, string>
{
    public const string HttpClientName = "kubeedge-webhooks";

    public override async Task<string> RunAsync(TaskActivityContext context, WebhookDelivery input)
    {
        // Read on every attempt: a webhook deleted meanwhile gets nothing more.
        var hook = await webhooks.FindAsync(input.ClusterId, input.WebhookId, CancellationToken.None);
        if (hook is null) return "deleted";
        var body = Encoding.UTF8.GetBytes(input.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookService.SignatureHeader, WebhookService.Sign(webhooks.Secret(hook), body));
        request.Headers.Add("X-Fleet-Event", input.EventType);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"webhook {input.WebhookId} answered {(int)response.StatusCode}", null, response.StatusCode);
        return "delivered";
    }
}
