"""Corrections applied to moto 5.2.1 in-process, where the proxy alone cannot
keep AWS's behaviour because moto throws the data away.

- S3 PutObject in a versioning-suspended bucket: moto keeps only the new
  object and drops every earlier version of the key. AWS (User Guide,
  "Working with objects in a versioning-suspended bucket": "Adding objects
  to versioning-suspended buckets") stores the new object as version null,
  replacing only an existing null version; other versions stay.
- The region a request is served in: moto 5.2.1 takes it from the URL
  (`.REGION.amazonaws.com` anywhere in it, the path included), then from a
  `region/…` token in the User-Agent, and only then from the Authorization
  header's credential scope. The twin is every region's endpoint at once, so
  the region is the one the request was signed for (the proxy verified that
  signature): the credential scope comes first here. moto keeps one Lambda and
  one CloudWatch backend per region, so this is what keeps regions apart.
- CloudWatch GetMetricData for MetricStat queries (cloudwatch_semantics.py).
- CloudWatch alarm history: moto 5.2.1 has no DescribeAlarmHistory. PutMetricAlarm, SetAlarmState and
  DeleteAlarms record history items (cloudwatch_semantics.AlarmHistory, one per backend, i.e. per
  account and region; moto's reset drops it), DescribeAlarmHistory answers from them. PutMetricAlarm
  creating an alarm leaves it in INSUFFICIENT_DATA (moto said OK); updating one keeps its state (moto
  replaced it with a new alarm in its initial state): CloudWatch API reference, PutMetricAlarm
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html): "When
  this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA" and "When
  you update an existing alarm, its state is left unchanged".
- ECR PutImage with a tag another image has (a mutable repository): moto deleted that image
  (BatchDeleteImage by tag). In ECR a mutable repository lets the tag be overwritten (ECR User
  Guide, "Preventing image tags from being overwritten",
  https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html: "Mutable –
  Choose this option if you want image tags to be overwritten") and the earlier image stays,
  untagged, until deleted (what lifecycle rules with `tagStatus: untagged` clean up; that it
  stays is the twin's reading, the page does not say it in so many words). A Lambda version
  pinned to the earlier digest then still names an image that exists.
- Signer GetSigningProfile / CancelSigningProfile of a profile that does not exist: moto raised a
  KeyError (HTTP 500 and a traceback on stderr). Signer API reference (GetSigningProfile,
  CancelSigningProfile, Errors): ResourceNotFoundException, 404; moto now raises that (the
  proxy words the message, signer_semantics.py).
"""

from __future__ import annotations

import functools
import threading

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    from moto.s3.models import S3Backend

    original = S3Backend.put_object

    @functools.wraps(original)
    def put_object(self, bucket_name, key_name, *args, **kwargs):
        bucket = self.get_bucket(bucket_name)
        if getattr(bucket, "versioning_status", None) != "Suspended":
            return original(self, bucket_name, key_name, *args, **kwargs)
        existing = bucket.keys.getlist(key_name, [])
        kept = [k for k in existing if str(k.version_id) != "null"]
        if kept:
            # Hide the versions to keep from moto (its setlist disposes of every key it drops),
            # let it replace the null version, then put them back before the new current one.
            dict.__setitem__(bucket.keys, key_name, [k for k in existing if k not in kept])
        new_key = original(self, bucket_name, key_name, *args, **kwargs)
        if kept:
            dict.__setitem__(bucket.keys, key_name, kept + bucket.keys.getlist(key_name, []))
        return new_key

    S3Backend.put_object = put_object
    _patch_region_from_credential_scope()
    _patch_ecr_tag_move()
    _patch_get_metric_data()
    _patch_alarm_history()
    _patch_signer_missing_profile()
    _patch_version_numbers()
    _applied = True


def _patch_version_numbers() -> None:
    """Lambda never reuses a version number: "Lambda ... increments the version number" for each
    PublishVersion, and a deleted version's number is not given again. moto 5.2.1 numbers a new
    version len(versions) + 1, so after a version is deleted the next one took the number of the
    newest (found by the model-based test, T1). Here each function keeps the highest number it
    published; a function deleted whole starts again at 1, as on Lambda.
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html"""
    import copy

    from moto.awslambda.models import LambdaStorage

    def highest(storage) -> dict:
        return storage.__dict__.setdefault("_twin_highest_version", {})

    def publish_version(self, name_or_arn: str, description: str = ""):
        function = self.get_function_by_name_or_arn_forbid_qualifier(name_or_arn)
        name = function.function_name
        if name not in self._functions or not self._functions[name]["latest"]:
            return None
        versions = self._functions[name]["versions"]
        if versions:
            if not function.code_or_config_updated:
                return versions[-1]  # nothing changed: no new version, as moto (and Lambda) do
            function.code_or_config_updated = False
        number = max([highest(self).get(name, 0)] + [int(v.version) for v in versions]) + 1
        highest(self)[name] = number
        fn = copy.copy(self._functions[name]["latest"])
        fn.set_version(number)
        if description:
            fn.description = description
        versions.append(fn)
        self._arns[fn.function_arn] = fn
        return fn

    original_delete = LambdaStorage.del_function

    @functools.wraps(original_delete)
    def del_function(self, name_or_arn: str, qualifier=None):
        function = self.get_function_by_name_or_arn_with_qualifier(name_or_arn, qualifier)
        whole = qualifier is None and ":" not in name_or_arn.split(":function:")[-1]
        original_delete(self, name_or_arn, qualifier)
        if whole and function is not None:
            highest(self).pop(function.function_name, None)

    LambdaStorage.publish_version = publish_version
    LambdaStorage.del_function = del_function


