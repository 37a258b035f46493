import AWSCore
import FoundationEssentials
import LambdaShiftCore

/// Read access to a decoded JSON object by AWS's field names, without a Codable type per
/// response shape.
struct JSONFields: Sendable {
    let object: [String: JSONValue]

    init(_ object: [String: JSONValue]) { self.object = object }

    init(data: Data, service: String, operation: String) throws {
        guard let object = JSONValue.parse(data)?.object else {
            throw AWSClientError(
                .invalidResponse, "\(service) answered \(operation) with something that is not a JSON object.",
                isConfiguration: false)
        }
        self.object = object
    }

    func string(_ key: String) -> String? { object[key]?.string }
    func int(_ key: String) -> Int? { object[key]?.int }
    func double(_ key: String) -> Double? { object[key]?.double }
    func fields(_ key: String) -> JSONFields? { object[key]?.object.map(JSONFields.init) }
    func array(_ key: String) -> [JSONFields] {
        (object[key]?.array ?? []).compactMap { $0.object.map(JSONFields.init) }
    }
    func strings(_ key: String) -> [String] { object[key]?.array?.compactMap(\.string) ?? [] }
    func doubles(_ key: String) -> [Double] { object[key]?.array?.compactMap(\.double) ?? [] }
}

enum JSONBody {
    /// Serialises a request body with sorted keys: the same input, the same bytes.
    static func encode(_ object: [String: Any]) -> Data {
        guard let value = JSONValue(object) else {
            preconditionFailure("a request body holds only strings, numbers, booleans, lists and objects")
        }
        return Data(value.rendered().utf8)
    }
}

extension AWSClient {
    /// A call of a JSON protocol with X-Amz-Target (CloudWatch's JSON 1.0, ECR's JSON 1.1): POST /
    /// with the target `prefix.action`, the body as JSON, the answer's fields.
    func jsonTargetCall(
        _ service: AWSService, targetPrefix: String, _ action: String, _ body: [String: Any]
    ) async throws -> JSONFields {
        let data = JSONBody.encode(body)
        let contentType = service.wireProtocol == .json11 ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0"
        let response = try await send(service, AWSOperation(action)) { endpoint in
            HTTPRequest(
                method: "POST", endpoint: endpoint, path: "/",
                headers: ["Content-Type": contentType, "X-Amz-Target": "\(targetPrefix).\(action)"], body: .bytes(data))
        }
        return try JSONFields(data: response.body, service: service.displayName, operation: action)
    }
}
