@testable import AWSServices
import FuzzSupport
@testable import LambdaShiftCore

/// Bucket policies (`BucketPolicy`, what a reference deploy reads with GetBucketPolicy): whatever
/// the text, a verdict is reached without a crash; adding the statement lambda-shift proposes
/// to a policy that did not deny never leaves it refusing (it grants, or stays undecided on a
/// condition it cannot judge); and IAM's wildcards agree with themselves (a pattern that covers
/// a prefix matches it with anything after, and overlaps it).
fuzz { bytes in
    let source = text(bytes)
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    guard let policy = BucketPolicy(source) else { return }
    let verdict = policy.lambdaRead(bucket: "b", prefix: "p/", account: "123456789012", functionArn: arn)
    let add = BucketPolicy.statementToAdd(bucket: "b", prefix: "p/", functionArn: arn)
    var statements = policy.statements.map { JSONValue.object($0) }
    statements.append(JSONValue.parse(Array(add.utf8))!)
    let widened = BucketPolicy(JSONValue.object(["Statement": .array(statements)]).rendered())
    require(widened != nil, "the widened policy no longer parses")
    let after = widened!.lambdaRead(bucket: "b", prefix: "p/", account: "123456789012", functionArn: arn)
    switch (verdict, after) {
    case (.denied, _): require(after == verdict, "a Deny stopped winning: \(verdict) then \(after)")
    case (_, .granted), (_, .undecided): break
    default: require(false, "the proposed statement did not grant: \(verdict) then \(after)")
    }
    // Wildcards: a pattern (the first line of the input) against the rest as a prefix.
    let lines = source.split(separator: "\n", maxSplits: 1).map(String.init)
    if lines.count == 2, lines[0].count <= 64, lines[1].count <= 64 {
        let (pattern, prefix) = (lines[0], lines[1])
        if Glob.covers(pattern, prefix: prefix) {
            require(Glob.matches(pattern, prefix + "x/y"), "\(pattern) covers \(prefix) but misses a key under it")
            require(Glob.overlaps(pattern, prefix: prefix), "\(pattern) covers \(prefix) without overlapping it")
        }
        if Glob.matches(pattern, prefix) { require(Glob.overlaps(pattern, prefix: prefix), "match without overlap") }
    }
}
