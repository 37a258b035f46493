@testable import AWSCore
import FoundationEssentials
import FuzzSupport

/// The XML reader (`XMLNode.parse`, S3 and STS answers): a document that parses, written back
/// (each element as its attributes, its text, then its children, everything escaped), parses to
/// the same tree; and an error body, S3's or STS's, always decodes to an error with a code.
fuzz { bytes in
    let body = Data(bytes)
    for proto in [AWSProtocol.restXML, .query] {
        let error = AWSErrorDecoder.decode(
            HTTPResponse(status: 400, body: body), protocol: proto, service: "s3", operation: "PutObject")
        require(!error.code.isEmpty, "an error without a code")
    }
    guard let root = try? XMLNode.parse(body) else { return }
    let written = serialized(root)
    do {
        let again = try XMLNode.parse(Data(written.utf8))
        require(again == root, "\(written) parses to another tree")
    } catch {
        require(false, "\(written) does not parse: \(error)")
    }
}

/// An element as XML text.
func serialized(_ node: XMLNode) -> String {
    var out = "<" + node.name
    for (name, value) in node.attributes.sorted(by: { $0.key < $1.key }) {
        out += " \(name)=\"\(XMLNode.escape(value))\""
    }
    out += ">" + XMLNode.escape(node.text)
    for child in node.children { out += serialized(child) }
    return out + "</" + node.name + ">"
}
