import LambdaShiftCore
import AWSCore
@testable import CISupport
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
}