def _patch_signer_missing_profile() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.signer.models import SignerBackend

    class ResourceNotFoundException(JsonRESTError):
        code = 404

        def __init__(self, name: str) -> None:
            super().__init__("ResourceNotFoundException", f"profile with name {name} does not exist")

    original_get, original_cancel = SignerBackend.get_signing_profile, SignerBackend.cancel_signing_profile

    @functools.wraps(original_get)
    def get_signing_profile(self, profile_name):
        if profile_name not in self.signing_profiles:
            raise ResourceNotFoundException(profile_name)
        return original_get(self, profile_name)

    @functools.wraps(original_cancel)
    def cancel_signing_profile(self, profile_name):
        if profile_name not in self.signing_profiles:
            raise ResourceNotFoundException(profile_name)
        return original_cancel(self, profile_name)

    SignerBackend.get_signing_profile = get_signing_profile
    SignerBackend.cancel_signing_profile = cancel_signing_profile


def _patch_region_from_credential_scope() -> None:
    from moto.core.responses import BaseResponse

    original = BaseResponse.get_region_from_url

    @functools.wraps(original)
    def get_region_from_url(self, request, full_url):
        authorization = request.headers.get("Authorization") or ""
        if authorization.startswith("AWS4-HMAC-SHA256 ") and "Credential=" in authorization:
            scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].strip().split("/")
            if len(scope) == 5 and scope[2]:
                return scope[2]
        return original(self, request, full_url)

    BaseResponse.get_region_from_url = get_region_from_url


def _patch_get_metric_data() -> None:
    from moto.cloudwatch.exceptions import InvalidParameterValue, ValidationError
    from moto.cloudwatch.metric_data_expression_parser import parse_expression
    from moto.cloudwatch.models import CloudWatchBackend

    from . import cloudwatch_semantics

    original = CloudWatchBackend.get_metric_data

    @functools.wraps(original)
    def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
        if start_time.replace(microsecond=0) > end_time.replace(microsecond=0):
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if start_time.replace(microsecond=0) == end_time.replace(microsecond=0):
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        stat_queries = [q for q in queries if "MetricStat" in q]
        for query in stat_queries:
            try:
                cloudwatch_semantics.check_statistic(query["MetricStat"].get("Stat"))
            except cloudwatch_semantics.StatisticNotComputed as exc:
                raise InvalidParameterValue(str(exc)) from None
        index = cloudwatch_semantics.index_metrics(list(self.get_all_metrics()))
        results = [cloudwatch_semantics.metric_stat_result(q, index, start_time, end_time, scan_by)
                   for q in stat_queries]
        answer = [r for q, r in zip(stat_queries, results) if q.get("ReturnData", True)]
        for query in queries:  # metric math over the results above, as moto does
            if "Expression" in query and not query["Expression"].startswith("SELECT"):
                values, timestamps = parse_expression(query["Expression"], results)
                answer.append({"id": query["Id"], "label": query.get("Label") or query["Id"],
                               "values": values, "timestamps": timestamps, "status_code": "Complete"})
        insights = [q for q in queries if "Expression" in q and q["Expression"].startswith("SELECT")]
        if insights:
            answer += original(self, insights, start_time, end_time, scan_by)
        return answer

    CloudWatchBackend.get_metric_data = get_metric_data


