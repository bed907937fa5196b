#!/usr/bin/env python3
"""Wire faithfulness: drives `drconsole emulator` with boto3 and the AWS CLI, two AWS
clients the project does not control, and checks their parsed answers.

Usage: wire_check.py AWS_ENDPOINT_URL ARC_URL REGION [ARC_URL REGION ...]
Exit status 0 when every check passes; failures are printed one per line.
"""

import datetime
import json
import os
import subprocess
import sys
import time

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError:
    print("boto3 is not installed: run .ci/test-deps.sh", file=sys.stderr)
    sys.exit(3)

FAILURES = []
CONTROL_USE1 = (
    "arn:aws:route53-recovery-control::111122223333:controlpanel/"
    "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/a1b2c3d4e5f60718"
)
CONTROL_USW2 = (
    "arn:aws:route53-recovery-control::111122223333:controlpanel/"
    "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/routingcontrol/b2c3d4e5f6071829"
)
RULE = (
    "arn:aws:route53-recovery-control::111122223333:controlpanel/"
    "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/safetyrule/c3d4e5f607182930"
)
PANEL = (
    "arn:aws:route53-recovery-control::111122223333:controlpanel/"
    "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d"
)
CLUSTER = (
    "arn:aws:route53-recovery-control::111122223333:cluster/"
    "7d2b1c4e-90aa-4b3e-8f11-3c5e2a9d0f01"
)


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        FAILURES.append(name)


def client(service, region, endpoint):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="AKIDTWIN",
        aws_secret_access_key="twin-secret",
        config=botocore.config.Config(
            retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10
        ),
    )


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, "no error raised"


def rds_checks(main):
    rds = client("rds", "us-west-2", main)
    out = rds.describe_global_clusters(GlobalClusterIdentifier="orders-global")
    clusters = out["GlobalClusters"]
    check("rds: one global cluster by id", len(clusters) == 1, clusters)
    members = clusters[0]["GlobalClusterMembers"] if clusters else []
    writers = [m["DBClusterArn"] for m in members if m.get("IsWriter")]
    check("rds: two members, one writer", len(members) == 2 and len(writers) == 1, members)
    check(
        "rds: writer is the primary's cluster",
        writers == ["arn:aws:rds:us-east-1:111122223333:cluster:orders-use1"],
        writers,
    )
    code, msg = error_of(
        lambda: rds.describe_global_clusters(GlobalClusterIdentifier="no-such-global")
    )
    check("rds: unknown id -> GlobalClusterNotFoundFault", code == "GlobalClusterNotFoundFault", (code, msg))
    code, msg = error_of(
        lambda: rds.failover_global_cluster(
            GlobalClusterIdentifier="orders-global",
            TargetDbClusterIdentifier="arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2",
            AllowDataLoss=True,
            Switchover=True,
        )
    )
    check("rds: AllowDataLoss + Switchover -> InvalidParameterCombination", code == "InvalidParameterCombination", (code, msg))
    by_arn = rds.describe_db_clusters(
        DBClusterIdentifier="arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2"
    )["DBClusters"]
    check(
        "rds: cluster by ARN is a global member",
        [c.get("GlobalClusterIdentifier") for c in by_arn] == ["orders-global"],
        by_arn,
    )
    # AWS-FACTS.md (RDS API reference, FailoverGlobalCluster / FailoverState): with
    # neither AllowDataLoss nor Switchover the call is a switchover, which runs as
    # `switching-over`. Runs last among the RDS checks: it moves the writer.
    instances = rds.describe_db_instances(DBInstanceIdentifier="ledger-usw2")["DBInstances"]
    infos = instances[0].get("StatusInfos", []) if instances else []
    check(
        "rds: replica reports read replication status",
        any(i["StatusType"] == "read replication" for i in infos),
        instances,
    )
    # RDS API reference, CreateDBInstance errors: an unknown DBClusterIdentifier is
    # DBClusterNotFoundFault (HTTP 404); the reply parses in boto3.
    code, msg = error_of(
        lambda: rds.create_db_instance(
            DBInstanceIdentifier="scratch-1",
            DBInstanceClass="db.r6g.large",
            Engine="aurora-postgresql",
            DBClusterIdentifier="no-such-cluster",
        )
    )
    check("rds: CreateDBInstance in an unknown cluster -> DBClusterNotFoundFault", code == "DBClusterNotFoundFault", (code, msg))
    started = rds.failover_global_cluster(
        GlobalClusterIdentifier="orders-global",
        TargetDbClusterIdentifier="arn:aws:rds:us-west-2:111122223333:cluster:orders-usw2",
    )["GlobalCluster"].get("FailoverState", {})
    check(
        "rds: failover without AllowDataLoss is a switchover",
        started.get("Status") == "pending" and started.get("IsDataLossAllowed") is False,
        started,
    )
    seen = []
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=20)
    while datetime.datetime.now() < deadline and "switching-over" not in seen:
        g = rds.describe_global_clusters(GlobalClusterIdentifier="orders-global")["GlobalClusters"][0]
        status = g.get("FailoverState", {}).get("Status")
        if status and status not in seen:
            seen.append(status)
        time.sleep(0.5)
    check("rds: a switchover walks switching-over", "switching-over" in seen, seen)


