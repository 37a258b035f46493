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
