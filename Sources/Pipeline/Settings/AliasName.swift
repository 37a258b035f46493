import LambdaShiftCore
import Config

/// Lambda's alias name rule: `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`, 1–128 characters.
/// https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html#lambda-CreateAlias-request-Name
package enum AliasName {
    package static func validated(_ name: String) throws -> String {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
        }
        let onlyDigits = name.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
        guard (1...128).contains(name.count), allowed, !onlyDigits else {
            throw ConfigError(
                "\"\(name)\" is not a valid alias name: use letters, digits, - and _, not only digits, at most 128 characters."
            )
        }
        return name
    }
}
