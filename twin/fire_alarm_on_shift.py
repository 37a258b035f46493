#!/usr/bin/env python3
"""For scripts/demo: waits until the deploy has moved the alias (the twin saw an UpdateAlias),
then sets the alarm to ALARM, as a real error spike would. Usage: ENDPOINT ALARM"""

import json
import sys
import time
import urllib.request

import boto3

endpoint, alarm = sys.argv[1], sys.argv[2]
deadline = time.time() + 60
while time.time() < deadline:
    log = json.load(urllib.request.urlopen(endpoint + "/_twin/requests"))
    if any(r.get("operation") == "UpdateAlias" for r in log):
        break
    time.sleep(0.1)
else:
    sys.exit("the deploy never moved the alias")
cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="AKIDTWINEXAMPLE0001", aws_secret_access_key="twin/Secret+Key/EXAMPLE0001")
cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="error spike on the new version (demo)")
print(f"   (demo: {alarm} set to ALARM while the canary bakes)")
