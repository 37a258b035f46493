import Testing

@testable import AWSServices

/// Whether a bucket policy lets Lambda read referenced code: IAM's evaluation (a Deny wins,
/// then an Allow) over the statements that name Lambda, with IAM's wildcards.
@Suite("Bucket policies for code kept by reference")
struct BucketPolicyTests {
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:orders"

    func verdict(_ statements: String, prefix: String = "lambda-shift/acme/orders/", exact: Bool = false)
        -> BucketPolicy.Verdict?
    {
        BucketPolicy(#"{"Version":"2012-10-17","Statement":"# + statements + "}")?.lambdaRead(
            bucket: "artifacts", prefix: prefix, exact: exact, account: "123456789012", functionArn: arn)
    }

    @Test("the statement lambda-shift proposes is itself a grant, and only for its function")
    func proposedStatementGrants() {
        let add = BucketPolicy.statementToAdd(
            bucket: "artifacts", prefix: "lambda-shift/acme/orders/", functionArn: arn)
        #expect(verdict("[" + add + "]") == .granted(statement: "LambdaReadsReferencedCode"))
        let other = BucketPolicy(#"{"Statement":["# + add + "]}")?.lambdaRead(
            bucket: "artifacts", prefix: "lambda-shift/acme/orders/", account: "123456789012",
            functionArn: arn + "-other")
        #expect(other == .notGranted)
        #expect(add.contains(#""Resource":"arn:aws:s3:::artifacts/lambda-shift/acme/orders/*""#))
    }

    @Test("an Allow must cover every key under the prefix, with s3:GetObject and s3:GetObjectVersion")
    func allowCoverage() {
        func allow(_ action: String, _ resource: String) -> String {
            #"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"# + action
                + #","Resource":""# + resource + #""}"#
        }
        let both = #"["s3:GetObject","s3:GetObjectVersion"]"#
        #expect(verdict(allow(both, "arn:aws:s3:::artifacts/*")) == .granted(statement: "statement 1"))
        #expect(verdict(allow(#""s3:*""#, "arn:aws:s3:::artifacts/lambda-shift/*")) != .notGranted)
        #expect(verdict(allow(#""s3:Get*""#, "arn:aws:s3:::art?facts/lambda-shift/*/orders/*")) != .notGranted)
        // Either alone is not what Lambda needs: the DG's setup grants both.
        #expect(verdict(allow(#""s3:GetObject""#, "arn:aws:s3:::artifacts/*")) == .notGranted)
        #expect(verdict(allow(#""s3:GetObjectVersion""#, "arn:aws:s3:::artifacts/*")) == .notGranted)
        // Another prefix, another bucket, or the prefix itself with no wildcard cover nothing here.
        #expect(verdict(allow(both, "arn:aws:s3:::artifacts/other/*")) == .notGranted)
        #expect(verdict(allow(both, "arn:aws:s3:::artifacts2/*")) == .notGranted)
        #expect(verdict(allow(both, "arn:aws:s3:::artifacts/lambda-shift/acme/orders/")) == .notGranted)
        // Another principal grants Lambda nothing; "*" grants everyone.
        #expect(
            verdict(#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:*","Resource":"*"}"#)
                == .notGranted)
        #expect(verdict(#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#) != .notGranted)
        // An exact key (an artifact promoted) needs a resource that matches it.
        #expect(
            verdict(allow(both, "arn:aws:s3:::artifacts/builds/a.zip"), prefix: "builds/a.zip", exact: true)
                == .granted(statement: "statement 1"))
    }

    @Test("a Deny that reaches any key under the prefix wins over an Allow; conditions are evaluated or said unknown")
    func denyAndConditions() {
        let allow = #"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:*","Resource":"*"}"#
        #expect(
            verdict(
                "[" + allow
                    + #",{"Sid":"NoVersions","Effect":"Deny","Principal":"*","Action":"s3:GetObjectVersion","Resource":"arn:aws:s3:::artifacts/lambda-shift/*/secret*"}]"#
            ) == .denied(statement: "NoVersions"))
        #expect(
            verdict(
                "[" + allow
                    + #",{"Effect":"Deny","Principal":"*","Action":"s3:GetObjectVersion","Resource":"arn:aws:s3:::artifacts/elsewhere/*"}]"#
            ) == .granted(statement: "statement 1"))
        let scoped =
            #"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:GetObject*","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:lambda:us-east-1:123456789012:function:ord*"}}}"#
        #expect(verdict(scoped) == .granted(statement: "statement 1"))
        let otherFunction = scoped.replacing("ord*", with: "billing")
        #expect(verdict(otherFunction) == .notGranted)
        let unknown =
            #"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#
        guard case .undecided = verdict(unknown) else {
            Issue.record("a condition on aws:SourceIp cannot be judged here, so the verdict is undecided")
            return
        }
    }

    @Test("text that is not a policy document is refused")
    func notAPolicy() {
        #expect(BucketPolicy("") == nil)
        #expect(BucketPolicy("[]") == nil)
        #expect(BucketPolicy(#"{"Statement":"Allow"}"#) == nil)
        #expect(BucketPolicy(#"{"Statement":[1]}"#) == nil)
    }

    @Test("IAM wildcards: matches, covers every continuation, overlaps some")
    func globs() {
        #expect(Glob.matches("a*c", "abbc"))
        #expect(!Glob.matches("a?c", "abbc"))
        #expect(Glob.covers("p/*", prefix: "p/q/"))
        #expect(!Glob.covers("p/q/", prefix: "p/q/"))
        #expect(!Glob.covers("p/q/?*", prefix: "p/q/"))
        #expect(Glob.overlaps("p/q/secret*", prefix: "p/"))
        #expect(!Glob.overlaps("x/*", prefix: "p/"))
    }
}
