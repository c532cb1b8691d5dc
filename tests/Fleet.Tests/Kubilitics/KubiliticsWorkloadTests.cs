using k8s;
using k8s.Models;
using static Fleet.Tests.Kubilitics.KubiliticsClusterFixture;

namespace Fleet.Tests.Kubilitics;

/// <summary>Rollout history and rollback, CronJob trigger and its jobs, Job retry.</summary>
[Trait("Category", "Kubernetes")]
[Collection(KubiliticsCollection.Name)]
public sealed class KubiliticsWorkloadTests(KubiliticsClusterFixture f)
{
    [Fact]
    public async Task Rollback_restores_the_earlier_image_and_history_lists_both_revisions()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("roll");
        var labels = new Dictionary<string, string> { ["app"] = "shop" };
        await f.Cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "shop" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1, Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "shop", Image = "shop:1.0" }] } },
            },
        }, ns);
        await EventuallyAsync(async () => (await f.Cluster.Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count == 1 ? "" : null, "the first ReplicaSet");
        await f.Cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"metadata":{"annotations":{"kubernetes.io/change-cause":"to 2.0"}},"spec":{"template":{"spec":{"containers":[{"name":"shop","image":"shop:2.0"}]}}}}""",
            V1Patch.PatchType.StrategicMergePatch), "shop", ns);

        var history = await EventuallyAsync(async () =>
        {
            var (_, body, _) = await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/deployments/{ns}/shop/rollout-history");
            var revisions = body!["revisions"]!.AsArray();
            return revisions.Count == 2 && (long)revisions[0]!["revision"]! == 2 ? body : null;
        }, "two revisions");
        var latest = history["revisions"]![0]!;
        Assert.Equal(["shop:2.0"], latest["images"]!.AsArray().Select(i => (string)i!));
        Assert.Equal(1, (long)history["revisions"]![1]!["revision"]!);
        Assert.Equal(["shop:1.0"], history["revisions"]![1]!["images"]!.AsArray().Select(i => (string)i!));
        Assert.Equal(1, (long)latest["desired"]!);
        Assert.NotNull((string?)latest["creationTimestamp"]);

        var rolled = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/resources/deployments/{ns}/shop/rollback", """{"revision":1}""");
        Assert.True(rolled.Status == 200, rolled.Text);
        Assert.Equal("Deployment rolled back to revision 1", (string?)rolled.Body!["message"]);
        var after = await f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("shop", ns);
        Assert.Equal("shop:1.0", after.Spec.Template.Spec.Containers[0].Image);
        Assert.False(after.Spec.Template.Metadata.Labels.ContainsKey("pod-template-hash"));
        await EventuallyAsync(async () =>
        {
            var d = await f.Cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("shop", ns);
            return d.Metadata.Annotations is { } a && a.TryGetValue("deployment.kubernetes.io/revision", out var r) && r == "3" ? d : null;
        }, "the rollback to become revision 3");

        var missing = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/resources/deployments/{ns}/shop/rollback", """{"revision":42}""");
        Assert.Equal(400, missing.Status);
        Assert.Contains("revision", (string?)missing.Body!["error"]);
        Assert.Equal(404, (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/deployments/{ns}/nope/rollout-history")).Status);
    }

    [Fact]
    public async Task CronJob_trigger_makes_an_owned_job_and_job_retry_makes_a_new_job()
    {
        var ns = await f.Cluster.CreateNamespaceAsync("cron");
        var cron = await f.Cluster.Client.BatchV1.CreateNamespacedCronJobAsync(new V1CronJob
        {
            Metadata = new V1ObjectMeta { Name = "report" },
            Spec = new V1CronJobSpec
            {
                Schedule = "0 3 * * *",
                JobTemplate = new V1JobTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["job"] = "report" } },
                    Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "report", Image = "busybox:1.36", Command = ["echo", "hi"] }] } } },
                },
            },
        }, ns);

        var trigger = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/resources/cronjobs/{ns}/report/trigger");
        Assert.True(trigger.Status == 200, trigger.Text);
        Assert.Equal("CronJob triggered", (string?)trigger.Body!["message"]);
        var jobName = (string)trigger.Body["job_name"]!;
        var job = await f.Cluster.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("CronJob", "report", cron.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal("manual", job.Metadata.Annotations["cronjob.kubernetes.io/instantiate"]);
        Assert.Equal("report", job.Metadata.Labels["job"]);
        Assert.Equal("busybox:1.36", job.Spec.Template.Spec.Containers[0].Image);

        var jobs = (await SendAsync(f.Viewer, HttpMethod.Get, $"{f.Base}/resources/cronjobs/{ns}/report/jobs")).Body!;
        Assert.Equal([jobName], jobs["items"]!.AsArray().Select(j => (string)j!["metadata"]!["name"]!));

        var retry = await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/resources/jobs/{ns}/{jobName}/retry");
        Assert.True(retry.Status == 200, retry.Text);
        Assert.Equal("Job retried", (string?)retry.Body!["message"]);
        var retried = await f.Cluster.Client.BatchV1.ReadNamespacedJobAsync((string)retry.Body["job_name"]!, ns);
        Assert.NotEqual(job.Metadata.Uid, retried.Metadata.Uid);
        Assert.StartsWith($"{jobName}-retry-", retried.Metadata.Name);
        Assert.Equal(job.Spec.Template.Spec.Containers[0].Command, retried.Spec.Template.Spec.Containers[0].Command);
        // Its selector is its own, not the old Job's controller-uid.
        Assert.Equal(retried.Metadata.Uid, retried.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
        Assert.NotNull(await TestCluster.JsonOrNullAsync(() => f.Cluster.Client.BatchV1.ReadNamespacedJobAsync(jobName, ns)));

        Assert.Equal(404, (await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/resources/cronjobs/{ns}/nope/trigger")).Status);
        Assert.Equal(404, (await SendAsync(f.Operator, HttpMethod.Post, $"{f.Base}/resources/jobs/{ns}/nope/retry")).Status);
    }
}
