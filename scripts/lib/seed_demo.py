#!/usr/bin/env python3
"""Seeds the twin for scripts/demo, then clears the request log so the demo's summary counts
only lambda-shift's own requests. Usage: seed_demo.py ENDPOINT [SHA_FILE]

- name-searcher-production as examples/terraform/main.tf leaves it: the function, and its alias
  `live` on `$LATEST` (`function_version = "$LATEST"`), no published version;
- name-searcher-staging with version 1 published behind the alias `live`;
- a versioned artifact bucket and an alarm (OK).

With SHA_FILE, the CodeSha256 production's $LATEST serves is written there (the old code the
demo expects the alias to serve again after its rollback)."""

import base64
import io
import json
import sys
import urllib.request
import zipfile

import boto3

endpoint = sys.argv[1]


def control(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(endpoint + path, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))


buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    archive.writestr("index.py", "def handler(event, context):\n    return {'ok': True}\n")
code = base64.b64encode(buffer.getvalue()).decode()
control("/_twin/seed-function", {"name": "name-searcher-staging", "runtime": "python3.12", "handler": "index.handler",
                                 "zipBase64": code, "alias": "live"})
production = control("/_twin/seed-function", {"name": "name-searcher-production", "runtime": "python3.12",
                                              "handler": "index.handler", "zipBase64": code})
if len(sys.argv) > 2:
    with open(sys.argv[2], "w") as sha_file:
        sha_file.write(production["CodeSha256"] + "\n")

session = boto3.session.Session(aws_access_key_id="AKIDTWINEXAMPLE0001",
                                aws_secret_access_key="twin/Secret+Key/EXAMPLE0001", region_name="us-east-1")
# What `terraform apply` does for aws_lambda_alias "live" { function_version = "$LATEST" }.
session.client("lambda", endpoint_url=endpoint).create_alias(
    FunctionName="name-searcher-production", Name="live", FunctionVersion="$LATEST")
s3 = session.client("s3", endpoint_url=endpoint)
s3.create_bucket(Bucket="lambda-shift-artifacts")
s3.put_bucket_versioning(Bucket="lambda-shift-artifacts", VersioningConfiguration={"Status": "Enabled"})
cloudwatch = session.client("cloudwatch", endpoint_url=endpoint)
cloudwatch.put_metric_alarm(AlarmName="name-searcher-errors", Namespace="AWS/Lambda", MetricName="Errors",
                            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                            ComparisonOperator="GreaterThanOrEqualToThreshold")
cloudwatch.set_alarm_state(AlarmName="name-searcher-errors", StateValue="OK", StateReason="seeded by the demo")
control("/_twin/requests/clear", {})
control("/_twin/lambda", {"updatePolls": 1})
print("== seeded: name-searcher-production (alias live → $LATEST, as Terraform leaves it), name-searcher-staging (alias live → 1),\n"
      "   bucket lambda-shift-artifacts (versioned), alarm name-searcher-errors (OK)")
