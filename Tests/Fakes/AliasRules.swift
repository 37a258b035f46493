import AWSCore
import AWSServices

/// Lambda's rules for an alias update, the one copy every fake uses: a RevisionId that is not
/// the alias's current one is refused with 412 PreconditionFailed; a weighted alias routes to
/// exactly one additional version and never involves `$LATEST` (400); each accepted update gets
/// a new RevisionId. Nil version or weights keep what the alias has; a nil description keeps it.
/// https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html
package enum AliasRules {
    package static func update(
        _ alias: inout AliasConfiguration, version: String?, weights: [String: Double]?, revisionId: String?,
        description: String?, newRevisionId: String
    ) throws {
        if let revisionId, revisionId != alias.revisionId { throw precondition() }
        let primary = version ?? alias.functionVersion
        let routed = weights ?? alias.additionalVersionWeights
        if !routed.isEmpty && (primary == "$LATEST" || routed.keys.contains("$LATEST") || routed.count > 1) {
            throw AWSServiceError(
                service: "Lambda", operation: "UpdateAlias", code: "InvalidParameterValueException",
                message: "$LATEST is not supported for an alias pointing to more than 1 version", status: 400,
                requestId: nil)
        }
        alias.functionVersion = primary
        alias.additionalVersionWeights = routed
        alias.revisionId = newRevisionId
        if let description { alias.description = description }
    }

    /// Lambda's answer to a stale RevisionId.
    package static func precondition() -> AWSServiceError {
        AWSServiceError(
            service: "Lambda", operation: "UpdateAlias", code: "PreconditionFailedException",
            message: "The Revision Id provided does not match the latest Revision Id.", status: 412, requestId: nil)
    }
}