def arc_checks(arc_urls):
    url, region = arc_urls[0]
    arc = client("route53-recovery-cluster", region, url)
    got = arc.get_routing_control_state(RoutingControlArn=CONTROL_USE1)
    check("arc: us-east-1 cell is On", got["RoutingControlState"] == "On", got)
    check("arc: name returned", got.get("RoutingControlName") == "cell-us-east-1", got)

    page1 = arc.list_routing_controls(MaxResults=1)
    check("arc: page of one with a NextToken", len(page1["RoutingControls"]) == 1 and "NextToken" in page1, page1)
    page2 = arc.list_routing_controls(MaxResults=1, NextToken=page1.get("NextToken", ""))
    arns = {c["RoutingControlArn"] for c in page1["RoutingControls"] + page2["RoutingControls"]}
    check("arc: two pages cover both controls", arns == {CONTROL_USE1, CONTROL_USW2}, arns)

    # Turning the only On control off violates "at least one On".
    code, msg = error_of(
        lambda: arc.update_routing_control_states(
            UpdateRoutingControlStateEntries=[
                {"RoutingControlArn": CONTROL_USE1, "RoutingControlState": "Off"}
            ]
        )
    )
    check("arc: last On control -> ConflictException", code == "ConflictException", (code, msg))
    check("arc: conflict names the safety rule ARN", RULE in msg, msg)

    # Use another endpoint for the successful update: any endpoint serves the cluster.
    url2, region2 = arc_urls[1]
    arc2 = client("route53-recovery-cluster", region2, url2)
    arc2.update_routing_control_states(
        UpdateRoutingControlStateEntries=[
            {"RoutingControlArn": CONTROL_USW2, "RoutingControlState": "On"}
        ]
    )
    after = arc.get_routing_control_state(RoutingControlArn=CONTROL_USW2)
    check("arc: batch update turned us-west-2 On", after["RoutingControlState"] == "On", after)


