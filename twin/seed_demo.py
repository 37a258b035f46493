#!/usr/bin/env python3
"""Seeds the twin for scripts/demo: a function with version 1 behind the alias `live`, a
versioned artifact bucket and an alarm, then clears the request log so the demo's summary
counts only lambda-shift's own requests. Usage: seed_demo.py ENDPOINT [fire-alarm-after-first-shift]"""

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
for environment in ("production", "staging"):
    control("/_twin/seed-function", {"name": f"name-searcher-{environment}", "runtime": "python3.12", "handler": "index.handler",
                                     "zipBase64": base64.b64encode(buffer.getvalue()).decode(), "alias": "live"})

session = boto3.session.Session(aws_access_key_id="AKIDTWINEXAMPLE0001",
                                aws_secret_access_key="twin/Secret+Key/EXAMPLE0001", region_name="us-east-1")
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
print("== seeded: functions name-searcher-production and -staging (alias live → 1), bucket lambda-shift-artifacts, alarm name-searcher-errors")
