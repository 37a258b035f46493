#!/usr/bin/env python3
"""For scripts/demo: waits until the deploy has moved the alias COUNT times (the twin saw that
many UpdateAlias requests; default 1), then sets the alarm to ALARM, as a real error spike
would. For an alias on $LATEST the first move is onto the baseline (same code), so the demo
passes 2: the alarm fires once the canary's weight is set. Usage: ENDPOINT ALARM [COUNT]"""

import json
import sys
import time
import urllib.request

import boto3

endpoint, alarm = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
deadline = time.time() + 60
while time.time() < deadline:
    log = json.load(urllib.request.urlopen(endpoint + "/_twin/requests"))
    if sum(r.get("operation") == "UpdateAlias" for r in log) >= count:
        break
    time.sleep(0.1)
else:
    sys.exit("the deploy never moved the alias")
cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIDTWINEXAMPLE0001", aws_secret_access_key="twin/Secret+Key/EXAMPLE0001")
cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="error spike on the new version (demo)")
print(f"   (demo: {alarm} set to ALARM while the canary bakes)")
