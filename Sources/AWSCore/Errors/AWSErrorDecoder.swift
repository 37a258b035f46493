import LambdaShiftCore
import FoundationEssentials

/// The wire protocols of the services lambda-shift calls.
package enum AWSProtocol: Sendable {
    /// Lambda: JSON bodies, errors named by the x-amzn-ErrorType header.
    case restJSON
    /// S3: XML bodies, `<Error><Code>…`.
    case restXML
    /// STS: form-encoded requests, `<ErrorResponse><Error><Code>…` answers.
    case query
    /// CloudWatch: JSON 1.0 with X-Amz-Target, errors in `__type`.
    case json10
    /// ECR: JSON 1.1, the same but for the content type.
    case json11
}

/// Decodes an error response into code, message, status and request id, per protocol.
package enum AWSErrorDecoder {
    package static func decode(
        _ response: HTTPResponse, protocol proto: AWSProtocol, service: String, operation: String
    )
        -> AWSServiceError
    {
        var code: String?
        var message: String?
        var requestId = response.requestId
        switch proto {
        case .restJSON, .json10, .json11:
            if let header = response.headers["x-amzn-ErrorType"] { code = header }
            if let header = response.headers["x-amzn-query-error"], code == nil {
                code = header.split(separator: ";").first.map(String.init)
            }
            if let object = JSONValue.parse(response.body) {
                code = code ?? object["__type"]?.string ?? object["code"]?.string ?? object["Code"]?.string
                message = object["message"]?.string ?? object["Message"]?.string ?? object["errorMessage"]?.string
            }
        case .restXML, .query:
            if let root = try? XMLNode.parse(response.body) {
                let error = root.name == "Error" ? root : root.child("Error")
                code = error?.text(at: "Code")
                message = error?.text(at: "Message")
                requestId = requestId ?? root.text(at: "RequestId") ?? error?.text(at: "RequestId")
            }
        }
        return AWSServiceError(
            service: service, operation: operation,
            code: normalize(code) ?? fallbackCode(status: response.status),
            message: message ?? "", status: response.status, requestId: requestId,
            bucketRegion: response.headers["x-amz-bucket-region"])
    }

    /// `aws.protocoltests#Code:http://…` and `com.amazon…#Code` both become `Code`.
    static func normalize(_ code: String?) -> String? {
        guard var code, !code.isEmpty else { return nil }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        return code.isEmpty ? nil : code
    }

    /// For bodiless answers (S3 HEAD), a code from the status as S3 names them.
    static func fallbackCode(status: Int) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 409: "Conflict"
        case 412: "PreconditionFailed"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 503: "ServiceUnavailable"
        default: "HTTP\(status)"
        }
    }
}
