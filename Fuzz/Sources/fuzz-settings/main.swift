@testable import Config
import FuzzSupport

/// `.lambda-shift.yml` as a whole (`ConfigFile`): a file is refused only with a `ConfigError`
/// sentence that names the file and ends with a full stop; a file that loads holds only known
/// settings, every branch maps to an environment the file names, and every target names a function.
fuzz { bytes in
    let path = "fuzz.yml"
    let file: ConfigFile
    do {
        file = try ConfigFile.parse(text(bytes), path: path)
    } catch let error as ConfigError {
        require(error.message.hasPrefix(path) && error.message.hasSuffix("."), "not a sentence: \(error.message)")
        return
    } catch {
        require(false, "refused with \(type(of: error)), not a ConfigError: \(error)")
        return
    }
    let keys = Set(file.top.keys).union(file.environments.values.flatMap(\.keys))
    require(
        keys.isSubset(of: ConfigFile.settingKeys), "unknown settings kept: \(keys.subtracting(ConfigFile.settingKeys))")
    for (branch, target) in file.branchMap?.branches ?? [:] {
        require(file.environmentNames.contains(target.environment), "\(branch) maps to a missing environment")
        require(!target.strategy.isEmpty, "\(branch) has no strategy")
    }
    for environment in [nil] + file.environmentNames {
        for target in file.targets(environment: environment) ?? [] {
            require(!target.function.isEmpty, "a target without a function")
        }
    }
}
