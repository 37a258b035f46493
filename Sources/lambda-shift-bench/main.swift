// The upload half of lambda-shift, alone, for scripts/bench to time against `aws s3 cp`:
//   lambda-shift-bench upload FILE BUCKET KEY
// Credentials, region and endpoint come from the environment as in lambda-shift itself.
import LambdaShiftCore
import Hashing
import AWSCore
import AWSServices
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 5, arguments[1] == "upload" else {
    FileHandle.standardError.write(Data("usage: lambda-shift-bench upload FILE BUCKET KEY\n".utf8))
    exit(2)
}
let (path, bucket, key) = (arguments[2], arguments[3], arguments[4])
do {
    let client = try AWSSetup(environment: Environment(ProcessInfo.processInfo.environment)).makeClient()
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
    // The packager computes this while writing; here it is a separate pass, timed with the upload.
    let digest = try SHA256Hasher.hash(fileAt: path)
    let object = try await S3Client(client: client).uploadFile(
        path: path, size: size, sha256: digest, bucket: bucket, key: key)
    print(
        "uploaded \(size) bytes to s3://\(bucket)/\(key) (version \(object.versionId ?? "none"), multipart \(object.multipart))"
    )
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
