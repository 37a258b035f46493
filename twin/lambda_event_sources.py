"""Lambda event source mappings (part of LambdaSemantics, lambda_semantics.py): CreateEventSourceMapping,
GetEventSourceMapping, ListEventSourceMappings, UpdateEventSourceMapping and DeleteEventSourceMapping,
answered by the twin from the mappings it keeps (LambdaState.event_source_mappings). The event source
(an SQS queue, a Kinesis stream, a DynamoDB stream) must exist in moto, where the client created it
through the proxy.

Why not moto's own: moto 5.2.1 implements the five operations, but resolves an alias to its version
when it stores a mapping (FunctionArn `…:fn:1` for `fn:live`, and again at UpdateEventSourceMapping),
filters ListEventSourceMappings by comparing FunctionName with the string the mapping was created with
(a function ARN never matches), has no Marker / MaxItems, answers CreateEventSourceMapping 201, and lets its
SQS SendMessage hand messages to moto's own Lambda (which would consume them behind the twin's Invoke).

Sources (README "Rules" names each with its nature):

- Lambda API reference CreateEventSourceMapping, ListEventSourceMappings, GetEventSourceMapping,
  UpdateEventSourceMapping, DeleteEventSourceMapping and EventSourceMappingConfiguration
  (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html, …): the FunctionName
  forms ("Function name", "Function ARN", "Version or Alias ARN", "Partial ARN"); CreateEventSourceMapping
  and UpdateEventSourceMapping / DeleteEventSourceMapping answer 202, Get / List 200; BatchSize defaults
  (Kinesis, DynamoDB 100; SQS 10); StartingPosition "Required for Amazon Kinesis and Amazon DynamoDB Stream event
  sources. AT_TIMESTAMP is supported only for Amazon Kinesis streams, Amazon DocumentDB, Amazon MSK, and
  self-managed Apache Kafka"; "For Kinesis, DynamoDB, and Amazon SQS event sources, when you set BatchSize to a
  value greater than 10, you must set MaximumBatchingWindowInSeconds to at least 1" (applied to SQS only: AWS's own
  stream mappings answer BatchSize 100 with a window of 0, as recorded below); ListEventSourceMappings
  "returns a maximum of 100 items in each response, even if you set the number higher"; DeleteEventSourceMapping
  "When you delete an event source mapping, it enters a Deleting state"; DeleteFunction "To delete Lambda event
  source mappings that invoke a function, use DeleteEventSourceMapping".
- What AWS answers, as recorded against AWS by LocalStack's snapshot tests (localstack/localstack,
  tests/aws/services/lambda_/test_lambda_api.py TestLambdaEventSourceMappings and
  tests/aws/services/lambda_/event_source_mapping/*.snapshot.json): FunctionArn is the function's ARN with the
  qualifier exactly as given (name only and the unqualified ARN: no qualifier; `fn:$LATEST`, `fn:1`, `fn:myalias`
  and their ARNs keep it: test_function_name_variations); a new SQS mapping's fields (BatchSize 10,
  MaximumBatchingWindowInSeconds 0, FunctionResponseTypes [], StateTransitionReason USER_INITIATED, State Creating,
  then Enabled) and a DynamoDB stream mapping's (BisectBatchOnFunctionError false, LastProcessingResult "No records
  processed", MaximumRecordAgeInSeconds -1, ParallelizationFactor 1, TumblingWindowInSeconds 0, StateTransitionReason
  "User action"); the refusals' codes and texts (404 "The resource you requested does not exist." for an unknown
  UUID; 400 InvalidParameterValueException "Function does not exist", "Unrecognized event source.", "Error occurred
  while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. …", "Stream not found: ARN", the
  StartingPosition ones); ListEventSourceMappings with a FunctionName or EventSourceArn that does not exist answers
  an empty list; a mapping outlives DeleteFunction of its function (Get answers it, State Enabled:
  test_event_source_mapping_lifecycle_delete_function).
- A missing alias: "Function does not exist", 400 InvalidParameterValueException, as AWS answered a mapping created
  before its alias (aws/aws-cdk#2084).
- The duplicate refusal (409 ResourceConflictException) in AWS's words as users report them: SQS
  (DataBiosphere/azul#3399) and Kinesis (tmobile/jazz#74).
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid as uuid_module
from urllib.parse import parse_qs, quote, unquote

from .defaults import ACCOUNT_ID
from .errors import new_request_id
from .lambda_common import ARN_ELSEWHERE, LATEST, _err, _json_body, arn_region, parse_function_ref
from .messages import Response

ESM_OPERATIONS = ("CreateEventSourceMapping", "GetEventSourceMapping", "ListEventSourceMappings",
                  "UpdateEventSourceMapping", "DeleteEventSourceMapping")
NOT_FOUND = "The resource you requested does not exist."
FUNCTION_MISSING = "Function does not exist"
UNRECOGNIZED_SOURCE = "Unrecognized event source."
QUEUE_MISSING = ("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                 "SQS Error Message: The specified queue does not exist.")
STREAM_MISSING = "Stream not found: {arn}"
STARTING_POSITION_NULL = ("1 validation error detected: Value null at 'startingPosition' failed to satisfy "
                          "constraint: Member must not be null.")
STARTING_POSITION_UNSUPPORTED = "Unsupported starting position for arn type: {arn}"
# LocalStack's text for the documented BatchSize / MaximumBatchingWindowInSeconds rule (not in its AWS-recorded
# snapshots: AWS's own wording is not known).
BATCH_WINDOW_NEEDED = ("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater "
                       "than 10")
SQS_DUPLICATE = ('An event source mapping with SQS arn (" {arn} ") and function (" {function} ") already exists. '
                 "Please update or delete the existing mapping with UUID {uuid}")
STREAM_DUPLICATE = ("The event source arn ({arn}) and function ({function}) provided mapping already exists. "
                    "Please update or delete the existing mapping with UUID {uuid}")
UNMODELLED_SOURCE = ("The twin models event source mappings for Amazon SQS, Kinesis and DynamoDB Streams only, "
                     "not for {source}.")
BAD_MARKER = "Invalid Marker: the twin did not issue it."  # the twin's text (AWS's is not documented)
LIST_PAGE_MAX = 100  # ListEventSourceMappings: "a maximum of 100 items in each response"
STREAM_SOURCES = ("kinesis", "dynamodb")
UNMODELLED_SERVICES = ("kafka", "mq", "rds")  # the other sources the API reference lists (MSK, MQ, DocumentDB)
# Members of a configuration that a request may set (the model's EventSourceMappingConfiguration members that
# CreateEventSourceMapping / UpdateEventSourceMapping carry); FunctionName, Enabled and Tags are not among them.
CONFIG_MEMBERS = (
    "BatchSize", "FilterCriteria", "MaximumBatchingWindowInSeconds", "ParallelizationFactor", "StartingPosition",
    "StartingPositionTimestamp", "DestinationConfig", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
    "MaximumRetryAttempts", "TumblingWindowInSeconds", "Topics", "Queues", "SourceAccessConfigurations",
    "SelfManagedEventSource", "FunctionResponseTypes", "AmazonManagedKafkaEventSourceConfig",
    "SelfManagedKafkaEventSourceConfig", "ScalingConfig", "DocumentDBEventSourceConfig", "KMSKeyArn",
    "MetricsConfig", "LoggingConfig", "ProvisionedPollerConfig",
)
# What a new mapping says before the request's own values (AWS's answers as recorded; the stream defaults of
# MaximumRetryAttempts -1 and StartingPosition are the API reference's "default value is -1 … infinite").
SOURCE_DEFAULTS = {
    "sqs": {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0, "FunctionResponseTypes": [],
            "StateTransitionReason": "USER_INITIATED"},
    "stream": {"BatchSize": 100, "BisectBatchOnFunctionError": False, "DestinationConfig": {"OnFailure": {}},
               "FunctionResponseTypes": [], "LastProcessingResult": "No records processed",
               "MaximumBatchingWindowInSeconds": 0, "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1,
               "ParallelizationFactor": 1, "TumblingWindowInSeconds": 0, "StateTransitionReason": "User action"},
}


def _source_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 else ""


def _ref_account(ref: str) -> str | None:
    """The account of a full or partial function ARN (None for a plain name or name:qualifier)."""
    if ref.startswith("arn:"):
        parts = ref.split(":")
        return parts[4] if len(parts) > 4 else None
    return ref.split(":function:", 1)[0] if ":function:" in ref else None


def _answer(status: int, payload: dict) -> Response:
    return Response(status, [("Content-Type", "application/json"), ("x-amzn-RequestId", new_request_id())],
                    json.dumps(payload).encode())


def _public(mapping: dict, state: str | None = None) -> dict:
    """A mapping as the API answers it (the twin's own bookkeeping, keys starting with "_", left out)."""
    out = {k: v for k, v in mapping.items() if not k.startswith("_")}
    if state is not None:
        out["State"] = state
    return out


class EventSourcesMixin:
    """LambdaSemantics's event source mappings (self.state: LambdaState, self.moto; _arn, _moto_get and
    _version_exists come from FunctionsMixin)."""

    # Look-ups ------------------------------------------------------------------

    def _esm_function(self, function_name, region: str) -> tuple[str, str, str | None] | Response:
        """(function ARN with the qualifier as given, function name, qualifier) of a FunctionName, or the refusal:
        404 for an ARN of another region (the twin's rule for every operation), else 400 "Function does not exist"
        for a missing function, version or alias."""
        ref = unquote(str(function_name or ""))
        elsewhere = arn_region(ref)
        if elsewhere and elsewhere != region:
            return _err(404, "ResourceNotFoundException", ARN_ELSEWHERE.format(arn_region=elsewhere, region=region))
        name, qualifier = parse_function_ref(ref)
        missing = _err(400, "InvalidParameterValueException", FUNCTION_MISSING)
        if not name or _ref_account(ref) not in (None, ACCOUNT_ID):
            return missing  # the twin has one account: another account's function does not exist
        if self._moto_get(f"/{quote(name, safe='')}/configuration", region).status != 200:
            return missing
        if qualifier is not None and qualifier != LATEST:
            if qualifier.isdigit():
                if not self._version_exists(name, qualifier, region):
                    return missing
            elif not 200 <= self._moto_get(f"/{quote(name, safe='')}/aliases/{quote(qualifier, safe='')}",
                                           region).status < 300:
                return missing
        arn = self._arn(name, region)
        return (f"{arn}:{qualifier}" if qualifier else arn), name, qualifier

    def _moto_json(self, service: str, target: str, body: dict, region: str, version: str = "1.0") -> Response:
        return self.moto.call("POST", "/", service, json.dumps(body).encode(),
                              content_type=f"application/x-amz-json-{version}", region=region,
                              extra_headers=[("X-Amz-Target", target)])

    def _source_refusal(self, source_arn: str, region: str) -> Response | None:
        """The event source must exist (in the request's region and the twin's account): an SQS queue
        (GetQueueUrl), a Kinesis stream (DescribeStreamSummary) or a DynamoDB table's current stream
        (DescribeTable's LatestStreamArn; moto 5.2.1's DescribeStream matches on the table name only)."""
        parts = source_arn.split(":")
        service, arn_region_, account, resource = parts[2], parts[3], parts[4], ":".join(parts[5:])
        here = arn_region_ == region and account == ACCOUNT_ID
        if service == "sqs":
            if not here or not 200 <= self._moto_json("sqs", "AmazonSQS.GetQueueUrl", {
                    "QueueName": resource, "QueueOwnerAWSAccountId": account}, region).status < 300:
                return _err(400, "InvalidParameterValueException", QUEUE_MISSING)
            return None
        missing = _err(400, "InvalidParameterValueException", STREAM_MISSING.format(arn=source_arn))
        if service == "kinesis":
            found = here and resource.startswith("stream/") and 200 <= self._moto_json(
                "kinesis", "Kinesis_20131202.DescribeStreamSummary", {"StreamARN": source_arn}, region,
                "1.1").status < 300
            return None if found else missing
        # dynamodb: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
        pieces = resource.split("/")
        if not here or len(pieces) != 4 or pieces[0] != "table" or pieces[2] != "stream":
            return missing
        table = _json_body(self._moto_json("dynamodb", "DynamoDB_20120810.DescribeTable", {"TableName": pieces[1]},
                                           region)) or {}
        return None if (table.get("Table") or {}).get("LatestStreamArn") == source_arn else missing

    def _esm(self, req, uuid: str) -> dict | None:
        mapping = self.state.event_source_mappings.get(unquote(uuid))
        return mapping if mapping is not None and mapping["_region"] == req.region else None

    @staticmethod
    def _settle(mapping: dict) -> None:
        """After the answer that named a transition (Creating, Enabling, Disabling, Updating), the mapping is in
        its resting state at the next read (AWS takes seconds; LocalStack's recorded tests wait for it)."""
        mapping["State"] = "Enabled" if mapping["_enabled"] else "Disabled"

    # The five operations ----------------------------------------------------------

    def _create_esm(self, req, forward, name, qualifier) -> Response:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        body = body if isinstance(body, dict) else {}
        if body.get("SelfManagedEventSource") is not None and not body.get("EventSourceArn"):
            return _err(400, "InvalidParameterValueException",
                        UNMODELLED_SOURCE.format(source="self-managed Apache Kafka"))
        source_arn = body.get("EventSourceArn")
        if not source_arn:
            return _err(400, "InvalidParameterValueException", UNRECOGNIZED_SOURCE)
        service = _source_service(source_arn)
        if service in UNMODELLED_SERVICES:  # Amazon MSK, Amazon MQ, Amazon DocumentDB: real sources, not modelled
            return _err(400, "InvalidParameterValueException", UNMODELLED_SOURCE.format(source=service))
        if service not in ("sqs",) + STREAM_SOURCES:
            return _err(400, "InvalidParameterValueException", UNRECOGNIZED_SOURCE)
        if service in STREAM_SOURCES:
            position = body.get("StartingPosition")
            if not position:
                return _err(400, "InvalidParameterValueException", STARTING_POSITION_NULL)
            if service == "dynamodb" and position == "AT_TIMESTAMP":
                return _err(400, "InvalidParameterValueException", STARTING_POSITION_UNSUPPORTED.format(arn=source_arn))
        batch = body.get("BatchSize")
        window = body.get("MaximumBatchingWindowInSeconds")
        if service == "sqs" and isinstance(batch, int) and batch > 10 and not window:
            return _err(400, "InvalidParameterValueException", BATCH_WINDOW_NEEDED)
        function = self._esm_function(body.get("FunctionName"), req.region)
        if isinstance(function, Response):
            return function
        function_arn, function_name, _ = function
        refusal = self._source_refusal(source_arn, req.region)
        if refusal is not None:
            return refusal
        for uuid, other in self.state.event_source_mappings.items():
            if (other["_region"] == req.region and other["EventSourceArn"] == source_arn
                    and other["FunctionArn"] == function_arn):
                template = SQS_DUPLICATE if service == "sqs" else STREAM_DUPLICATE
                return _err(409, "ResourceConflictException",
                            template.format(arn=source_arn, function=function_name, uuid=uuid))
        uuid = str(uuid_module.uuid4())
        mapping = {"UUID": uuid, **copy.deepcopy(SOURCE_DEFAULTS["sqs" if service == "sqs" else "stream"])}
        mapping.update({k: copy.deepcopy(body[k]) for k in CONFIG_MEMBERS if body.get(k) is not None})
        if not (mapping.get("FilterCriteria") or {}).get("Filters"):
            mapping.pop("FilterCriteria", None)  # an empty filter list is not echoed (AWS, as recorded)
        enabled = body.get("Enabled", True) is not False
        self.state.esm_counter += 1
        mapping.update({
            "EventSourceArn": source_arn, "FunctionArn": function_arn,
            "EventSourceMappingArn": f"arn:aws:lambda:{req.region}:{ACCOUNT_ID}:event-source-mapping:{uuid}",
            "LastModified": round(time.time(), 3), "State": "Enabled" if enabled else "Disabled",
            "_region": req.region, "_enabled": enabled, "_order": self.state.esm_counter,
        })
        self.state.event_source_mappings[uuid] = mapping
        return _answer(202, _public(mapping, "Creating" if enabled else "Disabled"))

    def _get_esm(self, req, forward, name, qualifier) -> Response:
        mapping = self._esm(req, req.path.rstrip("/").rsplit("/", 1)[1])
        if mapping is None:
            return _err(404, "ResourceNotFoundException", NOT_FOUND)
        self._settle(mapping)
        return _answer(200, _public(mapping))

    def _delete_esm(self, req, forward, name, qualifier) -> Response:
        mapping = self._esm(req, req.path.rstrip("/").rsplit("/", 1)[1])
        if mapping is None:
            return _err(404, "ResourceNotFoundException", NOT_FOUND)
        # AWS: "it enters a Deleting state and might not be completely deleted for several seconds"; the twin's
        # goes at once (Get answers 404 and List leaves it out right after this answer).
        del self.state.event_source_mappings[mapping["UUID"]]
        return _answer(202, _public(mapping, "Deleting"))

    def _update_esm(self, req, forward, name, qualifier) -> Response:
        mapping = self._esm(req, req.path.rstrip("/").rsplit("/", 1)[1])
        if mapping is None:
            return _err(404, "ResourceNotFoundException", NOT_FOUND)
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        body = body if isinstance(body, dict) else {}
        function_arn = None
        if body.get("FunctionName") is not None:
            function = self._esm_function(body["FunctionName"], req.region)
            if isinstance(function, Response):
                return function
            function_arn = function[0]
        self._settle(mapping)
        was_enabled = mapping["_enabled"]
        if function_arn is not None:
            mapping["FunctionArn"] = function_arn
        mapping.update({k: copy.deepcopy(body[k]) for k in CONFIG_MEMBERS if body.get(k) is not None})
        mapping["LastModified"] = round(time.time(), 3)
        # The state the answer names (LocalStack's provider; AWS's transitions are not recorded): Enabling /
        # Disabling when Enabled changes it, Updating when Enabled is not given, else the state as it was.
        shown = mapping["State"]
        if "Enabled" in body and body["Enabled"] is not None:
            mapping["_enabled"] = bool(body["Enabled"])
            if mapping["_enabled"] and not was_enabled:
                shown = "Enabling"
            elif not mapping["_enabled"] and was_enabled:
                shown = "Disabling"
        else:
            shown = "Updating"
        self._settle(mapping)
        return _answer(202, _public(mapping, shown))

    def _list_esms(self, req, forward, name, qualifier) -> Response:
        """ListEventSourceMappings: the request region's mappings in creation order, filtered by EventSourceArn
        (exactly) and FunctionName: a name or ARN without a qualifier lists the function's mappings whatever their
        qualifier (unqualified, $LATEST, any version or alias), one with a qualifier (`fn:7`, `fn:live`, their ARNs,
        `fn:$LATEST`) those whose FunctionArn carries that qualifier. Filters naming nothing answer an empty list."""
        query = {k: v[0] for k, v in parse_qs(req.query, keep_blank_values=True).items() if v}
        source_arn = query.get("EventSourceArn")
        chosen = [m for m in self.state.event_source_mappings.values()
                  if m["_region"] == req.region and (not source_arn or m["EventSourceArn"] == source_arn)]
        if query.get("FunctionName"):
            ref = unquote(query["FunctionName"])
            elsewhere = arn_region(ref)
            wanted_name, wanted_qualifier = parse_function_ref(ref)
            base = f"arn:aws:lambda:{req.region}:{ACCOUNT_ID}:function:{wanted_name}"
            if elsewhere and elsewhere != req.region:
                chosen = []
            elif wanted_qualifier is None:
                chosen = [m for m in chosen if m["FunctionArn"] == base or m["FunctionArn"].startswith(base + ":")]
            else:
                chosen = [m for m in chosen if m["FunctionArn"] == f"{base}:{wanted_qualifier}"]
        chosen.sort(key=lambda m: m["_order"])
        after = 0
        if query.get("Marker"):
            try:
                token = base64.urlsafe_b64decode(query["Marker"].encode()).decode()
                prefix, _, number = token.partition(":")
                if prefix != "twin-esm" or not number.isdigit():
                    raise ValueError(token)
                after = int(number)
            except (ValueError, UnicodeDecodeError):
                return _err(400, "InvalidParameterValueException", BAD_MARKER)
        size = int(query["MaxItems"]) if query.get("MaxItems", "").isdigit() else LIST_PAGE_MAX
        size = max(1, min(size, LIST_PAGE_MAX))
        rest = [m for m in chosen if m["_order"] > after]
        page = rest[:size]
        for mapping in page:
            self._settle(mapping)
        answer: dict = {"EventSourceMappings": [_public(m) for m in page]}
        if len(rest) > size:
            answer["NextMarker"] = base64.urlsafe_b64encode(f"twin-esm:{page[-1]['_order']}".encode()).decode()
        return _answer(200, answer)
