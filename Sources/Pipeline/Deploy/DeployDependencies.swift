import Ports
import LambdaShiftCore
import AWSCore
import AWSServices

/// Everything a deploy reaches outside itself, as protocols and values: the AWS APIs (real
/// clients, or in-memory fakes in tests), the clock, the sleepers, the environment. Nothing
/// in the pipeline reads the process environment, the clock or sleeps by itself.
package struct DeployDependencies: Sendable {
    package var identity: any IdentityAPI
    package var functions: any FunctionAPI
    package var store: any ArtifactStore
    package var metrics: any MetricsAPI
    /// Where images are resolved to digests (ECR).
    package var images: any ImageRegistry
    /// AWS Signer, for `--signing-profile`.
    package var signer: any CodeSigner
    /// The region the clients talk to.
    package var region: String
    /// The credentials in use (for their lifetime), or nil when there are none to check.
    package var credentials: @Sendable () async throws -> AWSCredentials?
    package var clock: any AWSClock
    /// Sleeps through bakes (a countdown on a terminal).
    package var bakeSleeper: any Sleeper
    /// Sleeps between polls of Lambda's update and readiness states.
    package var pollSleeper: any Sleeper
    /// For SOURCE_DATE_EPOCH.
    package var environment: Environment
    /// Short-lived credentials of the deploy's identity limited by a session policy (a hook's
    /// `invoke` credentials), or nil when the deploy's credentials cannot be narrowed.
    package var narrowedCredentials: @Sendable (NarrowedSession) async throws -> AWSCredentials? = { _ in nil }
    /// The function's log records (CloudWatch Logs), for the log-based canary judge; nil where
    /// a test hands in none (the judge then falls back to metrics, and says so).
    package var logs: (any LogsAPI)?
    /// Bucket-level S3 (versioning, policy, region, lifecycle, object versions), for code kept
    /// by reference and artifact cleanup; nil where a test hands in none.
    package var buckets: (any BucketAPI)?
    /// Lambda Web Functions, for a web function's endpoint; nil where a test hands in none.
    package var web: (any WebFunctionsAPI)?

    package init(
        identity: any IdentityAPI, functions: any FunctionAPI, store: any ArtifactStore, metrics: any MetricsAPI,
        images: any ImageRegistry, signer: any CodeSigner, region: String,
        credentials: @escaping @Sendable () async throws -> AWSCredentials?, clock: any AWSClock,
        bakeSleeper: any Sleeper,
        pollSleeper: any Sleeper, environment: Environment
    ) {
        self.identity = identity
        self.functions = functions
        self.store = store
        self.metrics = metrics
        self.images = images
        self.signer = signer
        self.region = region
        self.credentials = credentials
        self.clock = clock
        self.bakeSleeper = bakeSleeper
        self.pollSleeper = pollSleeper
        self.environment = environment
    }

    /// The real thing: AWS through `client`.
    package static func aws(_ client: AWSClient, bakeSleeper: any Sleeper, environment: Environment)
        -> DeployDependencies
    {
        var dependencies = DeployDependencies(
            identity: STSClient(client: client), functions: LambdaClient(client: client),
            store: S3ArtifactStore(s3: S3Client(client: client)), metrics: CloudWatchClient(client: client),
            images: ECRClient(client: client), signer: SignerClient(client: client), region: client.region,
            credentials: { try await client.credentialSource.credentials() },
            clock: SystemClock(), bakeSleeper: bakeSleeper, pollSleeper: TaskSleeper(), environment: environment)
        dependencies.narrowedCredentials = { try await client.credentialSource.narrowed($0) }
        dependencies.logs = LogsClient(client: client)
        dependencies.buckets = S3Client(client: client)
        dependencies.web = LambdaWebClient(client: client)
        return dependencies
    }
}
