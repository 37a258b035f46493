import LambdaShiftCore

extension AWSClientError: LambdaShiftError {
    package var sentence: String { description }
    package var exitCode: Int32 { isConfiguration ? ExitStatus.usage : ExitStatus.failed }
}

extension AWSServiceError: LambdaShiftError {
    package var sentence: String { description }
    package var exitCode: Int32 { ExitStatus.failed }
}

extension AWSServiceError {
    /// What kind of refusal this is, so that no code outside the AWS layer compares error
    /// code strings.
    package enum Kind: Sendable, Equatable {
        /// The function, version, alias, bucket or key does not exist.
        case notFound
        /// A RevisionId (or other) precondition no longer holds: someone changed the resource.
        case preconditionFailed
        /// Lambda is busy with another update, or the resource is not in a state for this call.
        case conflict
        /// A parameter Lambda refused for its value (a CodeSha256 that no longer matches, …).
        case invalidParameter
        /// S3: the bucket lives in another region.
        case wrongRegion
        /// The credentials may not make this call.
        case accessDenied
        /// Anything else.
        case other
    }

    package var kind: Kind {
        switch code {
        case "ResourceNotFoundException", "NoSuchBucket", "NoSuchKey", "NotFound", "NoSuchVersion",
            "RepositoryNotFoundException", "ImageNotFoundException":
            .notFound
        case "PreconditionFailedException", "PreconditionFailed": .preconditionFailed
        case "ResourceConflictException", "ConflictException": .conflict
        case "InvalidParameterValueException", "ValidationException": .invalidParameter
        case "PermanentRedirect", "AuthorizationHeaderMalformed": .wrongRegion
        case "AccessDeniedException", "AccessDenied": .accessDenied
        default: status == 301 ? .wrongRegion : .other
        }
    }

    /// S3's NoSuchBucket (as distinct from a missing key).
    package var isMissingBucket: Bool { code == "NoSuchBucket" }
}