def cloudwatch_checks(main):
    cw = client("cloudwatch", "us-west-2", main)
    now = datetime.datetime.now(datetime.timezone.utc)
    out = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "lag",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/RDS",
                        "MetricName": "AuroraGlobalDBReplicationLag",
                        "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "orders-usw2"}],
                    },
                    "Period": 60,
                    "Stat": "Average",
                },
            }
        ],
        StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1),
    )
    results = out["MetricDataResults"]
    check("cw: one result, Complete", len(results) == 1 and results[0]["StatusCode"] == "Complete", results)
    values = results[0]["Values"] if results else []
    stamps = results[0]["Timestamps"] if results else []
    check("cw: lag values present", len(values) > 0 and len(values) == len(stamps), results)
    check("cw: timestamps parse as datetimes", all(isinstance(t, datetime.datetime) for t in stamps), stamps)

    # AWS-FACTS.md (CloudWatch API reference, DescribeAlarms): composite alarms only
    # when AlarmTypes asks for them.
    names = ["orders-api-5xx-usw2", "orders-region-health-usw2"]
    plain = cw.describe_alarms(AlarmNames=names)
    check(
        "cw: without AlarmTypes, metric alarms only",
        [a["AlarmName"] for a in plain["MetricAlarms"]] == ["orders-api-5xx-usw2"]
        and plain.get("CompositeAlarms", []) == [],
        plain,
    )
    both = cw.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    composite = both.get("CompositeAlarms", [])
    check(
        "cw: composite alarm with AlarmTypes",
        [a["AlarmName"] for a in composite] == ["orders-region-health-usw2"]
        and composite[0].get("AlarmRule", "").startswith("ALARM(")
        and composite[0]["StateValue"] in ("OK", "ALARM", "INSUFFICIENT_DATA"),
        both,
    )
    check(
        "cw: timestamps on minute boundaries",
        all(t.second == 0 and t.microsecond == 0 for t in stamps),
        stamps,
    )

    alarms = cw.describe_alarms(AlarmNames=["orders-api-5xx-usw2"])["MetricAlarms"]
    check("cw: alarm found by name", [a["AlarmName"] for a in alarms] == ["orders-api-5xx-usw2"], alarms)
    check(
        "cw: alarm state is a CloudWatch state",
        bool(alarms) and alarms[0]["StateValue"] in ("OK", "ALARM", "INSUFFICIENT_DATA"),
        alarms,
    )
    # DescribeAlarms AlarmNamePrefix: only this Region's alarms with the prefix.
    by_prefix = cw.describe_alarms(AlarmNamePrefix="orders-api-")["MetricAlarms"]
    check(
        "cw: AlarmNamePrefix selects the Region's alarms",
        sorted(a["AlarmName"] for a in by_prefix)
        == ["orders-api-5xx-usw2", "orders-api-latency-usw2"],
        by_prefix,
    )
    code, msg = error_of(
        lambda: cw.describe_alarms(AlarmNamePrefix="orders", AlarmNames=["orders-api-5xx-usw2"])
    )
    check("cw: AlarmNamePrefix with AlarmNames -> InvalidParameterCombination",
          code == "InvalidParameterCombination", (code, msg))


def store_metric_values(main, region, namespace, metric, dimensions):
    """Maximum per minute over the last ten minutes, as the console's store_metrics asks."""
    cw = client("cloudwatch", region, main)
    now = datetime.datetime.now(datetime.timezone.utc)
    out = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": metric,
                        "Dimensions": [{"Name": n, "Value": v} for n, v in dimensions],
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
        ],
        StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1),
    )
    results = out["MetricDataResults"]
    return results[0]["Values"] if results else [], results


def store_replication_checks(main):
    # DynamoDB developer guide, "Monitoring global tables": ReplicationLatency (ms) per
    # source and receiving Region, read in the source Region.
    values, raw = store_metric_values(
        main, "us-east-1", "AWS/DynamoDB", "ReplicationLatency",
        [("TableName", "orders-carts"), ("ReceivingRegion", "us-west-2")],
    )
    check("dynamodb: ReplicationLatency datapoints in the source Region",
          len(values) > 0 and all(100 <= v <= 5000 for v in values), raw)
    # S3 user guide, replication metrics: per SourceBucket, DestinationBucket, RuleId,
    # in the source bucket's Region; dimensions in any order.
    values, raw = store_metric_values(
        main, "us-east-1", "AWS/S3", "OperationsPendingReplication",
        [("RuleId", "receipts-to-usw2"), ("SourceBucket", "orders-receipts-use1"),
         ("DestinationBucket", "orders-receipts-usw2")],
    )
    check("s3: OperationsPendingReplication datapoints in the source Region",
          len(values) > 0 and all(v >= 0 and v == int(v) for v in values), raw)
    values, raw = store_metric_values(
        main, "us-west-2", "AWS/S3", "OperationsPendingReplication",
        [("SourceBucket", "orders-receipts-use1"), ("DestinationBucket", "orders-receipts-usw2"),
         ("RuleId", "receipts-to-usw2")],
    )
    check("s3: nothing published in the destination Region", values == [], raw)


