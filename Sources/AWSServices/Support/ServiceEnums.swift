/// The AWS enumerations lambda-shift decides on, as types: the values the service documents, and
/// `other` keeping any value it adds later (soto-core's shape for open enumerations), so a new
/// value is never mistaken for a known one and never lost from a message.

/// Lambda's function `State`.
/// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html#lambda-Type-FunctionConfiguration-State
package enum FunctionState: Hashable, Sendable {
    case pending, active, inactive, failed
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "Pending": self = .pending
        case "Active": self = .active
        case "Inactive": self = .inactive
        case "Failed": self = .failed
        default: self = .other(raw)
        }
    }
}

/// Lambda's `LastUpdateStatus`.
/// https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html#lambda-Type-FunctionConfiguration-LastUpdateStatus
package enum LastUpdateStatus: Hashable, Sendable {
    case inProgress, successful, failed
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "InProgress": self = .inProgress
        case "Successful": self = .successful
        case "Failed": self = .failed
        default: self = .other(raw)
        }
    }
}

/// Lambda's `PackageType`.
package enum PackageType: Hashable, Sendable {
    case zip, image
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "Zip": self = .zip
        case "Image": self = .image
        default: self = .other(raw)
        }
    }
}

/// CloudWatch's alarm `StateValue`.
/// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html
package enum AlarmStateValue: Hashable, Sendable {
    case ok, alarm, insufficientData
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "OK": self = .ok
        case "ALARM": self = .alarm
        case "INSUFFICIENT_DATA": self = .insufficientData
        default: self = .other(raw)
        }
    }
}

/// AWS Signer's signing job `status`.
/// https://docs.aws.amazon.com/signer/latest/api/API_DescribeSigningJob.html
package enum SigningJobStatus: Hashable, Sendable {
    case inProgress, succeeded, failed
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "InProgress": self = .inProgress
        case "Succeeded": self = .succeeded
        case "Failed": self = .failed
        default: self = .other(raw)
        }
    }
}

/// AWS Signer's signing profile `status`.
/// https://docs.aws.amazon.com/signer/latest/api/API_GetSigningProfile.html
package enum SigningProfileStatus: Hashable, Sendable {
    case active, canceled, revoked
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "Active": self = .active
        case "Canceled": self = .canceled
        case "Revoked": self = .revoked
        default: self = .other(raw)
        }
    }
}

extension FunctionConfiguration {
    /// `State` as a type (nil when Lambda sent none: an older answer, or a version).
    package var stateValue: FunctionState? { state.map(FunctionState.init) }
    /// `LastUpdateStatus` as a type.
    package var updateStatus: LastUpdateStatus? { lastUpdateStatus.map(LastUpdateStatus.init) }
    /// `PackageType` as a type (nil: Lambda sent none, which it does for zip functions of old).
    package var package: PackageType? { packageType.map(PackageType.init) }
    /// Whether it is an image function.
    package var isImage: Bool { package == .image }
}

extension AlarmState {
    /// `StateValue` as a type.
    package var value: AlarmStateValue { AlarmStateValue(state) }
    /// Whether the alarm is in ALARM.
    package var isFiring: Bool { value == .alarm }
}

extension SigningJob {
    /// `status` as a type.
    package var state: SigningJobStatus { SigningJobStatus(status) }
}

extension SigningProfile {
    /// `status` as a type.
    package var state: SigningProfileStatus { SigningProfileStatus(status) }
}

extension AlarmTransition {
    /// The state the alarm moved into, as a type.
    package var value: AlarmStateValue { AlarmStateValue(state) }
}

/// A web function endpoint's `autoDeploymentMode`.
/// https://docs.aws.amazon.com/lambda/latest/api/API_web_UpdateWebFunctionEndpoint.html
package enum AutoDeploymentMode: Hashable, Sendable {
    /// Every new revision is served at once, with all the traffic.
    case latestRevision
    /// Revisions change only by revision weights.
    case disabled
    case other(String)

    package init(_ raw: String) {
        switch raw {
        case "LatestRevision": self = .latestRevision
        case "Disabled": self = .disabled
        default: self = .other(raw)
        }
    }

    package var apiValue: String {
        switch self {
        case .latestRevision: "LatestRevision"
        case .disabled: "Disabled"
        case .other(let raw): raw
        }
    }
}
