import FuzzSupport
@testable import Rollout

/// The alias description (`DeployHistory(description:)`, with its `RolloutRecord`): the history
/// read from any description renders within Lambda's 256 characters (counted in Unicode scalars:
/// Swift's Characters would count fewer than Lambda does), holds only versions made of ASCII
/// letters, digits, - _ and . (version numbers, or a web function's revision ids), and reads
/// back from its rendering as the same history, less only what the limit made it drop (the oldest
/// versions, the end of the text); rendering that again changes nothing.
fuzz { bytes in
    let history = DeployHistory(description: text(bytes))
    let rendered = history.rendered()
    require(rendered.unicodeScalars.count <= 256, "\(rendered.unicodeScalars.count) scalars: \(rendered)")
    let versions =
        history.good + history.failed + history.rolledBack
        + [history.rollout?.newVersion, history.rollout?.oldVersion].compactMap { $0 }
    require(
        versions.allSatisfy {
            !$0.isEmpty
                && $0.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || "-_.".unicodeScalars.contains($0)
                }
        }, "versions \(versions)")
    let back = DeployHistory(description: rendered)
    for field in DeployHistory.Field.allCases {
        require(history.versions(field).starts(with: back.versions(field)), "\(field) became \(back.versions(field))")
    }
    require(back.rollout == history.rollout, "the rollout became \(String(describing: back.rollout))")
    require(history.text.unicodeScalars.starts(with: back.text.unicodeScalars), "the text became \(back.text)")
    // Nothing was dropped when the record alone keeps every version and the text fits beside it.
    var bare = history
    bare.text = ""
    let record = bare.rendered()
    if DeployHistory(description: record) == bare,
        history.text.isEmpty || history.text.unicodeScalars.count + 1 + record.unicodeScalars.count <= 256
    {
        require(back == history, "\(rendered) reads as \(back.described), text \(back.text)")
    }
    require(back.rendered() == DeployHistory(description: back.rendered()).rendered(), "rendering is not stable")
}
