import ArgumentParser

/// Which function and alias a command works on.
struct FunctionOptions: ParsableArguments {
    @Option(help: "Function name or ARN.")
    var function: String

    @Option(help: "Alias name.")
    var alias: String = "live"
}
