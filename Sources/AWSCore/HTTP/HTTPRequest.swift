import FoundationEssentials

/// Where a service lives: scheme, host and optional port. Paths are always absolute.
package struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    package var scheme: String
    package var host: String
    package var port: Int?

    package init(scheme: String, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// Parses `https://host[:port][/]`; nil for anything else (a path beyond `/`, no host,
    /// a scheme other than http or https).
    package init?(parsing text: String) {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.path.isEmpty || components.path == "/",
            components.query == nil
        else { return nil }
        self.init(scheme: scheme, host: host, port: components.port)
    }

    /// The Host header: the port only when it is not the scheme's default.
    package var hostHeader: String {
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return host }
        return "\(host):\(port)"
    }

    package var description: String { "\(scheme)://\(hostHeader)" }
}

/// An HTTP header list that keeps order and repeated names, matched case-insensitively.
package struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    package private(set) var fields: [(name: String, value: String)] = []

    package init() {}
    package init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    package mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field called `name` with one.
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    package mutating func remove(_ name: String) {
        fields.removeAll { $0.name.lowercased() == name.lowercased() }
    }

    /// The first value of `name`.
    package subscript(name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// What a request sends: nothing, bytes in memory, or a byte range of a file streamed
/// from disk (a package is never loaded whole).
package enum HTTPBody: Sendable {
    case empty
    case bytes(Data)
    case file(path: String, offset: UInt64, length: UInt64)

    package var length: UInt64 {
        switch self {
        case .empty: 0
        case .bytes(let data): UInt64(data.count)
        case .file(_, _, let length): length
        }
    }
}

/// One HTTP request. `path` is the path as sent on the wire, already percent-encoded;
/// `query` holds decoded names and values, encoded once when sent and when signed.
package struct HTTPRequest: Sendable {
    package var method: String
    package var endpoint: Endpoint
    package var path: String
    package var query: [(name: String, value: String)]
    package var headers: HTTPHeaders
    package var body: HTTPBody

    package init(
        method: String, endpoint: Endpoint, path: String = "/", query: [(name: String, value: String)] = [],
        headers: HTTPHeaders = [:], body: HTTPBody = .empty
    ) {
        self.method = method
        self.endpoint = endpoint
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The query string as sent: names and values percent-encoded as SigV4 requires, in
    /// SigV4's order, so that what is sent is exactly what was signed.
    package var encodedQuery: String { SigV4Signer.canonicalQueryString(query) }

    /// The full URL as sent.
    package var url: String {
        let q = encodedQuery
        return endpoint.description + path + (q.isEmpty ? "" : "?" + q)
    }
}

/// One HTTP response, its body held in memory (AWS API responses are small).
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: Data

    package init(status: Int, headers: HTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The AWS request id, from whichever header the service uses.
    package var requestId: String? {
        headers["x-amzn-RequestId"] ?? headers["x-amz-request-id"] ?? headers["x-amzn-requestid"]
    }
}

/// Sends HTTP requests. The seam between the AWS layer and the network: libcurl in the
/// product, anything in tests.
package protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest, timeout: HTTPTimeouts) async throws -> HTTPResponse
}

/// Connect and total time limits for one attempt.
package struct HTTPTimeouts: Sendable {
    package var connect: Double
    package var total: Double

    package init(connect: Double = 10, total: Double = 120) {
        self.connect = connect
        self.total = total
    }
}
