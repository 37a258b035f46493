import AWSCore
import Foundation

/// Read access to a decoded JSON object by AWS's field names, without a Codable type per
/// response shape.
struct JSONFields: @unchecked Sendable {
    // Holds only values produced by JSONSerialization, which are immutable.
    let object: [String: Any]

    init(_ object: [String: Any]) { self.object = object }

    init(data: Data, service: String, operation: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw AWSClientError(
                .invalidResponse, "\(service) answered \(operation) with something that is not a JSON object.",
                isConfiguration: false)
        }
        self.object = object
    }

    func string(_ key: String) -> String? { object[key] as? String }
    func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
    func double(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
    func fields(_ key: String) -> JSONFields? { (object[key] as? [String: Any]).map(JSONFields.init) }
    func array(_ key: String) -> [JSONFields] {
        ((object[key] as? [Any]) ?? []).compactMap { ($0 as? [String: Any]).map(JSONFields.init) }
    }
    func strings(_ key: String) -> [String] { (object[key] as? [Any])?.compactMap { $0 as? String } ?? [] }
    func doubles(_ key: String) -> [Double] {
        (object[key] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? []
    }
}

enum JSONBody {
    /// Serialises a request body with sorted keys: the same input, the same bytes.
    static func encode(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
    }
}
