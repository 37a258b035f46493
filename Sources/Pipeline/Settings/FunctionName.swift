import AWSServices
import Config
import LambdaShiftCore

/// A function as `--function` may name it: a name, a partial ARN or a full ARN, without a
/// qualifier (the alias is `--alias`'s). Refused with a sentence before any request, rather than
/// with AWS's regular expression from the first call.
/// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#lambda-GetFunction-request-FunctionName
package enum FunctionName {
    package static func validated(_ name: String, origin: String) throws -> String {
        guard let reference = FunctionReference(parsing: name) else {
            throw ConfigError(
                "\(origin) is \"\(name)\", which is not a function name, a partial ARN (ACCOUNT:function:NAME) or a Lambda function ARN: a name is letters, digits, - and _, at most 64."
            )
        }
        if let qualifier = reference.qualifier {
            throw ConfigError(
                "\(origin) is \"\(name)\", a function with a qualifier: name the function alone (\(reference.name)) and its alias with --alias \(qualifier)."
            )
        }
        return name
    }
}