def _alarm_snapshot(alarm) -> dict:
    """An alarm as ConfigurationUpdate HistoryData shows it (the keys AWS uses in public output)."""
    def stamp(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"

    snapshot = {"alarmName": alarm.name, "alarmDescription": alarm.description, "alarmArn": alarm.alarm_arn,
                "alarmConfigurationUpdatedTimestamp": stamp(alarm.configuration_updated_timestamp),
                "namespace": alarm.namespace, "metricName": alarm.metric_name, "statistic": alarm.statistic,
                "extendedStatistic": alarm.extended_statistic, "period": alarm.period,
                "dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
                "threshold": alarm.threshold, "comparisonOperator": alarm.comparison_operator,
                "evaluationPeriods": alarm.evaluation_periods, "datapointsToAlarm": alarm.datapoints_to_alarm,
                "treatMissingData": alarm.treat_missing_data, "stateValue": alarm.state_value,
                "stateUpdatedTimestamp": stamp(alarm.state_updated_timestamp),
                "actionsEnabled": alarm.actions_enabled, "alarmActions": list(alarm.alarm_actions or []),
                "insufficientDataActions": list(alarm.insufficient_data_actions or []),
                "okactions": list(alarm.ok_actions or [])}
    return {k: v for k, v in snapshot.items() if v is not None}


def _patch_alarm_history() -> None:
    from moto.cloudwatch.exceptions import CloudWatchException
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult

    from . import cloudwatch_semantics

    class InvalidNextToken(CloudWatchException):
        code = "InvalidNextToken"

    def history(backend) -> cloudwatch_semantics.AlarmHistory:
        # In the backend's __dict__, which moto's reset empties.
        found = backend.__dict__.get("twin_alarm_history")
        if found is None:
            found = backend.__dict__.setdefault("twin_alarm_history", cloudwatch_semantics.AlarmHistory())
        return found

    def alarm_type(alarm) -> str:
        return "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm"

    def naive(moment):
        return moment.replace(tzinfo=None)  # moto keeps naive UTC datetimes

    original_put, original_set = CloudWatchBackend.put_metric_alarm, CloudWatchBackend.set_alarm_state
    original_delete = CloudWatchBackend.delete_alarms

    @functools.wraps(original_put)
    def put_metric_alarm(self, *args, **kwargs):
        name = kwargs["name"] if "name" in kwargs else args[0]
        before = self.alarms.get(name)
        alarm = original_put(self, *args, **kwargs)
        if before is not None:  # an update: the state is left unchanged
            alarm.state_value, alarm.state_reason = before.state_value, before.state_reason
            alarm.state_reason_data, alarm.state_updated_timestamp = (before.state_reason_data,
                                                                      before.state_updated_timestamp)
            kind, summary = "Update", f'Alarm "{name}" updated'
        else:
            alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
            alarm.state_reason_data = None
            kind, summary = "Create", f'Alarm "{name}" created'
        item = history(self).record(name, alarm_type(alarm), "ConfigurationUpdate", summary,
                                    cloudwatch_semantics.configuration_data(kind, _alarm_snapshot(alarm)))
        alarm.configuration_updated_timestamp = naive(item["Timestamp"])
        if before is None:
            alarm.state_updated_timestamp = naive(item["Timestamp"])
        return alarm

    @functools.wraps(original_set)
    def set_alarm_state(self, alarm_name, reason, reason_data, state_value):
        alarm = self.alarms.get(alarm_name)
        old = (alarm.state_value, alarm.state_reason, alarm.state_reason_data) if alarm else None
        original_set(self, alarm_name, reason, reason_data, state_value)  # its refusals first
        if old is not None and old[0] != state_value:
            item = history(self).record(
                alarm_name, alarm_type(alarm), "StateUpdate", f"Alarm updated from {old[0]} to {state_value}",
                cloudwatch_semantics.state_update_data(old, (state_value, reason, reason_data)))
            alarm.state_updated_timestamp = naive(item["Timestamp"])

    @functools.wraps(original_delete)
    def delete_alarms(self, alarm_names):
        for name in alarm_names or []:
            alarm = self.alarms.get(name)
            if alarm is not None:  # "CloudWatch retains the history of an alarm even if you delete the alarm"
                history(self).record(name, alarm_type(alarm), "ConfigurationUpdate", f'Alarm "{name}" deleted',
                                     cloudwatch_semantics.configuration_data("Delete", _alarm_snapshot(alarm)))
        return original_delete(self, alarm_names)

    def describe_alarm_history(self) -> ActionResult:
        try:
            items, token = history(self.cloudwatch_backend).describe(self._get_params())
        except cloudwatch_semantics.InvalidNextToken as exc:
            raise InvalidNextToken(str(exc)) from None
        result = {"AlarmHistoryItems": items}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    CloudWatchBackend.put_metric_alarm = put_metric_alarm
    CloudWatchBackend.set_alarm_state = set_alarm_state
    CloudWatchBackend.delete_alarms = delete_alarms
    CloudWatchResponse.describe_alarm_history = describe_alarm_history


def _patch_ecr_tag_move() -> None:
    from moto.ecr.models import ECRBackend

    original_put, original_delete = ECRBackend.put_image, ECRBackend.batch_delete_image
    local = threading.local()

    @functools.wraps(original_put)
    def put_image(self, *args, **kwargs):
        local.in_put = True
        try:
            return original_put(self, *args, **kwargs)
        finally:
            local.in_put = False

    @functools.wraps(original_delete)
    def batch_delete_image(self, repository_name, registry_id=None, image_ids=None):
        if not getattr(local, "in_put", False):
            return original_delete(self, repository_name, registry_id, image_ids)
        # put_image moving a tag: take the tag off the images that have it, keep the images.
        repository = self.repositories[repository_name]
        for image_id in image_ids or []:
            tag = image_id.get("imageTag")
            for image in repository.images:
                if tag is not None and tag in image.image_tags:
                    image.remove_tag(tag)
                    if not image.image_tags:
                        image.image_tag = None
        return {"imageIds": [], "failures": []}

    ECRBackend.put_image = put_image
    ECRBackend.batch_delete_image = batch_delete_image