def sts_checks(main):
    sts = client("sts", "us-east-1", main)
    ident = sts.get_caller_identity()
    check("sts: boto3 account", ident["Account"] == "111122223333", ident)
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=main,
        AWS_ACCESS_KEY_ID="AKIDTWIN",
        AWS_SECRET_ACCESS_KEY="twin-secret",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    try:
        proc = subprocess.run(
            ["aws", "sts", "get-caller-identity", "--output", "json"],
            env=env, capture_output=True, text=True, timeout=60,
        )
    except FileNotFoundError:
        check("sts: aws cli installed", False, "run .ci/test-deps.sh")
        return
    check("sts: aws cli exit 0", proc.returncode == 0, proc.stderr)
    if proc.returncode == 0:
        cli = json.loads(proc.stdout)
        check("sts: aws cli arn", cli.get("Arn", "").startswith("arn:aws:sts::111122223333:"), cli)


def backup_checks(main):
    """AWS Backup (restJson1): boto3 builds the paths and percent-encodes the ARNs."""
    orders = "arn:aws:rds:us-east-1:111122223333:cluster:orders-use1"
    dr = client("backup", "us-west-2", main)
    pages = list(
        dr.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName="orders-dr-vault", ByResourceArn=orders
        )
    )
    points = [p for page in pages for p in page["RecoveryPoints"]]
    check("backup: boto3 pages through the DR vault", len(pages) > 1 and len(points) > 50,
          f"{len(pages)} pages, {len(points)} points")
    check("backup: DR points are COMPLETED copies",
          all(p["Status"] == "COMPLETED" and p.get("SourceBackupVaultArn") for p in points),
          points[:1])
    check("backup: CreationDate decodes as a datetime",
          all(hasattr(p["CreationDate"], "tzinfo") for p in points), points[:1])
    src = client("backup", "us-east-1", main)
    jobs = src.list_copy_jobs(ByResourceArn=orders, MaxResults=1000)["CopyJobs"]
    done = [j for j in jobs if j["State"] == "COMPLETED"]
    arns = {p["RecoveryPointArn"] for p in points}
    check("backup: completed copy jobs name the DR points",
          done and all(j["DestinationRecoveryPointArn"] in arns for j in done), done[:1])
    by_resource = src.list_recovery_points_by_resource(ResourceArn=orders, MaxResults=1000)
    sources = {p["RecoveryPointArn"] for p in by_resource["RecoveryPoints"]}
    check("backup: ARN in the path (ListRecoveryPointsByResource)",
          all(j["SourceRecoveryPointArn"] in sources for j in done), len(sources))
    newest = max(points, key=lambda p: p["CreationDate"])
    started = dr.start_restore_job(
        RecoveryPointArn=newest["RecoveryPointArn"],
        Metadata={"DBClusterIdentifier": "orders-boto3"},
        IamRoleArn="arn:aws:iam::111122223333:role/drconsole-restore",
        IdempotencyToken="boto3-restore-1",
    )
    job = dr.describe_restore_job(RestoreJobId=started["RestoreJobId"])
    check("backup: boto3 starts and describes a restore",
          job["Status"] in ("PENDING", "RUNNING") and job["RecoveryPointArn"] == newest["RecoveryPointArn"],
          job)
    listed = dr.list_restore_jobs(ByStatus=job["Status"])["RestoreJobs"]
    check("backup: ListRestoreJobs filters by status",
          any(j["RestoreJobId"] == started["RestoreJobId"] for j in listed), listed)
    code, _ = error_of(lambda: dr.start_restore_job(RecoveryPointArn=newest["RecoveryPointArn"], Metadata={}))
    check("backup: empty restore metadata is refused", code == "InvalidParameterValueException", code)
    code, _ = error_of(lambda: dr.list_recovery_points_by_backup_vault(BackupVaultName="nope"))
    check("backup: unknown vault is ResourceNotFoundException",
          code == "ResourceNotFoundException", code)


