import LambdaShiftCore
import AWSCore
import Foundation
import Synchronization

/// The local AWS twin (moto_server behind our signature-verifying proxy), started once per
/// test process on loopback and stopped by process id when the process exits.
final class Twin: Sendable {
    static let accessKeyId = "AKIDTWINEXAMPLE0001"
    static let secretAccessKey = "twin/Secret+Key/EXAMPLE0001"

    let endpoint: String
    let metadata: String
    let pid: Int32
    private let transport = CurlTransport()

    private static let shared = Mutex<Twin?>(nil)

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The twin for this test process, started on first use.
    static func start() throws -> Twin {
        try shared.withLock { twin in
            if let twin { return twin }
            let started = try launch()
            twin = started
            atexit { Twin.stopShared() }
            return started
        }
    }

    private static func stopShared() {
        guard let pid = shared.withLock({ $0?.pid }) else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        // Up to five seconds for a clean stop, then no more waiting.
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) != 0 { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    private static func launch() throws -> Twin {
        let ready = FileManager.default.temporaryDirectory.appendingPathComponent(
            "twin-ready-\(UUID().uuidString).json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repositoryRoot.appendingPathComponent("twin/twin.py").path, "--ready-file", ready.path,
            "--parent-pid", String(getpid()),
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: ready.path),
                let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let endpoint = info["endpoint"] as? String, let metadata = info["metadata"] as? String
            {
                try? FileManager.default.removeItem(at: ready)
                return Twin(endpoint: endpoint, metadata: metadata, pid: process.processIdentifier)
            }
            guard process.isRunning else {
                throw TwinError("the twin exited with status \(process.terminationStatus) before it was ready")
            }
            usleep(50_000)
        }
        process.terminate()
        throw TwinError("the twin was not ready within 60 s")
    }

    private init(endpoint: String, metadata: String, pid: Int32) {
        self.endpoint = endpoint
        self.metadata = metadata
        self.pid = pid
    }

    /// Environment for the binary or the library: the twin's endpoint and default keys, no
    /// metadata service, no home directory profiles.
    func environment(_ extra: [String: String] = [:]) -> Environment {
        var variables = [
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": Self.accessKeyId,
            "AWS_SECRET_ACCESS_KEY": Self.secretAccessKey,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": "/nonexistent-lambda-shift-home",
            "PATH": "/usr/bin:/bin",
        ]
        for (key, value) in extra { variables[key] = value }
        return Environment(variables.filter { !$0.value.isEmpty })
    }

    /// A library client against the twin.
    func client(_ extra: [String: String] = [:]) throws -> AWSClient {
        try AWSSetup(environment: environment(extra), sleeper: TaskSleeper()).makeClient()
    }

    // MARK: - Control API

    @discardableResult
    func control(_ method: String, _ path: String, _ body: Any? = nil, base: String? = nil) async throws -> Data {
        guard let endpoint = Endpoint(parsing: base ?? self.endpoint) else { throw TwinError("bad endpoint") }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let pieces = path.split(separator: "?", maxSplits: 1)
        let query =
            pieces.count > 1
            ? pieces[1].split(separator: "&").map { item -> (name: String, value: String) in
                let kv = item.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? URIEncoding.decode(String(kv[1])) : "")
            } : []
        let request = HTTPRequest(
            method: method, endpoint: endpoint, path: String(pieces[0]), query: query,
            headers: data == nil ? [:] : ["Content-Type": "application/json"], body: data.map { .bytes($0) } ?? .empty)
        let response = try await transport.send(request, timeout: HTTPTimeouts(connect: 5, total: 60))
        guard (200..<300).contains(response.status) else {
            throw TwinError(
                "twin \(method) \(path) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return response.body
    }

    func controlJSON(_ method: String, _ path: String, _ body: Any? = nil) async throws -> Any {
        try JSONSerialization.jsonObject(with: try await control(method, path, body))
    }

    /// Every request the proxy saw since the last clear.
    func requests() async throws -> [[String: Any]] {
        (try await controlJSON("GET", "/_twin/requests") as? [[String: Any]]) ?? []
    }

    func clearRequests() async throws { try await control("POST", "/_twin/requests/clear") }

    func setFaults(_ rules: [[String: Any]], seed: Int = 7) async throws {
        try await control("POST", "/_twin/faults", ["rules": rules, "seed": seed])
    }

    /// Creates a function (and optionally an alias on version 1) through the twin, in `region`
    /// (default us-east-1).
    @discardableResult
    func seedFunction(
        _ name: String, alias: String? = "live", code: String = "def handler(event, context):\n    return event\n",
        snapStart: Bool = false, region: String? = nil
    ) async throws -> [String: Any] {
        let zip = Self.zip(code)
        var body: [String: Any] = ["name": name, "runtime": "python3.12", "handler": "index.handler", "zipBase64": zip]
        if let alias { body["alias"] = alias }
        if let region { body["region"] = region }
        if snapStart { body["snapStart"] = true }
        var configuration = (try await controlJSON("POST", "/_twin/seed-function", body) as? [String: Any]) ?? [:]
        configuration["zipBase64"] = zip  // the exact bytes deployed, for tests that compare digests
        return configuration
    }

    /// Functions named after `prefixes` (each with alias live on version 1) and one versioned
    /// bucket named after `bucketPrefix`, all uniquely named, in us-east-1.
    func seedFunctionsAndBucket(_ prefixes: [String], bucket bucketPrefix: String) async throws -> (
        functions: [String], bucket: String
    ) {
        var functions: [String] = []
        for prefix in prefixes {
            let name = uniqueName(prefix)
            try await seedFunction(name)
            functions.append(name)
        }
        let bucket = uniqueName(bucketPrefix)
        try await Seeder(client: try client()).createBucket(bucket)
        return (functions, bucket)
    }

    /// A one-file zip made with Python's zipfile, as test fixture code.
    static func zip(_ code: String) -> String {
        let script =
            "import base64,io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w')\nz.writestr('index.py',sys.stdin.read())\nz.close()\nprint(base64.b64encode(b.getvalue()).decode())"
        return
            (try? Shell.run(["python3", "-c", script], input: code).stdout.trimmingCharacters(
                in: .whitespacesAndNewlines)) ?? ""
    }
}

struct TwinError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
