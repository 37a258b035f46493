// The package and upload halves of lambda-shift, alone, for scripts/bench to time:
//   lambda-shift-bench upload FILE BUCKET KEY
//       the upload, against `aws s3 cp`;
//   lambda-shift-bench package-upload DIR BUCKET KEY overlapped|sequential
//       a build directory packaged and uploaded as a deploy does it for a new key (parts sent
//       while the zip is written), or packaged first and then uploaded.
// Credentials, region and endpoint come from the environment as in lambda-shift itself.
import LambdaShiftCore
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

let arguments = CommandLine.arguments
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