def capacity_checks(main):
    """EC2 Auto Scaling (awsQuery) and ECS (awsJson1_1) as botocore parses them."""
    asg = client("autoscaling", "us-west-2", main)
    groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["orders-web-usw2"])["AutoScalingGroups"]
    check("autoscaling: group by name with sizes",
          [(g["AutoScalingGroupName"], g["MinSize"], g["MaxSize"], g["DesiredCapacity"]) for g in groups]
          == [("orders-web-usw2", 0, 12, 0)], groups)
    check("autoscaling: CreatedTime decodes as a datetime",
          bool(groups) and hasattr(groups[0]["CreatedTime"], "tzinfo"), groups)
    asg.update_auto_scaling_group(AutoScalingGroupName="orders-web-usw2", DesiredCapacity=2)
    after = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["orders-web-usw2"])["AutoScalingGroups"]
    instances = after[0]["Instances"] if after else []
    check("autoscaling: update raises desired, instances launch Pending",
          after and after[0]["DesiredCapacity"] == 2 and len(instances) == 2
          and all(i["LifecycleState"] == "Pending" and i["InstanceId"].startswith("i-0") for i in instances),
          after)
    code, msg = error_of(lambda: asg.set_desired_capacity(AutoScalingGroupName="orders-web-usw2", DesiredCapacity=99))
    check("autoscaling: desired above MaxSize -> ValidationError", code == "ValidationError" and "above max" in msg, (code, msg))

    ecs = client("ecs", "us-east-1", main)
    out = ecs.describe_services(cluster="orders-use1", services=["orders-worker", "nope"])
    svcs = out["services"]
    check("ecs: service counts", [(s["serviceName"], s["status"], s["desiredCount"], s["runningCount"]) for s in svcs]
          == [("orders-worker", "ACTIVE", 4, 4)], svcs)
    check("ecs: unknown service is a MISSING failure", [f["reason"] for f in out["failures"]] == ["MISSING"], out["failures"])
    updated = ecs.update_service(cluster="orders-use1", service="orders-worker", desiredCount=5)["service"]
    check("ecs: update_service answers the new desired count",
          updated["desiredCount"] == 5 and updated["pendingCount"] == 1, updated)
    code, msg = error_of(lambda: ecs.describe_services(cluster="nope", services=["orders-worker"]))
    check("ecs: unknown cluster -> ClusterNotFoundException", code == "ClusterNotFoundException", (code, msg))
    code, msg = error_of(lambda: ecs.update_service(cluster="orders-use1", service="nope", desiredCount=1))
    check("ecs: unknown service -> ServiceNotFoundException", code == "ServiceNotFoundException", (code, msg))


