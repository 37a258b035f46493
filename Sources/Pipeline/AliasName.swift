import Config

/// Lambda's alias name rule: `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`, 1–128 characters.
/// https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html#lambda-CreateAlias-request-Name
public enum AliasName {
    public static func validated(_ name: String) throws -> String {
        guard name.range(of: "^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$", options: .regularExpression) != nil else {
            throw ConfigError(
                "\"\(name)\" is not a valid alias name: use letters, digits, - and _, not only digits, at most 128 characters."
            )
        }
        return name
    }
}
