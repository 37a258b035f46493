// The package and upload halves of lambda-shift, alone, for scripts/bench to time:
//   lambda-shift-bench upload FILE BUCKET KEY
//       the upload, against `aws s3 cp`;
//   lambda-shift-bench package-upload DIR BUCKET KEY overlapped|sequential
//       a build directory packaged and uploaded as a deploy does it for a new key (parts sent
//       while the zip is written), or packaged first and then uploaded.
//   lambda-shift-bench judge N
//       the log-based canary judge over N text REPORT records of each version (in memory),
//       read, parsed, sampled and judged as a gate check does it.
// Credentials, region and endpoint come from the environment as in lambda-shift itself.
import LambdaShiftCore
import Ports
import Rollout
import Hashing
import AWSCore
import AWSServices
import Packaging
import Foundation

/// Passes the writer's progress to the upload, as the deploy's relay does once attached.
struct Forward: PackageProgress {
    let upload: S3StreamingUpload
    func planned(_ bytes: UInt64) {}
    func committed(_ bytes: UInt64) throws { try upload.committed(bytes) }
}

func seconds(_ duration: Duration) -> String {
    let (whole, atto) = duration.components
    return String(format: "%.3f", Double(whole) + Double(atto) / 1e18)
}

func usage() -> Never {
    FileHandle.standardError.write(
        Data(
            "usage: lambda-shift-bench upload FILE BUCKET KEY | package-upload DIR BUCKET KEY overlapped|sequential\n"
                .utf8))
    exit(2)
}

/// N reports of each version, served from memory in pages of 10,000 as FilterLogEvents does.
struct MemoryLogs: LogsAPI {
    let events: [LogEvent]
    func filterLogEvents(
        group: String, start: Int64, end: Int64, pattern: String, nextToken: String?, limit: Int
    ) async throws -> LogPage {
        let offset = nextToken.flatMap(Int.init) ?? 0
        let page = Array(events[offset..<min(events.count, offset + limit)])
        return LogPage(events: page, nextToken: offset + page.count < events.count ? String(offset + page.count) : nil)
    }

    init(perVersion count: Int) {
        var events: [LogEvent] = []
        var seed: UInt64 = 42
        for index in 0..<(2 * count) {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let version = index % 2 == 0 ? "1" : "2"
            let jitter = Double(seed >> 33 % 2000) / 100
            let duration = (version == "1" ? 90 : 93) + jitter
            events.append(
                LogEvent(
                    eventId: String(index), stream: "2027/01/15/[\(version)]0a1b",
                    timestamp: 1_800_000_000_000 + Int64(index),
                    message:
                        "REPORT RequestId: r\(index)\tDuration: \(duration) ms\tBilled Duration: \(Int(duration.rounded(.up))) ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t"
                ))
        }
        self.events = events
    }
}

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "judge", let count = Int(arguments[2]) {
    let logs = MemoryLogs(perVersion: count)
    let clock = ContinuousClock()
    let started = clock.now
    let gate = LogGate(
        logs: logs, group: "/aws/lambda/bench", format: .text,
        limits: LogLimits(maxDurationIncreasePercent: 10, maxMemoryUsePercent: 90, minInvocations: 1))
    let result = try await gate.evaluate(
        GateWindow(
            newVersion: "2", stableVersion: "1", start: Date(timeIntervalSince1970: 1_800_000_000),
            end: Date(timeIntervalSince1970: 1_800_000_600), final: true))
    print("judged \(count) reports of each version in \(seconds(clock.now - started)) s: \(result.detail)")
    exit(0)
}
guard arguments.count >= 5 else { usage() }
let (bucket, key) = (arguments[3], arguments[4])
do {
    let s3 = S3Client(
        client: try AWSSetup(environment: Environment(ProcessInfo.processInfo.environment)).makeClient())
    switch (arguments[1], arguments.count) {
    case ("upload", 5):
        let path = arguments[2]
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        // The packager computes this while writing; here it is a separate pass, timed with the upload.
        let digest = try SHA256Hasher.hash(fileAt: path)
        let object = try await s3.uploadFile(path: path, size: size, sha256: digest, bucket: bucket, key: key)
        print(
            "uploaded \(size) bytes to s3://\(bucket)/\(key) (version \(object.versionId ?? "none"), multipart \(object.multipart))"
        )
    case ("package-upload", 6):
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).zip").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let object: UploadedObject
        let package: PackageResult
        let clock = ContinuousClock()
        let started = clock.now
        var packaged = started
        switch arguments[5] {
        case "overlapped":
            let upload = try await s3.beginStreamingUpload(path: out, bucket: bucket, key: key)
            do {
                package = try await Packager().package(
                    source: arguments[2], out: out, progress: Forward(upload: upload))
                packaged = clock.now
                object = try await upload.finish(size: package.size, sha256: package.sha256)
            } catch {
                await upload.abort()
                throw error
            }
        case "sequential":
            package = try await Packager().package(source: arguments[2], out: out)
            packaged = clock.now
            object = try await s3.uploadFile(
                path: out, size: package.size, sha256: package.sha256, bucket: bucket, key: key)
        default: usage()
        }
        let ended = clock.now
        // The phases, for a reader of the figures: how long the upload lasted past the last byte.
        print(
            "\(arguments[5]): \(package.size) bytes to s3://\(bucket)/\(key), multipart \(object.multipart); packaged in \(seconds(packaged - started)) s, then \(seconds(ended - packaged)) s to the end of the upload"
        )
    default: usage()
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
