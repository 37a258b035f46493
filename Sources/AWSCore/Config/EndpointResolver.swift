import LambdaShiftCore
/// Finds a service's endpoint: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the
/// real endpoint for the region's partition, as the AWS SDKs do.
/// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
package struct EndpointResolver: Sendable {
    package var region: String
    /// Per-service overrides keyed by endpoint key (`S3`, `LAMBDA`, …), and the global one.
    package var serviceOverrides: [String: Endpoint]
    package var globalOverride: Endpoint?

    package init(region: String, serviceOverrides: [String: Endpoint] = [:], globalOverride: Endpoint? = nil) {
        self.region = region
        self.serviceOverrides = serviceOverrides
        self.globalOverride = globalOverride
    }

    /// Reads the override variables; a malformed URL is a configuration error.
    package init(region: String, environment: Environment) throws {
        self.init(region: region)
        let ignore = environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        guard !ignore else { return }
        func parse(_ variable: String) throws -> Endpoint? {
            guard let text = environment[variable] else { return nil }
            guard let endpoint = Endpoint(parsing: text) else {
                throw AWSClientError(
                    .invalidEndpoint,
                    "\(variable) is not a usable endpoint URL: set it to http(s)://host[:port] with no path, or unset it.",
                    cause: "got \(text)", isConfiguration: true)
            }
            return endpoint
        }
        globalOverride = try parse("AWS_ENDPOINT_URL")
        for key in ["S3", "LAMBDA", "CLOUDWATCH", "STS", "ECR", "SIGNER"] {
            if let endpoint = try parse("AWS_ENDPOINT_URL_\(key)") { serviceOverrides[key] = endpoint }
        }
    }

    /// True when the service's endpoint was given rather than derived.
    package func isOverridden(_ service: AWSService) -> Bool {
        serviceOverrides[service.endpointKey] != nil || globalOverride != nil
    }

    package func endpoint(for service: AWSService) -> Endpoint {
        if let endpoint = serviceOverrides[service.endpointKey] ?? globalOverride { return endpoint }
        return Endpoint(
            scheme: "https", host: "\(service.hostPrefix).\(region).\(Partition.of(region: region).dnsSuffix)")
    }
}

/// AWS partitions and their DNS suffixes.
package struct Partition: Sendable, Equatable {
    package var name: String
    package var dnsSuffix: String

    package static let aws = Partition(name: "aws", dnsSuffix: "amazonaws.com")
    package static let china = Partition(name: "aws-cn", dnsSuffix: "amazonaws.com.cn")
    package static let govCloud = Partition(name: "aws-us-gov", dnsSuffix: "amazonaws.com")
    package static let iso = Partition(name: "aws-iso", dnsSuffix: "c2s.ic.gov")
    package static let isoB = Partition(name: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov")

    package static func of(region: String) -> Partition {
        if region.hasPrefix("cn-") { return .china }
        if region.hasPrefix("us-gov-") { return .govCloud }
        if region.hasPrefix("us-isob-") { return .isoB }
        if region.hasPrefix("us-iso-") { return .iso }
        return .aws
    }
}
