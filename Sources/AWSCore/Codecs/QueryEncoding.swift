/// The AWS query protocol's request body: `Action=…&Version=…&Name=value`, form-encoded.
/// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
package enum QueryEncoding {
    package static func body(action: String, version: String, parameters: [(String, String)]) -> String {
        ([("Action", action), ("Version", version)] + parameters)
            .map { URIEncoding.encode($0.0) + "=" + URIEncoding.encode($0.1) }
            .joined(separator: "&")
    }
}
