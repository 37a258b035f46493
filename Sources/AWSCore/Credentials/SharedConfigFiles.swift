import LambdaShiftCore
import FoundationEssentials

/// The AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials, or
/// AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE), merged per profile; keys in the
/// credentials file win.
/// https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
package struct SharedConfigFiles: Sendable {
    package var profiles: [String: [String: String]]

    package init(profiles: [String: [String: String]] = [:]) { self.profiles = profiles }

    package static func load(environment: Environment) -> SharedConfigFiles {
        let home = environment.home ?? ""
        let configPath = environment["AWS_CONFIG_FILE"].map(environment.expandingTilde) ?? home + "/.aws/config"
        let credentialsPath =
            environment["AWS_SHARED_CREDENTIALS_FILE"].map(environment.expandingTilde) ?? home + "/.aws/credentials"
        var result = SharedConfigFiles()
        if let text = try? String(contentsOfFile: configPath, encoding: .utf8) {
            for (section, values) in parse(text) {
                let name: String
                if section == "default" {
                    name = "default"
                } else if section.hasPrefix("profile ") {
                    name = section.dropFirst(8).trimmed(newlines: false)
                } else {
                    continue
                }  // sso-session, services: not profiles
                result.profiles[name, default: [:]].merge(values) { _, new in new }
            }
        }
        if let text = try? String(contentsOfFile: credentialsPath, encoding: .utf8) {
            for (section, values) in parse(text) {
                result.profiles[section, default: [:]].merge(values) { _, new in new }
            }
        }
        return result
    }

    /// Sections and their `key = value` lines; comments (# or ;) and indented sub-settings skipped.
    static func parse(_ text: String) -> [(String, [String: String])] {
        var sections: [(String, [String: String])] = []
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmed(newlines: false)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else { continue }
                sections.append(
                    (line[line.index(after: line.startIndex)..<close].trimmed(newlines: false), [:]))
                continue
            }
            if rawLine.first == " " || rawLine.first == "\t" { continue }
            guard !sections.isEmpty, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmed(newlines: false).lowercased()
            var value = line[line.index(after: equals)...].trimmed(newlines: false)
            if let comment = value.firstRange(of: " #") ?? value.firstRange(of: " ;") {
                value = value[..<comment.lowerBound].trimmed(newlines: false)
            }
            sections[sections.count - 1].1[key] = value
        }
        return sections
    }
}

/// Credentials from a named profile: static keys, or role_arn with source_profile,
/// credential_source or web_identity_token_file.
package struct ProfileCredentialProvider: CredentialProvider {
    package var profileName: String
    package var explicitlyChosen: Bool
    package var files: SharedConfigFiles
    package var environment: Environment
    package var client: AWSClient
    package var name: String { "profile \(profileName)" }

    package init(
        profileName: String, explicitlyChosen: Bool, files: SharedConfigFiles, environment: Environment,
        client: AWSClient
    ) {
        self.profileName = profileName
        self.explicitlyChosen = explicitlyChosen
        self.files = files
        self.environment = environment
        self.client = client
    }

    package func resolve() async throws -> AWSCredentials? {
        guard files.profiles[profileName] != nil else {
            if explicitlyChosen {
                throw AWSClientError(
                    .profile,
                    "AWS_PROFILE is \"\(profileName)\" but no such profile is in the AWS config or credentials files: check the name.",
                    isConfiguration: true)
            }
            return nil
        }
        return try await resolve(profileName, visited: [])
    }

    private func resolve(_ name: String, visited: [String]) async throws -> AWSCredentials? {
        guard let profile = files.profiles[name] else {
            throw AWSClientError(
                .profile,
                "Profile \"\(visited.last ?? name)\" names source_profile \"\(name)\", which does not exist: check the AWS config file.",
                isConfiguration: true)
        }
        if visited.contains(name) {
            throw AWSClientError(
                .profile,
                "The AWS profiles \((visited + [name]).joined(separator: " → ")) form a loop: break the source_profile cycle.",
                isConfiguration: true)
        }
        let staticKeys: AWSCredentials? = {
            guard let id = profile["aws_access_key_id"], let secret = profile["aws_secret_access_key"] else {
                return nil
            }
            return AWSCredentials(
                accessKeyId: id, secretAccessKey: secret, sessionToken: profile["aws_session_token"],
                source: "profile \(name)")
        }()
        guard let roleArn = profile["role_arn"] else {
            if let staticKeys { return staticKeys }
            if profile["credential_process"] != nil || profile["sso_session"] != nil || profile["sso_start_url"] != nil
            {
                throw AWSClientError(
                    .profile,
                    "Profile \"\(name)\" uses credential_process or SSO, which lambda-shift does not run: export its credentials (aws configure export-credentials) or use a role.",
                    isConfiguration: true)
            }
            if visited.isEmpty { return nil }
            throw AWSClientError(
                .profile,
                "Profile \"\(name)\" has no credentials: add aws_access_key_id and aws_secret_access_key, or a role_arn.",
                isConfiguration: true)
        }
        let session = STSCredentialExchange.sessionName(profile["role_session_name"] ?? "lambda-shift")
        let duration = profile["duration_seconds"].flatMap(Int.init)
        if let tokenFile = profile["web_identity_token_file"] {
            let sts = STSCredentialExchange(client: client)
            return try await WebIdentityCredentialProvider(
                roleArn: roleArn, sessionName: session,
                tokenSource: .file(environment.expandingTilde(tokenFile)), sts: sts
            ).resolve()
        }
        let base: AWSCredentials?
        if let source = profile["source_profile"] {
            // A profile may hold its own keys and name itself as the source.
            base =
                source == name && staticKeys != nil ? staticKeys : try await resolve(source, visited: visited + [name])
        } else if let source = profile["credential_source"] {
            switch source {
            case "Environment": base = try await EnvironmentCredentialProvider(environment: environment).resolve()
            case "EcsContainer":
                base = try await ContainerCredentialProvider(environment: environment, client: client).resolve()
            case "Ec2InstanceMetadata":
                base = try await IMDSCredentialProvider(environment: environment, client: client).resolve()
            default:
                throw AWSClientError(
                    .profile,
                    "Profile \"\(name)\" has credential_source \"\(source)\": use Environment, EcsContainer or Ec2InstanceMetadata.",
                    isConfiguration: true)
            }
        } else {
            throw AWSClientError(
                .profile,
                "Profile \"\(name)\" has role_arn but no source_profile, credential_source or web_identity_token_file: add one.",
                isConfiguration: true)
        }
        guard let base else {
            throw AWSClientError(
                .profile,
                "Profile \"\(name)\" assumes \(roleArn), but its source has no credentials: check source_profile or credential_source.",
                isConfiguration: true)
        }
        let sts = STSCredentialExchange(client: client.with(credentials: StaticCredentialSource(base)))
        return try await sts.assumeRole(
            roleArn: roleArn, sessionName: session, externalId: profile["external_id"], durationSeconds: duration)
    }
}
