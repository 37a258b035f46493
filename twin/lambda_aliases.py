"""Lambda aliases (part of LambdaSemantics, lambda_semantics.py): alias RevisionId, exact
RoutingConfig.AdditionalVersionWeights, 200 (not 201) from GetAlias/UpdateAlias, and the
weighted-alias rules on CreateAlias / UpdateAlias, the two versions' execution role and dead-letter
queue included."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

from .errors import new_request_id
from .lambda_common import LATEST, PRECONDITION_MESSAGE, _err, _json_body, _with_json, new_revision
from .lambda_state import AliasState
from .messages import Response

# Lambda Developer Guide, "Implement Lambda canary deployments using a weighted alias"
# (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html): "You can point an
# alias to a maximum of two Lambda function versions", both published ("The alias can't point to
# $LATEST" for weighted routing). AWS's wording for $LATEST is the one below; the texts for the other
# refusals are the twin's (AWS's are not documented).
LATEST_WEIGHTED = "$LATEST is not supported for an alias pointing to more than 1 version"
TOO_MANY_VERSIONS = "Invalid RoutingConfig: an alias can point to at most 2 versions (1 additional version)."
SAME_VERSION = "Invalid RoutingConfig: the additional version must differ from the alias's FunctionVersion ({version})."
# Same page, under "Create a routing configuration for a Lambda alias": "Both versions must have the
# same execution role", "Both versions must have the same dead-letter queue configuration, or no
# dead-letter queue configuration". AWS's answer to a role mismatch, as users report it (400
# InvalidParameterValueException, serverless-heaven/serverless-aws-alias#64): the text below. No report
# of the dead-letter mismatch was found: its text is the twin's, written after the role one.
ROLE_MISMATCH = "Specified versions must be associated with the same execution role"
DEAD_LETTER_MISMATCH = "Specified versions must be associated with the same dead letter queue configuration"


class AliasesMixin:
    """LambdaSemantics's alias operations (self.state: LambdaState; _function_state, _arn, _moto_get,
    _version_exists and _version_config come from FunctionsMixin)."""

    # Aliases -----------------------------------------------------------------

    def _alias_state(self, name: str, alias: dict, region: str) -> AliasState:
        key = (region, name, alias.get("Name", ""))
        st = self.state.aliases.get(key)
        if st is None:
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            st = AliasState(new_revision(), dict(weights))
            self.state.aliases[key] = st
        return st

    def decorate_alias(self, name: str, alias: dict, region: str) -> dict:
        st = self._alias_state(name, alias, region)
        alias["RevisionId"] = st.revision
        if st.weights:
            alias["RoutingConfig"] = {"AdditionalVersionWeights": dict(st.weights)}
        else:
            alias.pop("RoutingConfig", None)
        return alias

    def _check_routing(self, name: str, region: str, primary: str | None, weights: dict) -> Response | None:
        """The weighted-alias rules (Lambda API reference CreateAlias / UpdateAlias and
        AliasRoutingConfiguration; Developer Guide "Create an alias" and "Implement Lambda canary
        deployments using a weighted alias"): FunctionVersion exists (404 otherwise); with
        additional versions, the primary is a published version (not $LATEST), there is at most
        one additional version, it differs from the primary, and it is a published version that
        exists; both versions have the same execution role and dead-letter queue configuration
        (_check_same_setup). Key pattern [0-9]+ and weights in [0.0, 1.0] come from the model
        (shape_validation.py answers those with ValidationException first)."""
        arn = self._arn(name, region)
        if primary and not self._version_exists(name, primary, region):
            return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{primary}")
        if not weights:
            return None
        if primary == LATEST:
            return _err(400, "InvalidParameterValueException", LATEST_WEIGHTED)
        if len(weights) > 1:
            return _err(400, "InvalidParameterValueException", TOO_MANY_VERSIONS)
        (extra,) = weights.keys()
        extra = str(extra)
        if extra == LATEST or not extra.isdigit():
            return _err(400, "InvalidParameterValueException", LATEST_WEIGHTED)
        if primary is not None and extra == str(primary):
            return _err(400, "InvalidParameterValueException", SAME_VERSION.format(version=primary))
        extra_config = self._version_config(name, extra, region)
        if extra_config is None:
            # AWS's code and text for a missing additional version are not documented; the twin
            # answers as for a missing FunctionVersion.
            return _err(404, "ResourceNotFoundException", f"Function not found: {arn}:{extra}")
        if primary is None:
            return None
        return self._check_same_setup(name, region, str(primary), extra, extra_config)

    def _check_same_setup(self, name: str, region: str, primary: str, extra: str,
                          extra_config: dict) -> Response | None:
        """Lambda DG "Create a routing configuration for a Lambda alias"
        (https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html): both versions
        behind a weighted alias have the same execution role, and the same dead-letter queue
        configuration or none (a queue on one and none on the other differ). Roles as moto keeps
        them per version; dead-letter queues as the twin froze them at PublishVersion."""
        primary_config = self._version_config(name, primary, region) or {}
        if primary_config.get("Role") != extra_config.get("Role"):
            return _err(400, "InvalidParameterValueException", ROLE_MISMATCH)
        st = self.state.functions.get((region, name))
        dead_letters = st.dead_letters if st is not None else {}
        if dead_letters.get(primary) != dead_letters.get(extra):
            return _err(400, "InvalidParameterValueException", DEAD_LETTER_MISMATCH)
        return None

    def _create_alias(self, req, forward, name, qualifier) -> Response:
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            body = {}
        if self._function_state(name, req.region) is not None and isinstance(body, dict):
            routing = body.get("RoutingConfig") or {}
            refusal = self._check_routing(name, req.region, str(body.get("FunctionVersion") or LATEST),
                                          dict(routing.get("AdditionalVersionWeights") or {}))
            if refusal is not None:
                return refusal
        resp = forward()
        alias = _json_body(resp)
        if resp.status in (200, 201) and alias:
            weights = (body.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            self.state.aliases[(req.region, name, alias.get("Name", ""))] = AliasState(new_revision(), dict(weights))
            return _with_json(resp, self.decorate_alias(name, alias, req.region), status=201)
        return resp

    def _get_alias(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        alias = _json_body(resp)
        if 200 <= resp.status < 300 and alias:
            return _with_json(resp, self.decorate_alias(name, alias, req.region), status=200)
        return resp

    def _list_aliases(self, req, forward, name, qualifier) -> Response:
        resp = forward()
        body = _json_body(resp)
        if resp.status == 200 and body:
            for alias in body.get("Aliases") or []:
                self.decorate_alias(name, alias, req.region)
            return _with_json(resp, body)
        return resp

    def _update_alias(self, req, forward, name, qualifier) -> Response:
        alias_name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        key = (req.region, name, alias_name)
        if key not in self.state.aliases:
            current = self._moto_get(f"/{quote(name, safe='')}/aliases/{quote(alias_name, safe='')}",
                                     req.region)
            if not 200 <= current.status < 300:
                return forward()  # moto answers 404
            self._alias_state(name, _json_body(current) or {"Name": alias_name}, req.region)
        st = self.state.aliases[key]
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return _err(400, "InvalidRequestContentException", "Could not parse request body into json")
        if body.get("RevisionId") and body["RevisionId"] != st.revision:
            return _err(412, "PreconditionFailedException", PRECONDITION_MESSAGE)
        version = body.get("FunctionVersion")
        routing = body.get("RoutingConfig")
        # The effective alias after the update: a missing FunctionVersion keeps the current one,
        # a missing RoutingConfig keeps the current weights.
        primary = str(version) if version else None
        if primary is None and (isinstance(routing, dict) and routing.get("AdditionalVersionWeights")):
            current = _json_body(self._moto_get(
                f"/{quote(name, safe='')}/aliases/{quote(alias_name, safe='')}", req.region)) or {}
            primary = str(current.get("FunctionVersion") or "") or None
        weights = (dict(routing.get("AdditionalVersionWeights") or {}) if isinstance(routing, dict)
                   else dict(st.weights) if version else {})
        # UpdateAlias onto a SnapStart version that is still Pending: AWS documents no refusal
        # (the SnapStart pages only say invocations of a Pending version fail), so the twin allows it.
        refusal = self._check_routing(name, req.region, primary, weights)
        if refusal is not None:
            return refusal
        resp = forward()
        alias = _json_body(resp)
        if 200 <= resp.status < 300 and alias:
            st.revision = new_revision()
            routing = body.get("RoutingConfig")
            if isinstance(routing, dict):
                st.weights = dict(routing.get("AdditionalVersionWeights") or {})
            return _with_json(resp, self.decorate_alias(name, alias, req.region), status=200)
        return resp

    def _delete_alias(self, req, forward, name, qualifier) -> Response:
        alias_name = unquote(req.path.rstrip("/").rsplit("/", 1)[1])
        resp = forward()
        if 200 <= resp.status < 300:
            self.state.aliases.pop((req.region, name, alias_name), None)
            return Response(204, [("x-amzn-RequestId", resp.header("x-amzn-RequestId") or new_request_id())])
        return resp
