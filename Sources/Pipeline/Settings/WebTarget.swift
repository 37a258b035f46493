import Config

/// `--web-function NAME [--endpoint NAME]`: a Lambda web function whose endpoint routes between
/// revisions by integer weights, deployed with the alias engine (`WebEndpointAliases`).
/// What does not apply to a web function is refused here, before any AWS call: its code is a
/// zip in S3 (`buildConfig.codeConfig.s3Object`: no image, no code signing config), it takes
/// HTTP requests at its endpoint (no Invoke for a smoke test or warm invocations), and AWS
/// documents no per-revision CloudWatch metric for it, so the gates are alarms and hooks only.
/// https://docs.aws.amazon.com/lambda/latest/api/API_web_CreateWebFunctionRevision.html
package struct WebTarget: Sendable, Equatable {
    package var function: String
    /// The endpoint named, or nil for the function's only one (found by the preflight).
    package var endpoint: String?
    /// `--endpoint-auto-deploy restore`: an endpoint found in LatestRevision mode gets it back
    /// once the rollout ends.
    package var restoreAutoDeploy: Bool

    static func resolve(_ settings: ResolvedSettings) throws -> WebTarget? {
        guard let function = settings.text(.webFunction) else {
            if settings.isGiven(.endpoint) {
                throw ConfigError(
                    "\(settings.origin(.endpoint)) names an endpoint, which only a web function has: add --web-function, or leave --endpoint out for an alias."
                )
            }
            return nil
        }
        if settings.isGiven(.function) {
            throw ConfigError(
                "Both --function and \(settings.origin(.webFunction)) are given: deploy a web function with --web-function alone."
            )
        }
        if settings.isGiven(.alias) {
            throw ConfigError(
                "\(settings.origin(.alias)) names an alias, but a web function routes traffic through its endpoints: give --endpoint instead."
            )
        }
        return WebTarget(
            function: function, endpoint: settings.text(.endpoint),
            restoreAutoDeploy: settings.text(.endpointAutoDeploy) != "disabled")
    }

    func refuseWhatDoesNotApply(_ plan: DeployPlan, _ settings: ResolvedSettings) throws {
        func refuse(_ setting: Setting, _ why: String) throws {
            guard settings.isGiven(setting) else { return }
            throw ConfigError("\(settings.origin(setting)) does not apply to a web function: \(why)")
        }
        try refuse(.imageUri, "its code is a .zip in S3 (CreateWebFunctionRevision takes no image).")
        try refuse(.signingProfile, "CreateWebFunctionRevision takes no code signing configuration.")
        try refuse(.codeStorage, "a revision is built from its S3 object; leave --code-storage out.")
        try refuse(.smokePayload, "it serves HTTP at its endpoint and has no Invoke; test it in --pre-traffic-command.")
        try refuse(.warmInvocations, "it serves HTTP at its endpoint and has no Invoke.")
        try refuse(.preview, "previews are aliases of a function; give the web function an endpoint per preview.")
        let why =
            "AWS documents no per-revision CloudWatch metric for web functions, so a web function is gated by --alarm (and the traffic hooks) only."
        for setting in [
            Setting.maxErrorRate, .maxErrorRateIncrease, .maxDurationIncrease, .maxMemoryUse,
            .maxInitDurationIncrease,
        ] {
            try refuse(setting, why)
        }
    }
}
