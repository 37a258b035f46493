import LambdaShiftCore
import FoundationEssentials

/// Builds the AWS client from the environment as the SDKs would: region, endpoints,
/// retries, proxies, and the credential chain (role-to-assume through OIDC, environment,
/// web identity, profile, container, EC2 metadata), cached and refreshed before expiry.
package struct AWSSetup: Sendable {
    package var environment: Environment
    /// `--region`, when given.
    package var explicitRegion: String?
    /// `role-to-assume`, resolved by the caller (which knows the CI and its token source).
    package var roleToAssume: RoleToAssume?
    package var transport: any HTTPTransport
    package var clock: any AWSClock
    package var sleeper: any Sleeper
    /// Called with every set of credentials obtained, before they are used: to mask them in CI.
    package var onCredentials: (@Sendable (AWSCredentials) -> Void)?

    package init(
        environment: Environment, explicitRegion: String? = nil, roleToAssume: RoleToAssume? = nil,
        transport: (any HTTPTransport)? = nil, clock: any AWSClock = SystemClock(),
        sleeper: any Sleeper = TaskSleeper(),
        onCredentials: (@Sendable (AWSCredentials) -> Void)? = nil
    ) {
        self.environment = environment
        self.explicitRegion = explicitRegion
        self.roleToAssume = roleToAssume
        self.transport = transport ?? CurlTransport(proxy: ProxySettings(environment: environment))
        self.clock = clock
        self.sleeper = sleeper
        self.onCredentials = onCredentials
    }

    /// The profile in use: AWS_PROFILE, else `default`.
    package var profileName: String { environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? "default" }

    /// A client ready to sign. Throws a configuration error (no region, a bad endpoint URL,
    /// a bad AWS_MAX_ATTEMPTS) before any request is made; credential problems surface on
    /// the first call that needs them (or from `resolveCredentials`).
    package func makeClient() throws -> AWSClient {
        let files = SharedConfigFiles.load(environment: environment)
        let region = try RegionResolver.resolve(
            explicit: explicitRegion, environment: environment,
            profileRegion: files.profiles[profileName]?["region"])
        let endpoints = try EndpointResolver(region: region, environment: environment)
        let retry = try StandardRetryPolicy(environment: environment)
        // The client the providers use for STS and metadata calls signs nothing itself.
        let bare = AWSClient(
            transport: transport,
            credentialSource: StaticCredentialSource(AWSCredentials(accessKeyId: "", secretAccessKey: "")),
            region: region, endpoints: endpoints, retryPolicy: retry, clock: clock, sleeper: sleeper)
        let chain = try credentialChain(files: files, bare: bare)
        return bare.with(credentials: CredentialCache(provider: chain, clock: clock, onCredentials: onCredentials))
    }

    func credentialChain(files: SharedConfigFiles, bare: AWSClient) throws -> CredentialProviderChain {
        let sts = STSCredentialExchange(client: bare)
        var providers: [any CredentialProvider] = []
        if let role = roleToAssume {
            providers.append(
                WebIdentityCredentialProvider(
                    roleArn: role.roleArn, sessionName: role.sessionName, tokenSource: role.tokenSource, sts: sts))
            return CredentialProviderChain(providers)
        }
        providers.append(EnvironmentCredentialProvider(environment: environment))
        if let webIdentity = try WebIdentityCredentialProvider.fromEnvironment(environment, sts: sts) {
            providers.append(webIdentity)
        }
        providers.append(
            ProfileCredentialProvider(
                profileName: profileName,
                explicitlyChosen: environment["AWS_PROFILE"] != nil || environment["AWS_DEFAULT_PROFILE"] != nil,
                files: files, environment: environment, client: bare))
        providers.append(ContainerCredentialProvider(environment: environment, client: bare))
        providers.append(IMDSCredentialProvider(environment: environment, client: bare))
        return CredentialProviderChain(providers)
    }
}