def control_config_checks(main):
    # AWS serves the control-config API in us-west-2 only.
    cc = client("route53-recovery-control-config", "us-west-2", main)
    cluster = cc.describe_cluster(ClusterArn=CLUSTER)["Cluster"]
    check("control-config: cluster DEPLOYED with five endpoints",
          cluster["Status"] == "DEPLOYED" and len(cluster["ClusterEndpoints"]) == 5, cluster)
    check("control-config: endpoints are the environment's URLs",
          cluster["ClusterEndpoints"][0]["Endpoint"] == "https://host-dr7a1c.us-east-1.example.aws/v1",
          cluster["ClusterEndpoints"])
    panels = cc.list_control_panels(ClusterArn=CLUSTER)["ControlPanels"]
    check("control-config: one panel with two controls",
          [(p["Name"], p["RoutingControlCount"]) for p in panels] == [("orders-cells", 2)], panels)
    names = []
    for page in cc.get_paginator("list_routing_controls").paginate(
            ControlPanelArn=PANEL, PaginationConfig={"PageSize": 1}):
        names.extend(c["Name"] for c in page["RoutingControls"])
    check("control-config: routing controls page by one",
          names == ["cell-us-east-1", "cell-us-west-2"], names)
    rules = cc.list_safety_rules(ControlPanelArn=PANEL)["SafetyRules"]
    assertion = rules[0].get("ASSERTION", {}) if rules else {}
    check("control-config: assertion rule with ARNs and RuleConfig",
          assertion.get("SafetyRuleArn") == RULE
          and assertion.get("AssertedControls") == [CONTROL_USE1, CONTROL_USW2]
          and assertion.get("RuleConfig") == {"Inverted": False, "Threshold": 1, "Type": "ATLEAST"}
          and assertion.get("WaitPeriodMs") == 5000, rules)
    code, msg = error_of(lambda: cc.describe_cluster(ClusterArn=CLUSTER + "0"))
    check("control-config: unknown cluster -> ResourceNotFoundException",
          code == "ResourceNotFoundException", (code, msg))
    code, msg = error_of(lambda: cc.list_routing_controls(ControlPanelArn=PANEL, MaxResults=5000))
    check("control-config: MaxResults 5000 -> ValidationException",
          code == "ValidationException", (code, msg))


def route53_checks(main):
    r53 = client("route53", "us-east-1", main)
    zones = r53.list_hosted_zones()["HostedZones"]
    check("route53: one zone named after the environment",
          [z["Name"] for z in zones] == ["orders-prod-twin.twin.example."], zones)
    zone_id = zones[0]["Id"] if zones else "Z0"
    records = []
    for page in r53.get_paginator("list_resource_record_sets").paginate(
            HostedZoneId=zone_id, PaginationConfig={"PageSize": 1}):
        records.extend(page["ResourceRecordSets"])
    check("route53: NS, SOA and two failover records, one per page",
          [(r["Type"], r.get("SetIdentifier"), r.get("Failover")) for r in records]
          == [("NS", None, None), ("SOA", None, None),
              ("A", "us-east-1", "PRIMARY"), ("A", "us-west-2", "SECONDARY")], records)
    checks = []
    for page in r53.get_paginator("list_health_checks").paginate(PaginationConfig={"PageSize": 1}):
        checks.extend(page["HealthChecks"])
    types = sorted(h["HealthCheckConfig"]["Type"] for h in checks)
    check("route53: recovery-control, HTTPS and calculated checks",
          types == ["CALCULATED", "CALCULATED", "HTTPS", "HTTPS",
                    "RECOVERY_CONTROL", "RECOVERY_CONTROL"], types)
    rc = [h["HealthCheckConfig"].get("RoutingControlArn") for h in checks
          if h["HealthCheckConfig"]["Type"] == "RECOVERY_CONTROL"]
    check("route53: recovery-control checks name the controls",
          rc == [CONTROL_USE1, CONTROL_USW2], rc)
    code, msg = error_of(lambda: r53.list_resource_record_sets(HostedZoneId="ZNOSUCHZONE"))
    check("route53: unknown zone -> NoSuchHostedZone", code == "NoSuchHostedZone", (code, msg))
    code, msg = error_of(lambda: r53.get_health_check(HealthCheckId="no-such-check"))
    check("route53: unknown health check -> NoSuchHealthCheck", code == "NoSuchHealthCheck", (code, msg))


def main(argv):
    if len(argv) < 4 or len(argv) % 2 != 0:
        print(__doc__, file=sys.stderr)
        return 2
    main_url = argv[1]
    arc_urls = list(zip(argv[2::2], argv[3::2]))
    groups = (rds_checks, cloudwatch_checks, store_replication_checks, sts_checks,
              backup_checks, capacity_checks, control_config_checks, route53_checks)
    for group in groups:
        group(main_url)
    arc_checks(arc_urls)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
