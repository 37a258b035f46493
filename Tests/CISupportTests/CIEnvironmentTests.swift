import LambdaShiftCore
import AWSCore
@testable import CISupport
import Foundation
import TestSupport
import Testing

@Suite("CI knowledge: role-to-assume's token source and secret variables")
struct CIEnvironmentTests {
    @Test("role-to-assume without an OIDC token says how to grant one")
    func roleWithoutOIDC() throws {
        #expect {
            try CIEnvironment.roleToAssume(
                "arn:aws:iam::1:role/deploy", environment: Environment(["AWS_REGION": "us-east-1"]))
        } throws: {
            ($0 as? AWSClientError)?.isConfiguration == true
                && ($0 as? AWSClientError)?.message.contains("permissions: id-token: write") == true
        }
    }

    @Test("GitHub's OIDC endpoint when the job may ask for a token, else the token file; session named after the run")
    func sources() throws {
        let github = try CIEnvironment.roleToAssume(
            "arn:aws:iam::1:role/deploy",
            environment: Environment([
                "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t0ken", "GITHUB_RUN_ID": "42",
                "AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/token",
            ]))
        guard case .fetched(let name, _) = github.tokenSource else {
            Issue.record("expected the OIDC endpoint"); return
        }
        #expect(name == "GitHub's OIDC endpoint" && github.sessionName == "lambda-shift-42")
        let file = try CIEnvironment.roleToAssume(
            "arn:aws:iam::1:role/deploy", environment: Environment(["AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/token"]))
        guard case .file(let path) = file.tokenSource else { Issue.record("expected the token file"); return }
        #expect(path == "/tmp/token" && file.sessionName == "lambda-shift-local")
        #expect(CIEnvironment.secretVariables.contains("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
    }

    @Test("issue 40: a secret is redacted as it is, percent-encoded and JSON-escaped; GitHub masks each form")
    func encodedForms() {
        let secret = "wJalr/K7+MDENG=\"key\\"
        let registry = SecretRegistry()
        let forms = registry.add(secret)
        #expect(
            forms.sorted()
                == [
                    secret, "wJalr%2FK7%2BMDENG%3D%22key%5C", #"wJalr/K7+MDENG=\"key\\"#, #"wJalr\/K7+MDENG=\"key\\"#,
                ].sorted())
        #expect(registry.add(secret).isEmpty)
        let line = "q=wJalr%2FK7%2BMDENG%3D%22key%5C body={\"s\":\"wJalr\\/K7+MDENG=\\\"key\\\\\"}"
        #expect(registry.redact(line) == #"q=*** body={"s":"***"}"#, "\(registry.redact(line))")
        let capture = Capture()
        let github = RedactingReporter(GitHubReporter(environment: [:], sink: capture.sink), secrets: SecretRegistry())
        github.mask(secret)
        github.info("hello")
        #expect(capture.all.filter { $0.hasPrefix("::add-mask::") }.count == 4, "\(capture.all)")
    }

    @Test(
        "issue 40: the secrets an environment holds: the secret variables, JWT-shaped values (id_tokens), and the token files"
    )
    func secretsInEnvironment() throws {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGgifQ.c2lnbmF0dXJl"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let web = directory.appendingPathComponent("web"), container = directory.appendingPathComponent("container")
        try "web-identity-token-value\n".write(to: web, atomically: true, encoding: .utf8)
        try "container-authorization-token".write(to: container, atomically: true, encoding: .utf8)
        let found = CIEnvironment.secrets(
            in: Environment([
                "CI_JOB_TOKEN": "glcbt-abcdef", "MY_ID_TOKEN": jwt, "GITLAB_USER_NAME": "eyJ.not.atoken",
                "AWS_WEB_IDENTITY_TOKEN_FILE": web.path, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": container.path,
                "PATH": "/usr/bin",
            ]))
        #expect(
            Set(found) == ["glcbt-abcdef", jwt, "web-identity-token-value", "container-authorization-token"],
            "\(found)")
        #expect(CIEnvironment.looksLikeJWT(jwt) && !CIEnvironment.looksLikeJWT("a.b.c"))
        #expect(!CIEnvironment.looksLikeJWT("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"))
    }
}
